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

const variant = sflag("serve") as Variant | undefined;
if (variant) {
  serve(variant, sflag("upstream")!, sflag("otlp")!).catch((e: unknown) => {
    process.stderr.write(`gateway failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
