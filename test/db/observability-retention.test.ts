import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageRecord } from "../../src/core/metering/usage-writer.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, usingPostgres, type TestApp } from "../helpers/app.js";
import { syntheticRecords } from "../helpers/usage-records.js";

const D = 86_400_000;
const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const today = Math.floor(Date.now() / D) * D;
const admin = { keyId: "k", role: "ADMIN" as const, userId: "admin", teamId: null, allowedModels: null };

let fake: FakeOpenAI;
let t: TestApp;

function withBody(r: UsageRecord): UsageRecord {
  return { ...r, request: { model: r.modelRequested, messages: [{ role: "user", content: "hello" }] }, response: "answer" };
}

async function count(q: ReturnType<typeof sql>): Promise<number> {
  const [r] = await t.app.services.db.rows<{ n: number | string }>(q);
  return Number(r?.n ?? 0);
}

const dailyTotals = async (from: number, to: number) =>
  (await t.app.services.observability.usage.usage(admin, { from: new Date(from), to: new Date(to), groupBy: ["DAY"], percentiles: {} })).map((b) => [b.day!.toISOString(), b.requests, b.costMicroUsd]);

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
      models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
      logging: { bodies: true },
      retention: { usageDays: 5, bodiesDays: 2, hourlyRollupDays: 8, dailyRollupDays: 100, intervalMinutes: 60 },
    },
  });
  // Eleven days of history (on Postgres the writer creates the missing day partitions as it goes).
  const old = syntheticRecords({ from: today - 11 * D, to: today - D, count: 1100, seed: 3 }).map(withBody);
  for (const r of old) t.app.services.usage.add(r);
  await t.app.services.usage.flush();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("retention", () => {
  it("prunes raw records, bodies and hourly rollups while requests are being written; daily rollups stay", async () => {
    const { usage, observability } = t.app.services;
    const before = await dailyTotals(today - 11 * D, today - D);
    expect(before.length).toBe(10);
    const keptBefore = await count(sql`select count(*) as n from usage_records where created_at >= ${new Date(today - 5 * D).toISOString()}::timestamptz`);
    if (usingPostgres()) {
      expect(observability.retention.isPartitioned).toBe(true);
      expect(await count(sql`select count(*) as n from pg_inherits where inhparent = to_regclass('usage_records')`)).toBeGreaterThanOrEqual(11);
    }

    // Writers: direct usage records and real requests, flushed one by one, for as long as pruning runs.
    let pruning = true;
    const written: string[] = [];
    const stalls: number[] = [];
    let duringPrune = 0;
    const direct = (async () => {
      let i = 0;
      while (pruning) {
        const [r] = syntheticRecords({ from: Date.now() - 1000, to: Date.now(), count: 1, seed: 100 + i++ });
        usage.add(withBody(r!));
        const t0 = performance.now();
        await usage.flush();
        stalls.push(performance.now() - t0);
        written.push(r!.id);
        if (pruning) duringPrune++;
      }
    })();
    fake.setScenario({ content: "ok", usage: { promptTokens: 2, completionTokens: 1 } });
    const live = (async () => {
      let n = 0;
      while (pruning || n === 0) {
        const res = await fetch(`${t.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
        n++;
      }
      return n;
    })();

    const report = await observability.retention.run();
    pruning = false;
    const [, liveCount] = await Promise.all([direct, live]);
    await usage.flush();
    console.info(`retention: ${report.droppedPartitions.length} partitions dropped, ${report.deletedRows} rows and ${report.deletedRollupRows} rollup rows deleted; ${written.length} records and ${liveCount} requests written meanwhile; slowest flush ${Math.max(...stalls).toFixed(1)} ms`);
    expect(usage.consecutiveFailures).toBe(0);
    expect(liveCount).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(0);
    expect(duringPrune).toBeGreaterThan(0);

    // Raw records older than 5 days are gone; younger ones, and everything written meanwhile, are there.
    expect(await count(sql`select count(*) as n from usage_records where created_at < ${new Date(today - 5 * D).toISOString()}::timestamptz`)).toBe(0);
    expect(await count(sql`select count(*) as n from usage_records where created_at >= ${new Date(today - 5 * D).toISOString()}::timestamptz and created_at < ${new Date(today).toISOString()}::timestamptz`)).toBe(keptBefore);
    const ids = written.map((id) => sql`${id}`);
    expect(await count(sql`select count(*) as n from usage_records where id in (${sql.join(ids, sql`, `)})`)).toBe(written.length);
    // Bodies are kept 2 days.
    expect(await count(sql`select count(*) as n from request_bodies where created_at < ${new Date(today - 2 * D).toISOString()}::timestamptz`)).toBe(0);
    expect(await count(sql`select count(*) as n from request_bodies where created_at >= ${new Date(today - 2 * D).toISOString()}::timestamptz`)).toBeGreaterThan(0);
    if (usingPostgres()) {
      expect(report.droppedPartitions.filter((p) => p.startsWith("usage_records_p"))).toHaveLength(6);
      const names = await t.app.services.db.rows<{ name: string }>(sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass('usage_records')`);
      const cutoffName = `usage_records_p${new Date(today - 5 * D).toISOString().slice(0, 10).replaceAll("-", "")}`;
      expect(names.every((n) => n.name >= cutoffName)).toBe(true);
    } else expect(report.deletedRows).toBeGreaterThan(0);

    // Hourly rollups older than 8 days are pruned; daily ones still answer every day exactly as before.
    expect(await count(sql`select count(*) as n from usage_rollup_model where grain = 'hour' and bucket < ${new Date(today - 8 * D).toISOString()}::timestamptz`)).toBe(0);
    expect(await count(sql`select count(*) as n from usage_rollup_model where grain = 'hour' and bucket >= ${new Date(today - 8 * D).toISOString()}::timestamptz`)).toBeGreaterThan(0);
    expect(await dailyTotals(today - 11 * D, today - D)).toEqual(before);
  });

  it("is idempotent, and creates partitions ahead", async () => {
    const again = await t.app.services.observability.retention.run();
    expect(again).toEqual({ droppedPartitions: [], deletedRows: 0, deletedRollupRows: 0 });
    if (usingPostgres()) {
      const ahead = `usage_records_p${new Date(today + 3 * D).toISOString().slice(0, 10).replaceAll("-", "")}`;
      expect(await count(sql`select count(*) as n from pg_class where oid = to_regclass(${ahead})`)).toBe(1);
    }
    // A record for a day without partition still lands (the writer adds the partition).
    const id = randomUUID();
    const [r] = syntheticRecords({ from: today + 20 * D, to: today + 20 * D + 1000, count: 1, seed: 9 });
    t.app.services.usage.add({ ...r!, id });
    await t.app.services.usage.flush();
    expect(await count(sql`select count(*) as n from usage_records where id = ${id}`)).toBe(1);
  });
});
