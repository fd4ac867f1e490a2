/**
 * What recording usage, metrics, logs and traces costs the gateway.
 *
 *   npx tsx bench/observability.ts [--duration=4] [--conc=16] [--rounds=6] [--rate=600] [--stream=N]   (PGlite in the gateway)
 *   DATABASE_URL=postgres://… npx tsx bench/observability.ts                    (Postgres)
 *
 * One gateway runs in a child process pinned to core 1 (the upstream fake, an OTLP sink and autocannon
 * run here, on core 0), with an OTLP endpoint set so the tracer exists from the start. Over stdin it is
 * switched between modes (MODES=a,b,…; default off,usage,all), in the same process (same JIT state,
 * heap, connections):
 *   off     – the observer and the usage writer's `add` replaced by no-ops
 *   observe – metrics and the log line only
 *   usage   – usage records + rollups (PGlite in-process, or Postgres), metrics, one log line at info
 *   all     – the same plus spans (request + attempt) exported over OTLP/HTTP to the sink
 *   sampled – as all, new traces sampled at TRACE_RATIO (default 0.1; parentbased_traceidratio)
 * and, to take the recording apart:
 *   queued        – as usage, but a batch's write is skipped: what queueing and holding records costs
 *   encoded       – as queued, plus the batch's JSON and rollup deltas made (not sent)
 *   spans-made    – as all, but a recorded span is dropped: trace context, ids and the span's closure
 *   spans-written – as all, but a written batch is not sent
 * The modes are measured in short windows of REST /v1/chat/completions load (non-streamed: the least
 * work per request to hide the recording behind; `--stream=N` for streamed answers of N chunks),
 * interleaved and rotated each round so drifting load on a shared machine hits them alike. A window's cost is the gateway's CPU (utime+stime from /proc)
 * from the start of the load until its usage queue and span buffer are flushed (so a window pays for
 * what it recorded), divided by its 2xx answers; on Postgres the CPU of the gateway's backends is added.
 * CPU per request is what "throughput" means on a CPU-bound gateway, and it holds up on a busy machine
 * better than req/s, which is printed too. The load is offered at a fixed rate (`--rate`, requests/s;
 * 0 = closed loop) that every mode sustains: CPU per request rises as a process idles (fewer events per
 * wake-up), so a closed loop, whose rate the shared load-generator core sets, would favour whichever
 * mode happens to run busier. Reported: medians over rounds, and each mode's cost against the first
 * mode in MODES, as the median of the differences within a round (steadier than a difference of medians
 * on a machine whose speed drifts). Core 0's load slows core 1 here (a spinning process on core 0 added
 * ~20 % to the gateway's CPU per request); to compare modes that load core 0 differently (the Postgres
 * server, the sink), keep core 0 busy throughout: `taskset -c 0 nice -n 19 node -e 'for(;;);' &`.
 *
 * Then, in this process, the parts on their own (CPU time via process.cpuUsage): the observer per request
 * (metrics + log line, with and without spans) and a usage batch per record (raw rows only, then raw rows
 * + bodies-free rollups as the writer does it) on PGlite (its work runs in the gateway's process).
 * `--micro` runs only this second part.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import autocannon from "autocannon";
import pino from "pino";
import { sql } from "drizzle-orm";
import { createApp, createLogger } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { noopObserver, type Observer } from "../src/core/pipeline.js";
import { startUpstream } from "./upstream.js";
import { randomUUID } from "node:crypto";
import type { Principal } from "../src/core/auth/keys.js";
import type { Resolved } from "../src/core/catalogue/index.js";
import { UsageWriter, writeRecords, type UsageRecord } from "../src/core/metering/usage-writer.js";
import { insertFrom, jsonRows, recordset } from "../src/core/observability/bulk.js";
import { rollupDeltas, rollupParams } from "../src/core/observability/rollups.js";
import { Metrics } from "../src/core/observability/metrics.js";
import { GatewayObserver, type ObserverDeps } from "../src/core/observability/observer.js";
import { Tracer, startTracing } from "../src/core/observability/tracing.js";
import { openDatabase, type Db } from "../src/db/client.js";
import { usageRecords } from "../src/db/schema.js";

const KEY = "sb-bench-observability-0123456789abcdef";
type Mode = "off" | "observe" | "queued" | "encoded" | "usage" | "spans-made" | "spans-written" | "all" | "sampled";
const MODES = (process.env.MODES?.split(",") ?? ["off", "usage", "all"]) as Mode[];
const POOL = 10;
/** `--stream=N`: the load is streamed answers of N content chunks (written at once) instead of small JSON ones. */
const STREAM = flag("stream", 0);

