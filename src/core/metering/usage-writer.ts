import type { Logger } from "pino";
import type { Database, Query } from "../../db/client.js";
import { requestBodies, usageRecords } from "../../db/schema.js";
import type { ChatRequest } from "../../domain/chat.js";
import { insertFrom, jsonRows, recordset } from "../observability/bulk.js";
import { rollupDeltas, rollupParams, rollupUpserts } from "../observability/rollups.js";
import { pgCode, pgError } from "../observability/retention.js";

type UsageRow = typeof usageRecords.$inferInsert;

/**
 * One request's usage record as the gateway builds it. `request` (as sent upstream, i.e. after
 * redaction) and `response` (the text the client received, after output transforms) travel with it;
 * the writer keeps them only where body logging is on and drops them otherwise.
 */
export interface UsageRecord extends UsageRow {
  request?: ChatRequest | undefined;
  response?: string | undefined;
}

export interface UsageWriterOptions {
  flushIntervalMs: number;
  batchSize: number;
  /**
   * How many unwritten records make the writer report itself backlogged; the gateway then takes no new
   * requests until it drains (records of requests already under way are still accepted). Absent: never.
   */
  maxQueued?: number | undefined;
  /** Whether bodies are stored for a request of this team. Absent: never. */
  bodies?: ((teamId: string | null) => boolean) | undefined;
  /**
   * Called when an insert found no partition for some rows' days (Postgres, see retention.ts);
   * it creates them and the batch is retried at once.
   */
  ensurePartitions?: ((days: Date[]) => Promise<void>) | undefined;
  /**
   * Called once after each batch is committed, with its records and the write's duration (metrics,
   * the live request feed). It runs on the writer's flush, never on a request; it must not throw.
   */
  onBatch?: ((records: readonly UsageRecord[], seconds: number) => void) | undefined;
}

/**
 * Usage records are queued in memory and inserted in batches, off the request path. Each batch is
 * one transaction: the raw rows, their bodies, and the rollups computed from exactly the rows that
 * insert created (a retried batch adds nothing twice). A failed batch stays at the front of the
 * queue and is retried with backoff; `close()` flushes everything before the database closes.
 */
export class UsageWriter {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  /** Records ever queued and ever written: flush() waits for its own records, not for later traffic. */
  private enqueued = 0;
  private written = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: UsageWriterOptions,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /**
   * `maxQueued` records or more are waiting: the database is unreachable or slower than the traffic.
   * Memory would otherwise grow with every request until the process dies and loses them all.
   */
  get backlogged(): boolean {
    return this.opts.maxQueued !== undefined && this.queue.length >= this.opts.maxQueued;
  }

  /** Consecutive failed batch writes (0 when healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  add(record: UsageRecord): void {
    if (record.request !== undefined && !this.opts.bodies?.(record.teamId ?? null)) {
      record.request = undefined;
      record.response = undefined;
    }
    this.queue.push(record);
    this.enqueued++;
    if (this.queue.length === this.opts.maxQueued) {
      this.log.error({ queued: this.queue.length, failures: this.failures }, "usage records are not being written: refusing new requests until the backlog drains");
      // A retry armed before the queue filled may be up to 30 s out: re-arm it at the backlogged backoff.
      if (this.failures > 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.schedule();
      }
    }
    if (this.queue.length >= this.opts.batchSize) this.kick();
    else this.schedule();
  }

  /**
   * Starts writing a full batch unless a write is under way (it goes on with the queue when it ends) or
   * the last one failed (the backoff timer retries). Before, every record added while a batch was being
   * written started a flush() of its own that waited on it: hundreds of waiting loops per batch at a few
   * thousand requests a second, all woken by each batch's end.
   */
  private kick(): void {
    if (this.flushing || this.failures > 0) return;
    void this.writeNext().catch(() => undefined);
  }

