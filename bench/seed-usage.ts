/**
 * Seeds usage records on Postgres and times `usage` against them.
 *
 *   DATABASE_URL=postgres://… npx tsx bench/seed-usage.ts [--records=1000000] [--days=30] [--reseed] [--runs=20]
 *
 * Records go into schema `bench_usage` (kept between runs; --reseed starts over) through the usage
 * writer's own batch code (writeRecords: raw rows and rollups in one transaction), one UTC day per
 * transaction, in time order as live traffic arrives.
 * Data: 200 users in 20 teams with ~300 keys, 8 models on 3 providers, 0-2 of 10 tags, ~4 % errors.
 * Then `usage` is timed through the core query (and through GraphQL over HTTP) for the whole range
 * grouped by MODEL and DAY (the target: < 100 ms), and a few other shapes.
 * Wall times swing with whatever else runs on a shared machine, so each shape also reports CPU per
 * query: this process (query building, histogram merging, GraphQL) plus the Postgres backends of the
 * app's pool (read from /proc: the server must be on this machine), which no other load inflates.
 */
import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import pino from "pino";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { createApp } from "../src/app.js";
import type { Principal } from "../src/core/auth/keys.js";
import { writeRecords, type UsageRecord } from "../src/core/metering/usage-writer.js";
import { Retention } from "../src/core/observability/retention.js";
import type { Db } from "../src/db/client.js";
import type { UsageDimension, UsageQueryInput } from "../src/core/observability/usage-query.js";
import { loadConfig } from "../src/config.js";
import { rng } from "../test/helpers/usage-records.js";

const SCHEMA = "bench_usage";
const D = 86_400_000;
const KEY = "sb-bench-usage-admin-0123456789abcdef";
const POOL = 4;

function flag(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}


const MODELS = [
  ["openai/gpt-4o-mini", "openai", 0.15, 0.6],
  ["openai/gpt-4o", "openai", 2.5, 10],
  ["openai/o3-mini", "openai", 1.1, 4.4],
  ["anthropic/claude-3-5-haiku", "anthropic", 0.8, 4],
  ["anthropic/claude-sonnet-4", "anthropic", 3, 15],
  ["gemini/gemini-2.0-flash", "gemini", 0.1, 0.4],
  ["gemini/gemini-2.5-pro", "gemini", 1.25, 10],
  ["gemini/gemini-2.5-flash", "gemini", 0.3, 2.5],
] as const;
const TAGS = ["chat", "search", "summarise", "code", "support", "batch", "eval", "agent", "rag", "ui"];

function* records(n: number, from: number, to: number): Generator<UsageRecord> {
  const r = rng(42);
  const step = (to - from) / n;
  for (let i = 0; i < n; i++) {
    const user = Math.floor(r() * r() * 200); // a few heavy users, a long tail
    const [model, provider, pin, pout] = MODELS[Math.floor(r() * r() * MODELS.length)]!;
    const x = r();
    const status = x < 0.955 ? "ok" : x < 0.99 ? "error" : "cancelled";
    const input = Math.floor(50 + r() * 4000);
    const output = status === "error" ? 0 : Math.floor(10 + r() * 800);
    const ttft = status === "error" ? null : Math.round((80 + r() ** 2 * 3000) * 1000) / 1000;
    const itl = ttft === null ? null : Math.round((5 + r() * 40) * 1000) / 1000;
    const latency = (ttft ?? 50) + (itl ?? 0) * output * 0.3;
    const tags = r() < 0.3 ? [] : r() < 0.8 ? [TAGS[Math.floor(r() * TAGS.length)]!] : [TAGS[Math.floor(r() * 5)]!, TAGS[5 + Math.floor(r() * 5)]!];
    yield {
      id: randomUUID(),
      createdAt: new Date(Math.floor(from + i * step + r() * step)),
      keyId: `key_${user}_${Math.floor(r() * 1.5)}`,
      userId: `user_${user}`,
      teamId: `team_${user % 20}`,
      transport: r() < 0.5 ? "rest" : "graphql",
      stream: r() < 0.6,
      modelRequested: model,
      modelServed: model,
      provider,
      inputTokens: input,
      outputTokens: output,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      tokensEstimated: false,
      costMicroUsd: Math.ceil(input * pin + output * pout),
      ttftMs: ttft,
      itlMs: itl,
      latencyMs: Math.round(latency * 1000) / 1000,
      tokensPerSecond: null,
      status,
      errorCode: status === "error" ? "UPSTREAM_ERROR" : status === "cancelled" ? "CLIENT_CLOSED" : null,
      errorMessage: null,
      finishReason: status === "ok" ? "STOP" : null,
      tags,
      endUser: null,
      attempts: [],
    };
  }
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** CPU ms used so far by this process and by the given Postgres backends (null if /proc cannot see them). */
function cpuNow(pids: number[]): { node: number; pg: number | null } {
  const u = process.cpuUsage();
  let pg: number | null = 0;
  for (const pid of pids) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      pg += ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
    } catch {
      pg = null;
      break;
    }
  }
  return { node: (u.user + u.system) / 1000, pg };
}

