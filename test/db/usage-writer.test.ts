import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRecords, type UsageRecord } from "../../src/core/metering/usage-writer.js";
import type { Db } from "../../src/db/client.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { syntheticRecords } from "../helpers/usage-records.js";

const H = 3_600_000;
const now = Math.floor(Date.now() / H) * H;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ file: { logging: { bodies: true } } });
});

afterAll(async () => {
  await t?.close();
});

const write = (batch: UsageRecord[]) => t.app.services.db.db.transaction((tx) => writeRecords(tx as unknown as Db, batch));

async function totals(): Promise<{ raw: [number, string]; rollup: [number, string]; bodies: number }> {
  const { db } = t.app.services;
  const [raw] = await db.rows<{ n: string | number; c: string | number }>(sql`select count(*) as n, coalesce(sum(cost_micro_usd), 0) as c from usage_records`);
  const [roll] = await db.rows<{ n: string | number; c: string | number }>(
    sql`select coalesce(sum(requests), 0) as n, coalesce(sum(cost_micro_usd), 0) as c from usage_rollup_model where grain = 'hour'`,
  );
  const [b] = await db.rows<{ n: string | number }>(sql`select count(*) as n from request_bodies`);
  return { raw: [Number(raw!.n), String(raw!.c)], rollup: [Number(roll!.n), String(roll!.c)], bodies: Number(b!.n) };
}

describe("usage writer", () => {
  it("a batch retried after its commit went through adds only its new rows, to the raw table, the bodies and the rollups", async () => {
    const recs = syntheticRecords({ from: now - 3 * H, to: now, count: 40, seed: 11 }).map((r, i) =>
      i % 3 === 0 ? { ...r, request: { model: r.modelRequested, messages: [{ role: "user" as const, content: `q${i}` }] }, response: `a${i}` } : r,
    );
    await write(recs.slice(0, 25));
    const first = await totals();
    expect(first.raw[0]).toBe(25);
    expect(first.rollup).toEqual(first.raw);

    // The same 25 again (an answer lost after COMMIT) plus 15 new ones.
    await write(recs);
    const second = await totals();
    expect(second.raw[0]).toBe(40);
    expect(second.rollup).toEqual(second.raw);
    expect(second.bodies).toBe(recs.filter((r) => r.request !== undefined).length);

    // Entirely a repeat: nothing changes.
    await write(recs.slice(5, 30));
    expect(await totals()).toEqual(second);
  });
});