  /** Resolves once every record queued so far is in the database (records added meanwhile do not delay it). */
  async flush(): Promise<void> {
    const target = this.enqueued;
    while (this.written < target && this.queue.length > 0) await this.writeNext();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // On shutdown, retry a few times quickly rather than losing records.
    for (let i = 0; i < 5 && (this.queue.length > 0 || this.flushing); i++) {
      try {
        await this.flush();
      } catch {
        await new Promise((r) => setTimeout(r, 200 * (i + 1)));
      }
    }
    if (this.queue.length > 0) this.log.error({ lost: this.queue.length }, "usage records could not be written before shutdown");
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    // While backlogged the gateway refuses requests, so the database is probed more often than the usual 30 s at most.
    const backoff = this.failures === 0 ? this.opts.flushIntervalMs : Math.min(this.backlogged ? 2_000 : 30_000, 500 * 2 ** this.failures);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, backoff);
    this.timer.unref();
  }

  /** Writes the batch at the front of the queue; concurrent callers share the one write in progress. */
  private writeNext(): Promise<void> {
    this.flushing ??= (async () => {
      const batch = this.queue.slice(0, this.opts.batchSize);
      const started = performance.now();
      try {
        const written = await this.writeBatch(batch);
        const wasBacklogged = this.backlogged;
        this.queue.splice(0, batch.length);
        this.written += batch.length;
        if (wasBacklogged && !this.backlogged) this.log.warn({ queued: this.queue.length }, "usage backlog below its limit: taking new requests again");
        this.failures = 0;
        this.opts.onBatch?.(written, (performance.now() - started) / 1000);
      } catch (err) {
        this.failures++;
        this.log.warn({ err: (err as Error).message, queued: this.queue.length }, "usage write failed; will retry");
        // A timer armed before the failure would retry at the flush interval: it gives way to the backoff.
        clearTimeout(this.timer);
        this.timer = undefined;
        this.schedule();
        throw err;
      }
    })().finally(() => {
      this.flushing = undefined;
      if (this.failures > 0) return;
      if (this.queue.length >= this.opts.batchSize) this.kick();
      else if (this.queue.length > 0) this.schedule();
    });
    return this.flushing;
  }

  /**
   * A first attempt is one statement on its own (atomic, no BEGIN/COMMIT round trips). A retry may
   * meet rows its lost-answer predecessor committed, and then needs a second statement for the new
   * rows' bodies and rollups: retries run in a transaction so the two land together.
   */
  /** Writes a batch; returns the records now in the database (all, unless a value was refused). */
  private async writeBatch(batch: UsageRecord[]): Promise<readonly UsageRecord[]> {
    const write = () => (this.failures === 0 ? this.writeFirst(batch) : this.db.atomic((q) => writeRecords(q, batch)));
    try {
      await write();
      return batch;
    } catch (err) {
      if (isRefusedValue(err)) return this.writeOneByOne(batch);
      if (!this.opts.ensurePartitions || !isMissingPartition(err)) throw err;
      const days = new Set(batch.map((r) => Math.floor(r.createdAt.getTime() / 86_400_000)));
      await this.opts.ensurePartitions([...days].map((d) => new Date(d * 86_400_000)));
      await write();
      return batch;
    }
  }

  /**
   * A batch the database refused for a value in it: retried whole it would fail forever and hold up
   * every record queued behind it, until the gateway refuses all traffic. So its records are written
   * one by one, and the one(s) refused are logged with the database's reason and left out. The values
   * are cleaned where they are made (strings in `jsonRows`, token counts in `meterUsage`), so this is
   * the backstop for a case nobody foresaw.
   */
  private async writeOneByOne(batch: UsageRecord[]): Promise<UsageRecord[]> {
    const written: UsageRecord[] = [];
    for (const r of batch) {
      try {
        await this.db.atomic((q) => writeRecords(q, [r]));
        written.push(r);
      } catch (err) {
        if (!isRefusedValue(err)) throw err;
        this.log.error({ requestId: r.id, reason: refusedReason(err) }, "usage record refused by the database for a value in it; left out so that the records behind it are written");
      }
    }
    return written;
  }

  /**
   * Rows of a first attempt were never sent before: a batch leaves the queue only once written, and
   * after a failure it is sent again by the retry path (failures > 0), never here. So they go in
   * without ON CONFLICT. Should one exist all the same (an id used twice), nothing of the statement
   * applies and the batch takes the guarded path at once.
   */
  private async writeFirst(batch: UsageRecord[]): Promise<void> {
    try {
      await writeNewRecords(this.db.query, batch);
    } catch (err) {
      if (pgCode(err) !== UNIQUE_VIOLATION) throw err;
      await this.db.atomic((q) => writeRecords(q, batch));
    }
  }
}

const UNIQUE_VIOLATION = "23505";

/**
 * The batch statement: raw rows, their bodies and the four rollup cubes in one statement, so one
 * round trip and atomic without BEGIN/COMMIT. Its text is constant (rows travel as JSON parameters),
 * so the driver prepares it once and the server plans it once. Bodies and rollups are guarded by
 * "every raw row was new": a batch whose rows partly exist already (only when a retry follows a
 * commit whose answer was lost) writes its new raw rows and reports their ids, and `addFresh` adds
 * exactly their bodies and rollups. `$1` is the batch size, `$2` the records, `$3`–`$6` the cubes.
 */