function cpuPer(a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, n: number): string {
  const node = (b.node - a.node) / n;
  return a.pg === null || b.pg === null ? `node ${node.toFixed(1)} ms` : `node ${node.toFixed(1)} + postgres ${((b.pg - a.pg) / n).toFixed(1)} ms`;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("set DATABASE_URL=postgres://… (this bench is about Postgres)");
  const n = flag("records", 1_000_000);
  const days = flag("days", 30);
  const runs = flag("runs", 20);
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  if (process.argv.includes("--reseed")) await admin.unsafe(`drop schema if exists ${SCHEMA} cascade`);

  const config = loadConfig({ DATABASE_URL: url, SWITCHBOARD_ADMIN_KEY: KEY, PORT: "0", HOST: "127.0.0.1" }, { retention: { usageDays: days + 10, bodiesDays: 7, hourlyRollupDays: days + 10, dailyRollupDays: 730, intervalMinutes: 600 } });
  const app = await createApp({ config, logger: pino({ level: "warn" }), db: { schema: SCHEMA, poolSize: POOL } });
  const { db } = app.services;
  const [{ count }] = (await db.rows<{ count: string }>(sql`select count(*) as count from usage_records`)) as [{ count: string }];
  const to = Math.floor(Date.now() / D) * D;
  const from = to - days * D;
  if (Number(count) < n) {
    await admin.unsafe(`truncate ${SCHEMA}.usage_records, ${SCHEMA}.usage_rollup_model, ${SCHEMA}.usage_rollup_principal, ${SCHEMA}.usage_rollup_model_tag, ${SCHEMA}.usage_rollup_tag`);
    const retention = new Retention(db, pino({ level: "warn" }), config.observability.retention);
    await retention.start();
    await retention.ensurePartitions(Array.from({ length: days + 1 }, (_, i) => new Date(from + i * D)));
    await retention.stop();
    const t0 = performance.now();
    let day: UsageRecord[] = [];
    let dayStart = from;
    let done = 0;
    const flushDay = async () => {
      const batch = day;
      await db.atomic((q) => writeRecords(q, batch));
      done += day.length;
      day = [];
      process.stderr.write(`seeded ${done} (${((done / (performance.now() - t0)) * 1000).toFixed(0)} records/s)\n`);
    };
    for (const rec of records(n, from, to)) {
      if (rec.createdAt.getTime() >= dayStart + D) {
        await flushDay();
        dayStart += D;
      }
      day.push(rec);
    }
    if (day.length) await flushDay();
    await admin.unsafe(`analyze ${SCHEMA}.usage_rollup_model; analyze ${SCHEMA}.usage_rollup_principal; analyze ${SCHEMA}.usage_rollup_model_tag; analyze ${SCHEMA}.usage_rollup_tag`);
    console.log(`seeded ${n} records over ${days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else console.log(`reusing ${count} records in schema ${SCHEMA}`);

  const sizes = await admin.unsafe(`select relname, n_live_tup from pg_stat_user_tables where schemaname = '${SCHEMA}' and relname like 'usage_rollup%' order by relname`);
  console.log(`rollup rows: ${sizes.map((r) => `${r.relname} ${r.n_live_tup}`).join(", ")}`);

  const adminP: Principal = { keyId: "k", role: "ADMIN", userId: "admin", teamId: null, allowedModels: null };
  const member: Principal = { keyId: "key_3_0", role: "MEMBER", userId: "user_3", teamId: "team_3", allowedModels: null };
  const q = app.services.observability.usage;
  const now = Date.now();
  const cases: [string, Principal, UsageQueryInput][] = [
    ["30 days by MODEL, DAY (with percentiles)", adminP, { from: new Date(from), to: new Date(to), groupBy: ["MODEL", "DAY"] }],
    ["30 days by MODEL, DAY (sums only)", adminP, { from: new Date(from), to: new Date(to), groupBy: ["MODEL", "DAY"], percentiles: {} }],
    ["last 30 days to now, unaligned, by MODEL, DAY", adminP, { from: new Date(now - days * D + 1234567), to: new Date(now), groupBy: ["MODEL", "DAY"] }],
    ["30 days total", adminP, { from: new Date(from), to: new Date(to) }],
    ["30 days by TEAM (sums only)", adminP, { from: new Date(from), to: new Date(to), groupBy: ["TEAM"] as UsageDimension[], percentiles: {} }],
    ["30 days by TAG", adminP, { from: new Date(from), to: new Date(to), groupBy: ["TAG"] }],
    ["1 day by HOUR, PROVIDER", adminP, { from: new Date(to - D), to: new Date(to), groupBy: ["HOUR", "PROVIDER"] }],
    ["member: own 30 days by MODEL, DAY", member, { from: new Date(from), to: new Date(to), groupBy: ["MODEL", "DAY"] }],
  ];
  // The pool's backends: as many concurrent sleeps as connections land on distinct ones.
  const pids = [
    ...new Set(
      (await Promise.all(Array.from({ length: POOL }, () => db.rows<{ pid: number }>(sql`select pg_backend_pid() as pid, pg_sleep(0.1)`)))).map((r) => Number(r[0]!.pid)),
    ),
  ];
  console.log(`\n| query | buckets | wall, ${runs} runs | CPU per query |`);
  console.log("|---|---|---|---|");
  for (const [name, p, input] of cases) {
    let buckets = 0;
    const times: number[] = [];
    let c0 = cpuNow(pids);
    for (let i = 0; i < runs + 2; i++) {
      if (i === 2) c0 = cpuNow(pids);
      const t0 = performance.now();
      buckets = (await q.usage(p, input)).length;
      if (i >= 2) times.push(performance.now() - t0);
    }
    console.log(`| ${name} | ${buckets} | ${stats(times)} | ${cpuPer(c0, cpuNow(pids), runs)} |`);
  }

  const { url: base } = await app.listen(0, "127.0.0.1");
  const body = JSON.stringify({
    query: `query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t, groupBy: [MODEL, DAY]) { model day requests costUsd ttft { p50Ms p95Ms } latency { p99Ms } } }`,
    variables: { f: new Date(from).toISOString(), t: new Date(to).toISOString() },
  });
  const times: number[] = [];
  let c0 = cpuNow(pids);
  for (let i = 0; i < runs + 2; i++) {
    if (i === 2) c0 = cpuNow(pids);
    const t0 = performance.now();
    const res = await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body });
    await res.json();
    if (i >= 2) times.push(performance.now() - t0);
  }
  console.log(`| GraphQL over HTTP: 30 days by MODEL, DAY with percentiles | — | ${stats(times)} | ${cpuPer(c0, cpuNow(pids), runs)} |`);
  console.log(`\n(load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`);
  await app.close();
  await admin.end();
}

main().catch((e: unknown) => {
  process.stderr.write(`seed-usage failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
