import { sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageWriter, type UsageRecord } from "../../src/core/metering/usage-writer.js";
import type { Database } from "../../src/db/client.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { syntheticRecords } from "../helpers/usage-records.js";

const H = 3_600_000;
const now = Math.floor(Date.now() / H) * H;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** A writer of its own on the app's database, recording the texts of the statements it sends outside transactions. */
function writer(): { w: UsageWriter; texts: string[] } {
  const db = t.app.services.db;
  const texts: string[] = [];
  const spied: Database = { ...db, query: (text, params) => (texts.push(text), db.query(text, params)) };
  const { ensurePartitions } = t.app.services.observability.writerOptions();
  const w = new UsageWriter(spied, pino({ level: "silent" }), { flushIntervalMs: 60_000, batchSize: 1000, bodies: () => true, ensurePartitions });
  return { w, texts };
}

async function totals(): Promise<{ raw: number; cost: string; rollup: number; rollupCost: string; principal: number; bodies: number }> {
  const { db } = t.app.services;
  const [r] = await db.rows<Record<string, string | number>>(sql`select
    (select count(*) from usage_records) as raw, (select coalesce(sum(cost_micro_usd), 0) from usage_records) as cost,
    (select coalesce(sum(requests), 0) from usage_rollup_model where grain = 'hour') as rollup,
    (select coalesce(sum(cost_micro_usd), 0) from usage_rollup_model where grain = 'day') as "rollupCost",
    (select coalesce(sum(requests), 0) from usage_rollup_principal where grain = 'day') as principal,
    (select count(*) from request_bodies) as bodies`);
  return { raw: Number(r!.raw), cost: String(r!.cost), rollup: Number(r!.rollup), rollupCost: String(r!.rollupCost), principal: Number(r!.principal), bodies: Number(r!.bodies) };
}

const withBodies = (recs: UsageRecord[]) =>
  recs.map((r, i) => (i % 4 === 0 ? { ...r, request: { model: r.modelRequested, messages: [{ role: "user" as const, content: `q${i}` }] }, response: `a${i}` } : r));

describe("usage writer, first attempt", () => {
  it("writes rows never sent before in one statement without ON CONFLICT, rollups equal to the raw rows", async () => {
    const base = await totals();
    const { w, texts } = writer();
    const recs = withBodies(syntheticRecords({ from: now - 3 * H, to: now, count: 60, seed: 11 }));
    for (const r of recs) w.add(r);
    await w.flush();
    // Twice on Postgres when a day's partition had to be made first (the failed try applied nothing).
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toMatch(/on conflict do nothing/i);
    const after = await totals();
    expect(after.raw - base.raw).toBe(60);
    expect(after.rollup - base.rollup).toBe(60);
    expect(after.principal - base.principal).toBe(60);
    expect(BigInt(after.rollupCost) - BigInt(base.rollupCost)).toBe(BigInt(after.cost) - BigInt(base.cost));
    expect(after.bodies - base.bodies).toBe(recs.filter((r) => r.request !== undefined).length);
    expect(w.consecutiveFailures).toBe(0);
  });

  it("meeting a row that exists (an id used twice) applies nothing of that statement and writes the batch through the guarded path at once", async () => {
    const { w } = writer();
    const recs = withBodies(syntheticRecords({ from: now - 2 * H, to: now, count: 30, seed: 12 }));
    for (const r of recs.slice(0, 10)) w.add(r);
    await w.flush();
    const base = await totals();
    for (const r of recs) w.add(r);
    await w.flush();
    const after = await totals();
    expect(after.raw - base.raw).toBe(20);
    expect(after.rollup - base.rollup).toBe(20);
    expect(after.principal - base.principal).toBe(20);
    expect(BigInt(after.rollupCost) - BigInt(base.rollupCost)).toBe(BigInt(after.cost) - BigInt(base.cost));
    expect(after.bodies - base.bodies).toBe(recs.slice(10).filter((r) => r.request !== undefined).length);
    expect(w.consecutiveFailures).toBe(0);
    expect(w.depth).toBe(0);
  });
});