function asCtes(statements: string[]): string {
  return statements.map((u, i) => `r${i} as (${u})`).join(",\n");
}

const ALL_NEW = "(select count(*) from ins) = $1";
const WRITE = `with src as materialized (select * from ${recordset(2, usageRecords, requestBodies)}),
ins as (${insertFrom(usageRecords, "src as x")} on conflict do nothing returning id),
b as (${insertFrom(requestBodies, "src as x")} where x.request is not null and ${ALL_NEW} on conflict do nothing),
${asCtes(rollupUpserts(3, ALL_NEW))}
select (select count(*) from ins)::int as n, case when (select count(*) from ins) <> $1 then (select array_agg(id) from ins) end as ids`;

/** Bodies and rollups alone, unguarded: `$1` the records, `$2`–`$5` the cubes. */
const FRESH = `with src as materialized (select * from ${recordset(1, requestBodies)}),
b as (${insertFrom(requestBodies, "src as x")} where x.request is not null on conflict do nothing),
${asCtes(rollupUpserts(2))}
select 1`;

/**
 * Raw rows, bodies and rollups of rows never sent before, unguarded: `$1` the records, `$2`–`$5` the
 * cubes. Without ON CONFLICT an insert is one descent of each index; with it, Postgres first probes
 * the primary key for every row, a second descent: 16 % of the server's CPU for the guarded statement
 * in a profile, 3 µs per record of 24 in A/B runs.
 */
const NEW = `with src as materialized (select * from ${recordset(1, usageRecords, requestBodies)}),
ins as (${insertFrom(usageRecords, "src as x")}),
b as (${insertFrom(requestBodies, "src as x")} where x.request is not null),
${asCtes(rollupUpserts(2))}
select 1`;

/**
 * Writes one batch through `query` (the database, or a transaction's). Returns how many raw rows
 * were new. Outside a transaction the fresh-rows follow-up is a second statement; the writer runs
 * retried batches, the only ones that can need it, in a transaction.
 */
export async function writeRecords(query: Query, batch: readonly UsageRecord[]): Promise<number> {
  if (batch.length === 0) return 0;
  const [r] = await query<{ n: number; ids: string[] | string | null }>(WRITE, [batch.length, jsonRows(batch), ...rollupParams(rollupDeltas(batch))]);
  const n = Number(r?.n ?? 0);
  if (n === batch.length || n === 0) return n;
  await addFresh(query, batch, new Set(pgTextArray(r!.ids)));
  return n;
}

/**
 * Writes a batch none of whose rows is in the database yet (a unique violation, 23505, fails it whole
 * otherwise). Only for rows never sent: a batch that may have been committed before goes through
 * `writeRecords`.
 */
export async function writeNewRecords(query: Query, batch: readonly UsageRecord[]): Promise<void> {
  if (batch.length === 0) return;
  await query(NEW, [jsonRows(batch), ...rollupParams(rollupDeltas(batch))]);
}

/** Bodies and rollups of exactly the rows the raw insert created: a retried batch adds nothing twice. */
async function addFresh(query: Query, batch: readonly UsageRecord[], inserted: Set<string>): Promise<void> {
  const fresh = batch.filter((r) => inserted.has(r.id));
  if (fresh.length > 0) await query(FRESH, [jsonRows(fresh), ...rollupParams(rollupDeltas(fresh))]);
}

/** A text[] as the drivers return it: an array (postgres.js, PGlite) or, defensively, its literal. */
function pgTextArray(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string" || v.length < 2) return [];
  return v.slice(1, -1).split(",").map((s) => s.replace(/^"|"$/g, ""));
}

/**
 * A value the database refuses, the same on every retry: a data exception (class 22: bad text,
 * number out of range, invalid input syntax) or a NOT NULL violation. Not a missing partition
 * (23514, handled) nor a unique violation (23505, handled).
 */
function isRefusedValue(err: unknown): boolean {
  const code = pgCode(err);
  return code !== undefined && (code.startsWith("22") || code === "23502");
}

function refusedReason(err: unknown): string {
  const pg = pgError(err);
  return pg ? `${pg.code}: ${pg.message}` : String(err);
}

/** Postgres 23514 "no partition of relation … found for row" (drizzle wraps driver errors in `cause`). */
function isMissingPartition(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const x = e as { code?: unknown; message?: unknown };
    if (x.code === "23514" && typeof x.message === "string" && x.message.includes("no partition")) return true;
  }
  return false;
}
