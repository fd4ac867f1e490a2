/**
 * Does retention pruning block inserts? Postgres only.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/retention.ts [--days=8] [--per-day=100000] [--writers=4]
 *
 * In a scratch schema, fills `--days` old day partitions (rows generated in SQL), then runs `--writers`
 * loops each committing one usage batch at a time through the writer's own transaction (raw row,
 * rollups) for a baseline period, then again while Retention.prune drops the expired partitions
 * (DETACH … CONCURRENTLY + DROP). Prints per-insert latency (p50, p99, max) for both periods.
 */
import pino from "pino";
import postgres from "postgres";
import { randomUUID } from "node:crypto";
import { writeRecords, type UsageRecord } from "../src/core/metering/usage-writer.js";
import { Retention } from "../src/core/observability/retention.js";
import { openDatabase, type Db } from "../src/db/client.js";

const D = 86_400_000;
const flag = (name: string, dflt: number) => Number(process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);

function record(i: number): UsageRecord {
  return {
    id: randomUUID(),
    createdAt: new Date(),
    keyId: `key_${i % 50}`,
    userId: `user_${i % 50}`,
    teamId: `team_${i % 5}`,
    transport: "rest",
    stream: false,
    modelRequested: "openai/gpt-4o-mini",
    modelServed: "openai/gpt-4o-mini",
    provider: "openai",
    inputTokens: 100,
    outputTokens: 20,
    costMicroUsd: 27,
    ttftMs: 120 + (i % 300),
    itlMs: 12,
    latencyMs: 400 + (i % 900),
    status: "ok",
    tags: i % 3 === 0 ? ["bench"] : [],
  };
}

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `${s.length} inserts: p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("set DATABASE_URL=postgres://… (partitions are a Postgres feature)");
  const days = flag("days", 8);
  const perDay = flag("per-day", 100_000);
  const writers = flag("writers", 4);
  const schema = `bench_retention_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const db = await openDatabase({ url, schema, poolSize: writers + 2 });
  const log = pino({ level: "warn" });
  try {
    const retention = new Retention(db, log, { usageDays: 2, bodiesDays: 1, hourlyRollupDays: 90, dailyRollupDays: 730, intervalMinutes: 600 });
    await retention.start();
    const today = Math.floor(Date.now() / D) * D;
    const old = Array.from({ length: days }, (_, i) => today - (i + 3) * D);
    await retention.ensurePartitions(old.map((d) => new Date(d)));
    const t0 = performance.now();
    for (const d of old) {
      await admin.unsafe(`insert into ${schema}.usage_records (id, created_at, transport, stream, model_requested, model_served, provider, input_tokens, output_tokens, cost_micro_usd, latency_ms, status)
        select gen_random_uuid()::text, to_timestamp(${d / 1000} + g * ${86_400 / perDay}), 'rest', false, 'openai/gpt-4o-mini', 'openai/gpt-4o-mini', 'openai', 100, 20, 27, 500, 'ok'
        from generate_series(0, ${perDay - 1}) g`);
    }
    console.log(`filled ${days} day partitions × ${perDay} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    let running = true;
    let i = 0;
    const run = async (into: number[]) => {
      while (running) {
        const batch = [record(i++)];
        const s = performance.now();
        await db.db.transaction((tx) => writeRecords(tx as unknown as Db, batch));
        into.push(performance.now() - s);
      }
    };
    const baseline: number[] = [];
    let loops = Array.from({ length: writers }, () => run(baseline));
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    await Promise.all(loops);

    const during: number[] = [];
    running = true;
    loops = Array.from({ length: writers }, () => run(during));
    const p0 = performance.now();
    const report = await retention.prune();
    const pruneMs = performance.now() - p0;
    running = false;
    await Promise.all(loops);
    await retention.stop();
    console.log(`pruned ${report.droppedPartitions.length} partitions (${days} days × ${perDay} rows of usage_records, and request_bodies') in ${pruneMs.toFixed(0)} ms`);
    console.log(`before pruning: ${summary(baseline)}`);
    console.log(`while pruning:  ${summary(during)}`);
  } finally {
    await db.close();
    await admin.unsafe(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`retention bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
