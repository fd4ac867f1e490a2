import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { UsageWriter, writeRecords, type UsageRecord } from "../../src/core/metering/usage-writer.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { syntheticRecords } from "../helpers/usage-records.js";

const H = 3_600_000;
const now = Math.floor(Date.now() / H) * H;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ file: { logging: { bodies: true } } });
  // writeRecords is called directly, without the writer's create-the-partition-and-retry; between
  // 00:00 and 03:00 UTC the records below fall on yesterday, which retention does not create ahead.
  await t.app.services.observability.retention.ensurePartitions([new Date(now - 3 * H), new Date(now)]);
});

afterAll(async () => {
  await t?.close();
});


type Totals = { raw: [number, string]; rollup: [number, string]; bodies: number };

async function totals(): Promise<Totals> {
  const { db } = t.app.services;
  const [raw] = await db.rows<{ n: string | number; c: string | number }>(sql`select count(*) as n, coalesce(sum(cost_micro_usd), 0) as c from usage_records`);
  const [roll] = await db.rows<{ n: string | number; c: string | number }>(
    sql`select coalesce(sum(requests), 0) as n, coalesce(sum(cost_micro_usd), 0) as c from usage_rollup_model where grain = 'hour'`,
  );
  const [b] = await db.rows<{ n: string | number }>(sql`select count(*) as n from request_bodies`);
  return { raw: [Number(raw!.n), String(raw!.c)], rollup: [Number(roll!.n), String(roll!.c)], bodies: Number(b!.n) };
}

/** What was added since `base`. */
const since = (now: Totals, base: Totals): Totals => ({
  raw: [now.raw[0] - base.raw[0], String(BigInt(now.raw[1]) - BigInt(base.raw[1]))],
  rollup: [now.rollup[0] - base.rollup[0], String(BigInt(now.rollup[1]) - BigInt(base.rollup[1]))],
  bodies: now.bodies - base.bodies,
});

describe("usage writer", () => {
  // The writer sends a first attempt as one statement and runs retries in a transaction; both must hold.
  it.each([
    ["one statement on its own", (batch: UsageRecord[]) => writeRecords(t.app.services.db.query, batch)],
    ["in a transaction", (batch: UsageRecord[]) => t.app.services.db.atomic((q) => writeRecords(q, batch))],
  ])("%s: a batch retried after its commit went through adds only its new rows, to the raw table, the bodies and the rollups", async (_how, write) => {
    const base = await totals();
    const recs = syntheticRecords({ from: now - 3 * H, to: now, count: 40, seed: _how.length }).map((r, i) =>
      i % 3 === 0 ? { ...r, request: { model: r.modelRequested, messages: [{ role: "user" as const, content: `q${i}` }] }, response: `a${i}` } : r,
    );
    expect(await write(recs.slice(0, 25))).toBe(25);
    const first = since(await totals(), base);
    expect(first.raw[0]).toBe(25);
    expect(first.rollup).toEqual(first.raw);

    // The same 25 again (an answer lost after COMMIT) plus 15 new ones.
    expect(await write(recs)).toBe(15);
    const second = since(await totals(), base);
    expect(second.raw[0]).toBe(40);
    expect(second.rollup).toEqual(second.raw);
    expect(second.bodies).toBe(recs.filter((r) => r.request !== undefined).length);

    // Entirely a repeat: nothing changes.
    expect(await write(recs.slice(5, 30))).toBe(0);
    expect(since(await totals(), base)).toEqual(second);
  });

  it("takes the columns' defaults for fields a record leaves out, keeps quotes and backslashes, and drops NUL characters Postgres text cannot hold", async () => {
    const [r] = syntheticRecords({ from: now - H, to: now, count: 1, seed: 99 });
    const { cachedInputTokens: _c, reasoningTokens: _r, tokensEstimated: _e, tags: _t, attempts: _a, ...bare } = r!;
    // Quotes, backslashes and dollar signs too: PGlite inlines parameters as literals (see db/client.ts).
    await writeRecords(t.app.services.db.query, [{ ...bare, errorMessage: "it's a \\ $1 $$ 💥 bad\u0000byte" }]);
    const [row] = await t.app.services.db.rows<Record<string, unknown>>(
      sql`select cached_input_tokens, reasoning_tokens, tokens_estimated, tags, attempts, error_message from usage_records where id = ${r!.id}`,
    );
    expect(row).toEqual({ cached_input_tokens: 0, reasoning_tokens: 0, tokens_estimated: false, tags: [], attempts: [], error_message: "it's a \\ $1 $$ 💥 badbyte" });
  });

  it("a value the database refuses holds up nothing: the batch is written record by record and only the refused one is left out, logged", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const writer = new UsageWriter(t.app.services.db, log, { flushIntervalMs: 10, batchSize: 100 });
    const recs = syntheticRecords({ from: now - H, to: now, count: 8, seed: 7 });
    // 1.5 tokens: "invalid input syntax for type integer", the same on every retry.
    const bad = { ...recs[3]!, inputTokens: 1.5 };
    for (const r of [...recs.slice(0, 3), bad, ...recs.slice(4)]) writer.add(r);
    await writer.flush();
    expect(writer.depth).toBe(0);
    const ids = recs.map((r) => r.id);
    const rows = await t.app.services.db.rows<{ id: string }>(sql`select id from usage_records where id in ${ids}`);
    expect(rows.map((r) => r.id).sort()).toEqual(ids.filter((id) => id !== bad.id).sort());
    expect(lines.some((l) => l.requestId === bad.id && String(l.reason).startsWith("22P02"))).toBe(true);
    await writer.close();
  });
});