function flag(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}
function sflag(name: string): string | undefined {
  return process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
}

// ─────────────── child: one gateway, modes switched over stdin ───────────────

async function serve(upstream: string, otlp: string): Promise<void> {
  const env: Record<string, string> = { SWITCHBOARD_ADMIN_KEY: KEY, SWITCHBOARD_DATA_DIR: "memory://", HOST: "127.0.0.1", PORT: "0", OTEL_EXPORTER_OTLP_ENDPOINT: otlp };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  const config = loadConfig(env, {
    providers: { bench: { kind: "openai-compatible", baseUrl: `${upstream}/v1`, apiKey: "sk-bench", models: ["gpt-4o-mini"] } },
    models: [{ id: "bench/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
  });
  const schema = `bench_obs_${process.pid}`;
  const app = await createApp({ config, logger: createLogger((process.env.GATEWAY_LOG_LEVEL ?? "info") as "info", process.env.GATEWAY_LOG ?? "/dev/null"), ...(config.databaseUrl ? { db: { schema, poolSize: POOL } } : {}) });
  // The gateway holds these very objects: an own property shadows the class method, and deleting it
  // restores the method, so every other seam stays as wired.
  const observer = app.services.observability.observer as GatewayObserver & { start: Observer["start"] };
  const deps = (observer as unknown as { deps: ObserverDeps }).deps;
  const untraced = new GatewayObserver({ ...deps, tracer: null });
  // "sampled": as "all", with new traces kept at TRACE_RATIO (OTEL_TRACES_SAMPLER=parentbased_traceidratio).
  const ratioTracer = new Tracer({ url: `${otlp}/v1/traces`, serviceName: "bench", sampler: "parentbased_traceidratio", samplerArg: Number(process.env.TRACE_RATIO ?? 0.1) }, app.services.log);
  const sampled = new GatewayObserver({ ...deps, tracer: ratioTracer });
  const usage = app.services.usage as UsageWriter & { add: UsageWriter["add"] };
  // Seams the breakdown modes stub out (private members, reached the same way as above).
  const writer = usage as unknown as { writeBatch?: (b: UsageRecord[]) => Promise<void> };
  const tracer = deps.tracer as unknown as { record?: () => void; send?: () => Promise<void> };
  const setMode = (mode: Mode) => {
    delete (observer as { start?: unknown }).start;
    delete (usage as { add?: unknown }).add;
    delete writer.writeBatch;
    delete tracer.record;
    delete tracer.send;
    if (mode === "off") {
      observer.start = noopObserver.start;
      usage.add = () => undefined;
    } else if (mode === "observe") {
      observer.start = (info) => untraced.start(info);
      usage.add = () => undefined;
    } else if (mode === "queued" || mode === "encoded") {
      observer.start = (info) => untraced.start(info);
      writer.writeBatch = mode === "queued" ? async () => undefined : async (b) => void [jsonRows(b), rollupParams(rollupDeltas(b))];
    } else if (mode === "usage") observer.start = (info) => untraced.start(info);
    else if (mode === "sampled") observer.start = (info) => sampled.start(info);
    else if (mode === "spans-made") tracer.record = () => undefined;
    else if (mode === "spans-written") tracer.send = async () => undefined;
  };
  const reply = (m: object) => process.stdout.write(`${JSON.stringify(m)}\n`);
  createInterface({ input: process.stdin }).on("line", (line) => {
    const m = JSON.parse(line) as { mode?: Mode; cmd?: "flush" | "pids" };
    if (m.mode) {
      setMode(m.mode);
      reply({ event: "mode" });
    } else if (m.cmd === "flush") {
      void Promise.all([app.services.usage.flush(), app.services.observability.flushTraces(), ratioTracer.flush()]).then(() => reply({ event: "flushed" }));
    } else if (m.cmd === "pids") {
      // As many concurrent sleeps as the pool has connections land on distinct backends.
      const db = app.services.db;
      void (config.databaseUrl
        ? Promise.all(Array.from({ length: POOL }, () => db.rows<{ pid: number }>(sql`select pg_backend_pid() as pid, pg_sleep(0.2)`))).then((rs) => [...new Set(rs.map((r) => Number(r[0]!.pid)))])
        : Promise.resolve([])
      ).then((pids) => reply({ event: "pids", pids }));
    }
  });
  const { port } = await app.listen(0, "127.0.0.1");
  reply({ event: "listening", port });
  const stop = () => {
    void app.close().then(async () => {
      if (config.databaseUrl) {
        const { default: postgres } = await import("postgres");
        const pg = postgres(config.databaseUrl, { max: 1, onnotice: () => undefined });
        await pg.unsafe(`drop schema if exists ${schema} cascade`);
        await pg.end();
      }
      process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
}

// ─────────────── parent: load and measure ───────────────

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;
function cpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    total += ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  }
  return total;
}

const pinned = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;

interface Gateway {
  child: ChildProcess;
  url: string;
  ask(msg: object, event: string): Promise<Record<string, unknown>>;
}

async function startGateway(upstream: string, otlp: string): Promise<Gateway> {
  // GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" profiles the gateway (with MODES=usage, one mode's code).
  const args = [...(process.env.GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "--import", "tsx", new URL(import.meta.url).pathname, "--serve", `--upstream=${upstream}`, `--otlp=${otlp}`];
  const child = pinned ? spawn("taskset", ["-c", "1", process.execPath, ...args], { stdio: ["pipe", "pipe", "inherit"] }) : spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (m: Record<string, unknown>) => void>();
  let exited: Error | undefined;
  const failed = new Set<(e: Error) => void>();
  child.once("exit", (code) => {
    exited = new Error(`gateway exited with ${code}`);
    for (const f of failed) f(exited);
  });
  lines.on("line", (l) => {
    try {
      const m = JSON.parse(l) as Record<string, unknown>;
      const w = waiting.get(String(m.event));
      if (w) {
        waiting.delete(String(m.event));
        w(m);
      }
    } catch {
      /* not ours */
    }
  });
  const next = (event: string, ms = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (exited) return reject(exited);
      const timer = setTimeout(() => reject(new Error(`gateway: no "${event}" in ${ms / 1000} s`)), ms);
      failed.add(reject);
      waiting.set(event, (m) => {
        clearTimeout(timer);
        failed.delete(reject);
        resolve(m);
      });
    });
  const { port } = (await next("listening")) as { port: number };
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    ask: (msg, event) => {
      const p = next(event);
      child.stdin!.write(`${JSON.stringify(msg)}\n`);
      return p;
    },
  };
}

function load(url: string, connections: number, duration: number, rate?: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/chat/completions`,
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "bench/gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }], ...(STREAM > 0 ? { stream: true, stream_options: { include_usage: true } } : {}) }),
        connections,
        duration,
        ...(rate ? { overallRate: rate } : {}),
        timeout: 30,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const done = new Promise((r) => child.once("exit", r));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 15_000);
  await done;
  clearTimeout(timer);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const duration = flag("duration", 4);
  const conc = flag("conc", 16);
  const rounds = flag("rounds", 6);
  const rate = flag("rate", 600);
  if (pinned) spawnSync("taskset", ["-a", "-cp", "0", String(process.pid)], { stdio: "ignore" });
  const upstream = await startUpstream({ jsonTokens: 16, streamTokens: Math.max(STREAM, 1), itlMs: 0 });
  let exports = 0;
  const sink = createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => {
      exports++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const otlp = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const results = Object.fromEntries(MODES.map((m) => [m, { rps: [] as number[], cpu: [] as number[], pg: [] as number[] }])) as Record<Mode, { rps: number[]; cpu: number[]; pg: number[] }>;
  let gw: Gateway | undefined;
  let served = 0;
  const cleanup = () => gw?.child.pid !== undefined && gw.child.exitCode === null && process.kill(gw.child.pid, "SIGKILL");
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  const load0 = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  try {
    gw = await startGateway(upstream.url, otlp);
    const backends = (await gw.ask({ cmd: "pids" }, "pids")).pids as number[];
    const pids = [gw.child.pid!, ...backends];
    // With taskset the child's PID is taskset's, which execs node: the same process.
    for (const m of MODES) {
      await gw.ask({ mode: m }, "mode");
      served += (await load(gw.url, conc, 2, rate))["2xx"]; // warm-up: JIT, connection pools, tokenizer, each mode's code
      await gw.ask({ cmd: "flush" }, "flushed");
    }
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < MODES.length; j++) {
        const m = MODES[(j + round) % MODES.length]!;
        await gw.ask({ mode: m }, "mode");
        const c0 = cpuMs(pids);
        const b0 = cpuMs(backends);
        const t0 = performance.now();
        const r = await load(gw.url, conc, duration, rate);
        served += r["2xx"];
        await gw.ask({ cmd: "flush" }, "flushed");
        const c1 = cpuMs(pids);
        const b1 = cpuMs(backends);
        const busy = (c1 - c0) / (performance.now() - t0);
        const ok = r["2xx"];
        results[m].rps.push(ok / duration);
        results[m].cpu.push((c1 - c0) / ok);
        results[m].pg.push((b1 - b0) / ok);
        // busy < 1: the gateway was not the bottleneck (this side, on a shared core, was), so req/s says little.
        process.stderr.write(`round ${round + 1} ${m.padEnd(5)} ${(ok / duration).toFixed(0)} req/s, ${((c1 - c0) / ok).toFixed(3)} CPU ms/request, gateway busy ${(busy * 100).toFixed(0)} %, p50 ${r.latency.p50} ms, non-2xx ${r.non2xx}\n`);
      }
    }
    await stopChild(gw.child);
  } finally {
    cleanup();
    await upstream.close();
    sink.close();
  }
  const base = MODES[0]!;
  const off = median(results[base].cpu);
  const where = process.env.DATABASE_URL ? "gateway process + its Postgres backends" : "gateway process, PGlite inside";
  const pg = Boolean(process.env.DATABASE_URL);
  // The machine's speed drifts between windows by more than the smaller parts cost; each round's modes run
  // back to back, so the difference within a round (paired) is steadier than a difference of medians.
  const delta = (m: Mode) => results[m].cpu.map((c, i) => (c - results[base].cpu[i]!) * 1000);
  console.log(`\n| mode | req/s (median of ${rounds}) | CPU ms/request (${where}): median (min–max) |${pg ? " of which Postgres (median) |" : ""} vs ${base}: Δ µs/request within a round, median (quartiles) | vs ${base} |`);
  console.log(`|---|---|---|${pg ? "---|" : ""}---|---|`);
  for (const m of MODES) {
    const cpu = results[m].cpu;
    const d = [...delta(m)].sort((a, b) => a - b);
    const q = (f: number) => d[Math.min(d.length - 1, Math.round(f * (d.length - 1)))]!;
    const pct = (median(d) / (off * 1000)) * 100;
    console.log(
      `| ${m} | ${median(results[m].rps).toFixed(0)} | ${median(cpu).toFixed(3)} (${Math.min(...cpu).toFixed(3)}–${Math.max(...cpu).toFixed(3)}) |${pg ? ` ${median(results[m].pg).toFixed(3)} |` : ""} ${m === base ? "—" : `${median(d).toFixed(1)} (${q(0.25).toFixed(1)} – ${q(0.75).toFixed(1)})`} | ${m === base ? "—" : `${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %`} |`,
    );
  }
  const load1 = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`\n(${process.env.DATABASE_URL ? "Postgres" : "PGlite in the gateway process"}; ${STREAM ? `streamed answers of ${STREAM} chunks` : "non-streamed answers"}, ${rate ? `${rate} req/s offered over` : "closed loop,"} c=${conc}, ${duration} s windows; OTLP export requests received: ${exports}; 2xx answers in all, warm-ups included: ${served}; load average ${load0} → ${load1})`);
}

async function parts(): Promise<void> {
  // The sink runs in its own process: receiving the spans is the collector's work, not the gateway's.
  const sink = spawn(process.execPath, ["-e", `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.end("{}")); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((r) => createInterface({ input: sink.stdout! }).once("line", r));
  try {
    await micro(`http://127.0.0.1:${port}`);
  } finally {
    sink.kill();
  }
}

// ─────────────── the parts, in process ───────────────

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function sampleRecord(i: number, at: number): UsageRecord {
  return {
    id: randomUUID(),
    createdAt: new Date(at + (i % 3600) * 1000),
    keyId: `key_${i % 40}`,
    userId: `user_${i % 20}`,
    teamId: `team_${i % 4}`,
    transport: "rest",
    stream: i % 2 === 0,
    modelRequested: `openai/model-${i % 4}`,
    modelServed: `openai/model-${i % 4}`,
    provider: "openai",
    inputTokens: 200 + (i % 1000),
    outputTokens: 50 + (i % 300),
    costMicroUsd: 90 + (i % 500),
    ttftMs: 80 + (i % 700),
    itlMs: 10 + (i % 30),
    latencyMs: 300 + (i % 4000),
    tokensPerSecond: 40,
    status: i % 25 === 0 ? "error" : "ok",
    errorCode: i % 25 === 0 ? "UPSTREAM_ERROR" : null,
    finishReason: "STOP",
    tags: i % 3 === 0 ? [`tag-${i % 5}`] : [],
    attempts: [{ model: "openai/model-0", provider: "openai", outcome: "ok", error: null, errorCode: null, latencyMs: 300 }],
  };
}

async function micro(otlp: string): Promise<void> {
  const log = pino({ level: "info" }, pino.destination("/dev/null"));
  const principal: Principal = { keyId: "key_1", role: "MEMBER", userId: "user_1", teamId: "team_1", allowedModels: null };
  const target = { model: { id: "openai/model-0" }, target: { provider: "openai", kind: "openai", upstreamModel: "model-0" } } as unknown as Resolved;
  const rows: string[] = [];
  for (const traced of [false, true]) {
    const tracing = startTracing({ endpoint: traced ? otlp : undefined, serviceName: "bench" }, pino({ level: "silent" }));
    const observer = new GatewayObserver({ metrics: new Metrics(), tracer: tracing.tracer, log, providerKind: () => "openai", knownModel: () => true });
    const recs = Array.from({ length: 1000 }, (_, i) => sampleRecord(i, Date.now()));
    const n = 30_000;
    for (let pass = 0; pass < 2; pass++) {
      const c0 = cpuUs();
      for (let i = 0; i < n; i++) {
        const o = observer.start({ id: "r", principal, model: "openai/model-0", transport: "rest", stream: false, traceparent: undefined });
        o.attempt(target).end("ok");
        o.end(recs[i % 1000]!);
        // Yield as a serving gateway does, so buffered logs and spans are written and exported as they
        // would be (a loop that never yields fills the span queue and measures its drops instead).
        if (i % 200 === 199) await new Promise((r) => setImmediate(r));
      }
      await tracing.flush();
      if (pass === 1) rows.push(`| observer per request (metrics + log line${traced ? " + 2 spans exported" : ""}) | ${((cpuUs() - c0) / n).toFixed(1)} µs |`);
    }
    await tracing.shutdown();
  }
  const pg = process.env.DATABASE_URL;
  const schema = `bench_obs_micro_${process.pid}`;
  const db = await openDatabase(pg ? { url: pg, schema } : { dataDir: "memory://" });
  const where = pg ? "Postgres (JS side only: the server's work is another process)" : "PGlite (all of it: the database runs in this process)";
  const at = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  let k = 0;
  if (pg) {
    // Partitions for this hour, as the app's retention would have made them.
    const { Retention } = await import("../src/core/observability/retention.js");
    const r = new Retention(db, pino({ level: "silent" }), { usageDays: 30, bodiesDays: 7, hourlyRollupDays: 90, dailyRollupDays: 730, intervalMinutes: 600 });
    await r.start();
    await r.stop();
  }
  const rawOnly = insertFrom(usageRecords, recordset(1, usageRecords));
  for (const [name, write] of [
    ["raw rows only (one JSON-recordset insert)", (b: UsageRecord[]) => db.query(rawOnly, [jsonRows(b)]).then(() => undefined)],
    ["raw rows + rollups (the writer)", (b: UsageRecord[]) => writeRecords(db.query, b).then(() => undefined)],
  ] as const) {
    const batches = 20;
    const size = 250;
    for (let pass = 0; pass < 2; pass++) {
      const c0 = cpuUs();
      for (let b = 0; b < batches; b++) {
        const batch = Array.from({ length: size }, () => sampleRecord(k++, at));
        await write(batch);
      }
      if (pass === 1) rows.push(`| usage batch of ${size} on ${where}, ${name}, per record | ${((cpuUs() - c0) / (batches * size)).toFixed(1)} µs |`);
    }
  }
  await db.close();
  if (pg) {
    const { default: postgres } = await import("postgres");
    const sql = postgres(pg, { max: 1, onnotice: () => undefined });
    await sql.unsafe(`drop schema if exists ${schema} cascade`);
    await sql.end();
  }
  console.log("\n| part (CPU time, this process) | cost |\n|---|---|");
  for (const r of rows) console.log(r);
}

if (process.argv.includes("--serve")) {
  serve(sflag("upstream")!, sflag("otlp")!).catch((e: unknown) => {
    process.stderr.write(`gateway failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
} else {
  (process.argv.includes("--micro") ? parts() : main().then(parts)).catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
