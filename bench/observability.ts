/**
 * What recording usage, metrics, logs and traces costs the gateway.
 *
 *   npx tsx bench/observability.ts [--duration=8] [--conc=16] [--rounds=2]
 *
 * The gateway runs in a child process pinned to core 1 (the upstream fake, an OTLP sink and autocannon
 * run here, on core 0), once per variant, against REST /v1/chat/completions (non-streamed, the
 * worst case: the least work per request to hide the recording behind):
 *   off     – the observer and usage writer replaced by no-ops (same app otherwise)
 *   usage   – usage records + rollups (PGlite in-process, or DATABASE_URL), metrics, one log line at info
 *   all     – the same plus OpenTelemetry spans exported over OTLP/HTTP to the local sink
 * Reported per variant: requests/s and the gateway's CPU ms per request (utime+stime from /proc, which
 * holds up on a busy machine better than throughput does). Every child is stopped by its PID.
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
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import pino from "pino";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { noopObserver } from "../src/core/pipeline.js";
import { startUpstream } from "./upstream.js";
import { randomUUID } from "node:crypto";
import type { Principal } from "../src/core/auth/keys.js";
import type { Resolved } from "../src/core/catalogue/index.js";
import { writeRecords, type UsageRecord } from "../src/core/metering/usage-writer.js";
import { Metrics } from "../src/core/observability/metrics.js";
import { GatewayObserver } from "../src/core/observability/observer.js";
import { startTracing } from "../src/core/observability/tracing.js";
import { openDatabase, type Db } from "../src/db/client.js";
import { usageRecords } from "../src/db/schema.js";

const KEY = "sb-bench-observability-0123456789abcdef";
type Variant = "off" | "usage" | "all";
const VARIANTS: Variant[] = ["off", "usage", "all"];

function flag(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}
function sflag(name: string): string | undefined {
  return process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
}

// ─────────────── child: one gateway ───────────────

async function serve(variant: Variant, upstream: string, otlp: string): Promise<void> {
  const env: Record<string, string> = { SWITCHBOARD_ADMIN_KEY: KEY, SWITCHBOARD_DATA_DIR: "memory://", HOST: "127.0.0.1", PORT: "0" };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  if (variant === "all") env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp;
  const config = loadConfig(env, {
    providers: { bench: { kind: "openai-compatible", baseUrl: `${upstream}/v1`, apiKey: "sk-bench", models: ["gpt-4o-mini"] } },
    models: [{ id: "bench/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
  });
  const schema = `bench_obs_${process.pid}`;
  const app = await createApp({ config, logger: pino({ level: "info" }, pino.destination("/dev/null")), ...(config.databaseUrl ? { db: { schema } } : {}) });
  if (variant === "off") {
    // The gateway holds these very objects: patching them turns recording off and leaves every other seam as wired.
    const obs = app.services.observability.observer as { start: typeof noopObserver.start };
    obs.start = noopObserver.start;
    app.services.usage.add = () => undefined;
  }
  const { port } = await app.listen(0, "127.0.0.1");
  process.stdout.write(`${JSON.stringify({ event: "listening", port })}\n`);
  const stop = () => {
    void app.close().then(async () => {
      if (config.databaseUrl) {
        const { default: postgres } = await import("postgres");
        const sql = postgres(config.databaseUrl, { max: 1, onnotice: () => undefined });
        await sql.unsafe(`drop schema if exists ${schema} cascade`);
        await sql.end();
      }
      process.exit(0);
    });
  };
  process.on("SIGTERM", stop);
}

// ─────────────── parent: load and measure ───────────────

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;
function cpuMs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

const pinned = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;

async function startGateway(variant: Variant, upstream: string, otlp: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ["--import", "tsx", new URL(import.meta.url).pathname, `--serve=${variant}`, `--upstream=${upstream}`, `--otlp=${otlp}`];
  const child = pinned ? spawn("taskset", ["-c", "1", process.execPath, ...args], { stdio: ["ignore", "pipe", "inherit"] }) : spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("gateway did not start in 60 s")), 60_000);
    lines.on("line", (l) => {
      try {
        const m = JSON.parse(l) as { event?: string; port?: number };
        if (m.event === "listening" && m.port) {
          clearTimeout(timer);
          resolve(m.port);
        }
      } catch {
        /* not ours */
      }
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function load(url: string, connections: number, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/chat/completions`,
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "bench/gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] }),
        connections,
        duration,
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

async function main(): Promise<void> {
  const duration = flag("duration", 8);
  const conc = flag("conc", 16);
  const rounds = flag("rounds", 2);
  if (pinned) spawnSync("taskset", ["-a", "-cp", "0", String(process.pid)], { stdio: "ignore" });
  const upstream = await startUpstream({ jsonTokens: 16 });
  let spans = 0;
  const sink = createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => {
      spans++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const otlp = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const results: Record<Variant, { rps: number[]; cpu: number[] }> = { off: { rps: [], cpu: [] }, usage: { rps: [], cpu: [] }, all: { rps: [], cpu: [] } };
  const children: ChildProcess[] = [];
  const cleanup = () => children.forEach((c) => c.pid !== undefined && c.exitCode === null && process.kill(c.pid, "SIGKILL"));
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    for (let round = 0; round < rounds; round++) {
      for (const v of VARIANTS) {
        const { child, url } = await startGateway(v, upstream.url, otlp);
        children.push(child);
        await load(url, conc, 2); // warm-up: JIT, connection pools, tokenizer
        const c0 = cpuMs(child.pid!);
        const r = await load(url, conc, duration);
        const c1 = cpuMs(child.pid!);
        const ok = r["2xx"];
        results[v].rps.push(ok / duration);
        results[v].cpu.push((c1 - c0) / ok);
        process.stderr.write(`round ${round + 1} ${v.padEnd(5)} ${(ok / duration).toFixed(0)} req/s, ${((c1 - c0) / ok).toFixed(3)} CPU ms/request, non-2xx ${r.non2xx}\n`);
        await stopChild(child);
      }
    }
  } finally {
    cleanup();
    await upstream.close();
    sink.close();
  }
  const best = (xs: number[], hi: boolean) => (hi ? Math.max(...xs) : Math.min(...xs));
  const off = { rps: best(results.off.rps, true), cpu: best(results.off.cpu, false) };
  console.log(`\n| variant | req/s (best of ${rounds}) | gateway CPU ms/request | CPU vs off |`);
  console.log("|---|---|---|---|");
  for (const v of VARIANTS) {
    const rps = best(results[v].rps, true);
    const cpu = best(results[v].cpu, false);
    console.log(`| ${v} | ${rps.toFixed(0)} | ${cpu.toFixed(3)} | ${v === "off" ? "—" : `+${(((cpu - off.cpu) / off.cpu) * 100).toFixed(1)} %`} |`);
  }
  console.log(`\n(${process.env.DATABASE_URL ? "Postgres" : "PGlite in the gateway process"}; c=${conc}, ${duration} s per run; OTLP export requests received: ${spans})`);
}

async function parts(): Promise<void> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("{}"));
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  try {
    await micro(`http://127.0.0.1:${(sink.address() as AddressInfo).port}`);
  } finally {
    sink.close();
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
    const tracing = await startTracing({ endpoint: traced ? otlp : undefined, serviceName: "bench" }, pino({ level: "silent" }));
    const observer = new GatewayObserver({ metrics: new Metrics(), tracer: tracing.tracer, log, providerKind: () => "openai", knownModel: () => true });
    const recs = Array.from({ length: 1000 }, (_, i) => sampleRecord(i, Date.now()));
    const n = 30_000;
    for (let pass = 0; pass < 2; pass++) {
      const c0 = cpuUs();
      for (let i = 0; i < n; i++) {
        const o = observer.start({ id: "r", principal, model: "openai/model-0", transport: "rest", stream: false, traceparent: undefined });
        o.attempt(target).end("ok");
        o.end(recs[i % 1000]!);
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
  for (const [name, write] of [
    ["raw rows only", (tx: Db, b: UsageRecord[]) => tx.insert(usageRecords).values(b).then(() => undefined)],
    ["raw rows + rollups (the writer)", (tx: Db, b: UsageRecord[]) => writeRecords(tx, b)],
  ] as const) {
    const batches = 20;
    const size = 250;
    for (let pass = 0; pass < 2; pass++) {
      const c0 = cpuUs();
      for (let b = 0; b < batches; b++) {
        const batch = Array.from({ length: size }, () => sampleRecord(k++, at));
        await db.db.transaction((tx) => write(tx as unknown as Db, batch));
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

const variant = sflag("serve") as Variant | undefined;
if (variant) {
  serve(variant, sflag("upstream")!, sflag("otlp")!).catch((e: unknown) => {
    process.stderr.write(`gateway failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
} else {
  (process.argv.includes("--micro") ? parts() : main().then(parts)).catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
