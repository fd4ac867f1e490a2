/**
 * Does retention pruning block inserts? Postgres only.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/retention.ts [--days=8] [--per-day=100000] [--writers=4]
 *
 * In a scratch schema, fills `--days` old day partitions (rows generated in SQL), then runs `--writers`
 * loops each committing one usage batch at a time through the writer's own transaction (raw row,
 * rollups) for a baseline period, then again while Retention.prune drops the expired partitions
 * (DETACH … CONCURRENTLY + DROP). Prints per-insert latency (p50, p99, max) for both periods.
 *
 * Latency on a shared machine is mostly CPU contention, so a separate connection also samples
 * pg_locks every ~2 ms for ungranted locks on this schema's tables and reports how long any insert
 * was seen waiting on one (the "blocked" figure the target is about), apart from the pruner's own
 * waits (DETACH … CONCURRENTLY waits for in-flight inserts by design).
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
        await writeRecords(db.query, batch);
        into.push(performance.now() - s);
      }
    };
    const baseline: number[] = [];
    let loops = Array.from({ length: writers }, () => run(baseline));
    const baseWaits = sampleLockWaits(admin, schema);
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    await Promise.all(loops);
    const seenBefore = await baseWaits.stop();

    const during: number[] = [];
    running = true;
    loops = Array.from({ length: writers }, () => run(during));
    const waits = sampleLockWaits(admin, schema);
    const p0 = performance.now();
    const report = await retention.prune();
    const pruneMs = performance.now() - p0;
    running = false;
    await Promise.all(loops);
    const seen = await waits.stop();
    await retention.stop();
    console.log(`pruned ${report.droppedPartitions.length} partitions (${days} days × ${perDay} rows of usage_records, and request_bodies') in ${pruneMs.toFixed(0)} ms`);
    console.log(`before pruning: ${summary(baseline)}`);
    console.log(`while pruning:  ${summary(during)}`);
    const longest = (ws: Wait[], kind: Wait["kind"]) => {
      const xs = ws.filter((w) => w.kind === kind);
      if (!xs.length) return "none seen";
      const by = new Map<string, number[]>();
      for (const w of xs) by.set(w.event, [...(by.get(w.event) ?? []), w.ms]);
      return [...by].map(([e, ms]) => `${e} ×${ms.length} (longest ≤ ${Math.max(...ms).toFixed(1)} ms)`).join(", ");
    };
    const line = (name: string, ws: Awaited<ReturnType<ReturnType<typeof sampleLockWaits>["stop"]>>) =>
      console.log(`lock waits ${name} (${ws.samples} samples, one per ${ws.intervalMs.toFixed(1)} ms): inserts ${longest(ws, "insert")}; pruner ${longest(ws, "pruner")}`);
    line("before pruning", seenBefore);
    line("while pruning", seen);
  } finally {
    await db.close();
    await admin.unsafe(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

const SAMPLE_MS = 1;

interface Wait {
  kind: "insert" | "pruner";
  /** pg_stat_activity.wait_event: relation (what pruning could cause), tuple / transactionid (writers upserting the same rollup row). */
  event: string;
  ms: number;
}

/**
 * Polls the backends holding or awaiting a lock on a relation of `schema` (only this bench touches
 * it) for a heavyweight-lock wait (`wait_event_type = 'Lock'`: relation, tuple, transaction id…). A
 * wait is keyed by backend and statement start; its length is the span over which it was seen, plus
 * one interval. Writers' upserts of the same rollup rows wait on each other in both periods.
 */
function sampleLockWaits(admin: postgres.Sql, schema: string): { stop(): Promise<Wait[] & { samples: number; intervalMs: number }> } {
  const open = new Map<string, { kind: Wait["kind"]; event: string; first: number; last: number }>();
  let on = true;
  let samples = 0;
  const t0 = performance.now();
  const loop = (async () => {
    while (on) {
      const rows = await admin.unsafe<{ pid: number; started: string; query: string; event: string }[]>(
        `select a.pid, a.query_start::text as started, a.query, a.wait_event as event from pg_stat_activity a
          where a.wait_event_type = 'Lock' and a.pid in (
            select l.pid from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = $1)`,
        [schema],
      );
      samples++;
      const now = performance.now();
      for (const r of rows) {
        const key = `${r.pid}/${r.started}/${r.event}`;
        const w = open.get(key);
        if (w) w.last = now;
        else open.set(key, { kind: /^\s*(alter|drop)/i.test(r.query) ? "pruner" : "insert", event: r.event, first: now, last: now });
      }
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      const intervalMs = (performance.now() - t0) / Math.max(1, samples);
      const out = [...open.values()].map((w) => ({ kind: w.kind, event: w.event, ms: w.last - w.first + intervalMs })) as Wait[] & { samples: number; intervalMs: number };
      out.samples = samples;
      out.intervalMs = intervalMs;
      return out;
    },
  };
}

main().catch((e: unknown) => {
  process.stderr.write(`retention bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
