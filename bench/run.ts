/**
 * Switchboard overhead bench: direct-to-upstream vs through Switchboard, in one run.
 *
 *   npm run bench                                 # c=1,16,64 × 5 s per cell, then 30 paced 200-token streams per path
 *   DURATION=10 CONC=1,16 npm run bench           # knobs by env …
 *   npm run bench -- --duration=10 --skip-streams # … or by flag (a flag beats the env)
 *
 * It starts bench/upstream.ts (a fast fake OpenAI-compatible server) on the load core and Switchboard
 * (`node lib/main.js`, as `npm start` runs it) pinned to the gateway core, both with `taskset`, measures with
 * autocannon (in this process, also pinned to the load core) and graphql-ws, prints markdown tables and
 * writes bench/results/latest.{json,md}. Every process it starts is stopped by its PID on the way out,
 * on errors and on Ctrl-C too. See bench/README.md for what each figure means.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = join(ROOT, "bench", "results");
const PEER_BENCH = resolve(ROOT, "..", "shared", "peer-bench");
const MODEL = "gpt-4o-mini";
const GW_MODEL = `bench/${MODEL}`;
const UPSTREAM_KEY = "sk-bench";

// ───────────────────────────── options ─────────────────────────────

type PathName = "direct" | "rest" | "gql";
const PATHS: readonly PathName[] = ["direct", "rest", "gql"];
const PATH_LABEL: Record<PathName, string> = { direct: "direct", rest: "REST /v1", gql: "GraphQL" };

interface Options {
  duration: number;
  warmup: number;
  conc: number[];
  targets: PathName[];
  skipLoad: boolean;
  skipStreams: boolean;
  streamN: number;
  streamWarmup: number;
  /** Concurrency levels for the concurrent paced-stream cells ([] = none). */
  streamConc: number[];
  streamTokens: number;
  itlMs: number;
  jsonTokens: number;
  gwCpu: string;
  loadCpu: string;
  profile: boolean;
  /** "disk" (a temp dir, like `npm start`) or "memory" (PGlite memory://). */
  dataDir: "disk" | "memory";
  keepTmp: boolean;
  /** Wait up to this many seconds for both cores to be quiet before starting (0 = don't). */
  waitQuietS: number;
  out: string;
  readyTimeoutS: number;
}

function raw(name: string, env: string): string | undefined {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  if (process.argv.includes(`--${name}`)) return "1";
  const v = process.env[env];
  return v === undefined || v === "" ? undefined : v;
}
function num(name: string, env: string, dflt: number, min = 0): number {
  const r = raw(name, env);
  if (r === undefined) return dflt;
  const v = Number(r);
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} / ${env}: expected a number ≥ ${min}, got "${r}"`);
  return v;
}
function bool(name: string, env: string): boolean {
  const r = raw(name, env);
  return r !== undefined && !/^(0|false|no)$/i.test(r);
}
function str(name: string, env: string, dflt: string): string {
  return raw(name, env) ?? dflt;
}

function parseOptions(): Options {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(
      [
        "npm run bench [-- flags]   (flag beats env beats default)",
        "  --duration=5        DURATION       seconds per measured load cell",
        "  --warmup=1          WARMUP         seconds of warm-up before each cell (plus 3 s per gateway path once)",
        "  --conc=1,16,64      CONC           concurrency levels (closed loop, one request in flight per connection)",
        "  --targets=direct,rest,gql TARGETS  paths to measure",
        "  --skip-load         SKIP_LOAD=1    streams only",
        "  --skip-streams      SKIP_STREAMS=1 load only",
        "  --stream-n=30       STREAM_N       measured streams per path (sequential, interleaved across paths)",
        "  --stream-conc=16    STREAM_CONC    concurrent paced-stream cells (comma list; 0 = none)",
        "  --stream-tokens=200 STREAM_TOKENS  tokens per stream      --itl-ms=5  ITL_MS  upstream gap between tokens",
        "  --json-tokens=16    JSON_TOKENS    tokens in a non-streaming answer",
        "  --gw-cpu=1 GW_CPU / --load-cpu=0 LOAD_CPU   taskset cores (gateway / upstream + load driver)",
        "  --profile           PROFILE=1      CPU-profile the gateway over the measured window (inspector/CDP);",
        "                                     bench/results/gateway.cpuprofile + gateway-top.txt",
        "  --data-dir=disk     DATA_DIR       disk (temp dir, like npm start) | memory (PGlite memory://)",
        "  --keep-tmp          KEEP_TMP=1     keep the temp dir (config, data dir, logs)",
        "  --wait-quiet=0      WAIT_QUIET     wait up to N s for both cores to be < 20 % busy before starting",
        "  --out=FILE          OUT            JSON output (default bench/results/latest.json)",
        "  BENCH_DATABASE_URL  run the gateway on Postgres instead of a throw-away PGlite",
        "",
      ].join("\n"),
    );
    process.exit(0);
  }
  const conc = str("conc", "CONC", "1,16,64")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  if (conc.length === 0) throw new Error("CONC: no valid concurrency level");
  const targets = str("targets", "TARGETS", "direct,rest,gql")
    .split(",")
    .map((s) => s.trim())
    .filter((s): s is PathName => (PATHS as readonly string[]).includes(s));
  if (targets.length === 0) throw new Error(`TARGETS: pick from ${PATHS.join(",")}`);
  return {
    duration: num("duration", "DURATION", 5, 1),
    warmup: num("warmup", "WARMUP", 1),
    conc,
    targets,
    skipLoad: bool("skip-load", "SKIP_LOAD"),
    skipStreams: bool("skip-streams", "SKIP_STREAMS"),
    streamN: Math.floor(num("stream-n", "STREAM_N", 30, 1)),
    streamWarmup: Math.floor(num("stream-warmup", "STREAM_WARMUP", 3)),
    streamConc: str("stream-conc", "STREAM_CONC", "16")
      .split(",")
      .map((x) => Number(x.trim()))
      .filter((n) => Number.isInteger(n) && n > 0),
    streamTokens: Math.floor(num("stream-tokens", "STREAM_TOKENS", 200, 1)),
    itlMs: num("itl-ms", "ITL_MS", 5),
    jsonTokens: Math.floor(num("json-tokens", "JSON_TOKENS", 16, 1)),
    gwCpu: str("gw-cpu", "GW_CPU", "1"),
    loadCpu: str("load-cpu", "LOAD_CPU", "0"),
    profile: bool("profile", "PROFILE"),
    dataDir: str("data-dir", "DATA_DIR", "disk") === "memory" ? "memory" : "disk",
    keepTmp: bool("keep-tmp", "KEEP_TMP"),
    waitQuietS: num("wait-quiet", "WAIT_QUIET", 0),
    out: resolve(str("out", "OUT", join(RESULTS_DIR, "latest.json"))),
    readyTimeoutS: num("ready-timeout", "READY_TIMEOUT", 120, 1),
  };
}

// ───────────────────────────── processes ─────────────────────────────

const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const alive = (cp: ChildProcess) => cp.exitCode === null && cp.signalCode === null;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/**
 * A detached watchdog that outlives this process: it learns each child's PID (and the temp dir) over a pipe,
 * and when the pipe closes — this process exited, however (the `tsx` CLI SIGKILLs a child that does not
 * acknowledge Ctrl-C within 30 ms, and a SIGKILL cannot be caught) — it SIGTERMs, then SIGKILLs, whichever
 * of those PIDs still run this bench's commands, and removes the temp dir. After a clean exit it finds
 * nothing to do.
 */
const WATCHDOG = `
const fs = require("node:fs");
process.on("SIGINT", () => {}); process.on("SIGHUP", () => {});
const pids = new Map(); let tmp = ""; let buf = "";
const runs = (pid, marker) => { try { return fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").includes(marker); } catch { return false; } };
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { buf += d; let i; while ((i = buf.indexOf("\\n")) >= 0) { const [k, a, b] = buf.slice(0, i).split("\\t"); buf = buf.slice(i + 1);
  if (k === "pid") pids.set(Number(a), b); else if (k === "tmp") tmp = a; } });
process.stdin.on("close", () => {
  const live = () => [...pids].filter(([pid, m]) => runs(pid, m));
  for (const [pid] of live()) try { process.kill(pid, "SIGTERM"); } catch {}
  const t0 = Date.now();
  const tick = setInterval(() => {
    const left = live();
    if (left.length && Date.now() - t0 < 15000) return;
    for (const [pid] of left) try { process.kill(pid, "SIGKILL"); } catch {}
    clearInterval(tick);
    if (tmp) try { fs.rmSync(tmp, { recursive: true, force: true }); } catch {}
  }, 200);
});`;

let watchdog: ChildProcess | undefined;
function watch(kind: "pid" | "tmp", a: string, b = ""): void {
  if (!watchdog) {
    watchdog = spawn(process.execPath, ["-e", WATCHDOG], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    watchdog.unref();
    const pipe = watchdog.stdin;
    if (pipe && "unref" in pipe && typeof pipe.unref === "function") pipe.unref();
  }
  watchdog.stdin?.write(`${kind}\t${a}\t${b}\n`);
}

function startChild(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; stdoutPipe?: boolean; marker: string }): ChildProcess {
  const fd = openSync(opts.logFile, "a");
  try {
    const cp = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", opts.stdoutPipe ? "pipe" : fd, fd] });
    children.add(cp);
    cp.once("exit", () => children.delete(cp));
    if (cp.pid !== undefined) watch("pid", String(cp.pid), opts.marker);
    return cp;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only ever the PIDs this script started. */
async function stopChild(cp: ChildProcess, graceMs: number): Promise<void> {
  if (!alive(cp)) return;
  const exited = once(cp, "exit");
  cp.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut && alive(cp)) {
    log(`pid ${cp.pid ?? "?"} did not stop in ${graceMs} ms; SIGKILL`);
    cp.kill("SIGKILL");
    await exited;
  }
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((cp) => stopChild(cp, 20_000)));
}

process.on("exit", () => {
  for (const cp of children) if (alive(cp)) cp.kill("SIGKILL");
});

let tmpToRemove: string | undefined;
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130); // second Ctrl-C: the exit hook SIGKILLs what is left
    interrupted = true;
    log(`${sig}: stopping everything this run started…`);
    stopAll()
      .catch(() => undefined)
      .finally(() => {
        if (tmpToRemove) rmSync(tmpToRemove, { recursive: true, force: true });
        log("stopped; exiting");
        process.exit(130);
      });
  });
}

function hasTaskset(): boolean {
  return spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// ───────────────────────────── /proc ─────────────────────────────

const CLK_TCK = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const v = Number(r.stdout?.trim());
  return Number.isFinite(v) && v > 0 ? v : 100;
})();

/** utime + stime of a process (all its threads), in ms; undefined when /proc is not there. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Busy and total time of one CPU from /proc/stat, in ms (USER_HZ ticks, like CLK_TCK). */
function coreMs(cpu: string): { busy: number; total: number } | undefined {
  if (!/^\d+$/.test(cpu)) return undefined;
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return undefined;
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function memMb(pid: number | undefined): { rssMb: number; peakMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

// ───────────────────────────── statistics ─────────────────────────────

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const sortNum = (xs: readonly number[]) => Float64Array.from(xs).sort();
function pctOf(xs: readonly number[], p: number): number {
  return pct(Array.from(sortNum(xs)), p);
}
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

// ───────────────────────────── load (autocannon) ─────────────────────────────

interface LoadTarget {
  path: PathName;
  url: string;
  headers: Record<string, string>;
  body: string;
  verifyBody?: (body: string) => boolean;
}

interface CannonRun {
  ok: number;
  errors: number;
  non2xx: number;
  mismatches: number;
  timeouts: number;
  wallS: number;
  latencies: number[];
  statusCodes: Record<string, number>;
}

function cannon(t: LoadTarget, connections: number, durationS: number, collect: boolean): Promise<CannonRun> {
  return new Promise((res, rej) => {
    const latencies: number[] = [];
    let ok = 0;
    const t0 = performance.now();
    const inst = autocannon(
      {
        url: t.url,
        method: "POST",
        headers: t.headers,
        body: t.body,
        connections,
        duration: durationS,
        timeout: 30,
        ...(t.verifyBody ? { verifyBody: t.verifyBody } : {}),
      },
      (err, r) => {
        if (err) return rej(err);
        const statusCodes: Record<string, number> = {};
        for (const [code, v] of Object.entries(r.statusCodeStats)) statusCodes[code] = v.count;
        res({
          ok: ok - r.mismatches,
          errors: r.errors,
          non2xx: r.non2xx,
          mismatches: r.mismatches,
          timeouts: r.timeouts,
          wallS: (performance.now() - t0) / 1000,
          latencies,
          statusCodes,
        });
      },
    );
    // autocannon's own histogram has 1 ms resolution; keep every response time (float ms) instead.
    inst.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        ok++;
        if (collect) latencies.push(ms);
      }
    });
  });
}

interface LoadCell {
  path: PathName;
  conc: number;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  addedP50: number | null;
  addedP99: number | null;
  errors: number;
  statusCodes: Record<string, number>;
  /** Gateway CPU (utime+stime) per successful request, ms. */
  gwCpuMsPerReq: number | null;
  /** Gateway CPU time / wall time: 1.0 = its core was saturated. */
  gwCoreUtil: number | null;
  /** Upstream + load driver CPU / wall: how busy the shared load core was (1.0 = saturated). */
  loadCoreUtil: number | null;
  /**
   * Time the gateway's core was busy with anything but the gateway, / wall: other processes on the
   * machine (noisy neighbours) or kernel work. Near 0 on a quiet box; when high, the cell is not clean.
   */
  gwCoreOther: number | null;
}

interface Pids {
  gateway: number | undefined;
  upstream: number | undefined;
}

async function measureCell(t: LoadTarget, conc: number, o: Options, pids: Pids): Promise<LoadCell> {
  if (o.warmup > 0) await cannon(t, conc, o.warmup, false);
  const core0 = coreMs(o.gwCpu);
  const gw0 = cpuMs(pids.gateway);
  const up0 = cpuMs(pids.upstream);
  const me0 = process.cpuUsage();
  const r = await cannon(t, conc, o.duration, true);
  const core1 = coreMs(o.gwCpu);
  const gw1 = cpuMs(pids.gateway);
  const up1 = cpuMs(pids.upstream);
  const me = process.cpuUsage(me0);
  const sorted = Array.from(sortNum(r.latencies));
  const viaGw = t.path !== "direct";
  const gwCpu = gw0 !== undefined && gw1 !== undefined ? gw1 - gw0 : undefined;
  const loadCpu = up0 !== undefined && up1 !== undefined ? up1 - up0 + (me.user + me.system) / 1000 : undefined;
  return {
    path: t.path,
    conc,
    requests: r.ok,
    rps: r.ok / r.wallS,
    p50: pct(sorted, 50),
    p90: pct(sorted, 90),
    p99: pct(sorted, 99),
    mean: mean(r.latencies),
    addedP50: null,
    addedP99: null,
    errors: r.errors + r.non2xx + r.mismatches,
    statusCodes: r.statusCodes,
    gwCpuMsPerReq: viaGw && gwCpu !== undefined && r.ok > 0 ? gwCpu / r.ok : null,
    gwCoreUtil: gwCpu !== undefined ? gwCpu / (r.wallS * 1000) : null,
    loadCoreUtil: loadCpu !== undefined ? loadCpu / (r.wallS * 1000) : null,
    gwCoreOther: core0 && core1 && gwCpu !== undefined ? Math.max(0, core1.busy - core0.busy - gwCpu) / (r.wallS * 1000) : null,
  };
}

// ───────────────────────────── streams ─────────────────────────────

interface StreamSample {
  ok: boolean;
  error: string | null;
  /** Request handed to the socket → first event with non-empty content, ms. */
  ttft: number;
  total: number;
  chunks: number;
  gaps: number[];
  usage: boolean;
  /** Gateway CPU during this stream, ms (10 ms tick resolution; averaged over many streams). */
  gwCpuMs: number | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** OpenAI chunk → its content delta, "" when none. */
function sseContent(j: unknown): string {
  if (!isRecord(j) || !Array.isArray(j.choices)) return "";
  const c: unknown = j.choices[0];
  if (!isRecord(c) || !isRecord(c.delta)) return "";
  return typeof c.delta.content === "string" ? c.delta.content : "";
}

function sseStream(url: string, headers: Record<string, string>, body: string, agent: Agent): Promise<StreamSample> {
  return new Promise((done) => {
    const s: StreamSample = { ok: false, error: null, ttft: NaN, total: NaN, chunks: 0, gaps: [], usage: false, gwCpuMs: null };
    let t0 = 0;
    let last = 0;
    let sawDone = false;
    const finish = (err: string | null) => {
      s.total = performance.now() - t0;
      s.error = err ?? (s.chunks === 0 ? "no content events" : sawDone ? null : "no [DONE]");
      s.ok = s.error === null;
      done(s);
    };
    const req = httpRequest(url, { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } });
    req.on("error", (e) => finish(e.message));
    req.on("response", (res) => {
      res.setEncoding("utf8");
      if (res.statusCode !== 200) {
        let text = "";
        res.on("data", (d: string) => (text += d));
        res.on("end", () => finish(`HTTP ${res.statusCode ?? "?"}: ${text.slice(0, 300)}`));
        return;
      }
      let buf = "";
      res.on("data", (d: string) => {
        const now = performance.now();
        buf += d;
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of ev.split("\n")) {
            if (!line.startsWith("data:")) continue;
            const data = line.slice(5).trim();
            if (data === "[DONE]") {
              sawDone = true;
              continue;
            }
            let j: unknown;
            try {
              j = JSON.parse(data);
            } catch {
              continue;
            }
            if (isRecord(j) && isRecord(j.usage) && typeof j.usage.completion_tokens === "number") s.usage = true;
            if (sseContent(j) === "") continue;
            if (s.chunks === 0) s.ttft = now - t0;
            else s.gaps.push(now - last);
            last = now;
            s.chunks++;
          }
        }
      });
      res.on("end", () => finish(null));
      res.on("error", (e) => finish(e.message));
    });
    t0 = performance.now();
    req.end(body);
  });
}

const SUBSCRIPTION =
  "subscription Stream($input: CompletionInput!) { completionStream(input: $input) { __typename " +
  "... on CompletionDelta { content } ... on CompletionDone { completion { usage { outputTokens } } } } }";

interface StreamEventData {
  completionStream?: { __typename?: string; content?: string | null; completion?: { usage?: { outputTokens?: number } } };
}

function openGql(url: string, key: string): Promise<Client> {
  return new Promise((res, rej) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error("graphql-ws: no connection_ack within 10 s")), 10_000);
    function fail(e: unknown) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void client.dispose();
      rej(e instanceof Error ? e : new Error(`graphql-ws: ${describeWsError(e)}`));
    }
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: fail,
      on: {
        connected: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          res(client);
        },
      },
    });
  });
}

function describeWsError(e: unknown): string {
  if (Array.isArray(e)) return e.map((x: unknown) => (isRecord(x) ? String(x.message) : String(x))).join("; ");
  if (isRecord(e) && "code" in e && "reason" in e) return `socket closed ${String(e.code)} ${String(e.reason)}`;
  return e instanceof Error ? e.message : String(e);
}

function gqlStream(client: Client, input: Record<string, unknown>): Promise<StreamSample> {
  return new Promise((done) => {
    const s: StreamSample = { ok: false, error: null, ttft: NaN, total: NaN, chunks: 0, gaps: [], usage: false, gwCpuMs: null };
    let last = 0;
    let sawDone = false;
    let settled = false;
    const finish = (err: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.total = performance.now() - t0;
      s.error = err ?? s.error ?? (s.chunks === 0 ? "no content events" : sawDone ? null : "no CompletionDone");
      s.ok = s.error === null;
      done(s);
    };
    const timer = setTimeout(() => {
      stop();
      finish("timeout");
    }, 60_000);
    const t0 = performance.now();
    const stop = client.subscribe<StreamEventData>(
      { query: SUBSCRIPTION, variables: { input } },
      {
        next(r) {
          const now = performance.now();
          if (r.errors?.length) {
            s.error ??= r.errors.map((e) => e.message).join("; ");
            return;
          }
          const ev = r.data?.completionStream;
          if (!ev) return;
          if (ev.__typename === "CompletionDone") {
            sawDone = true;
            if (typeof ev.completion?.usage?.outputTokens === "number") s.usage = true;
          }
          if (typeof ev.content !== "string" || ev.content === "") return;
          if (s.chunks === 0) s.ttft = now - t0;
          else s.gaps.push(now - last);
          last = now;
          s.chunks++;
        },
        error(e) {
          finish(describeWsError(e));
        },
        complete() {
          finish(null);
        },
      },
    );
  });
}

interface StreamSummary {
  path: PathName;
  n: number;
  ok: number;
  firstError: string | null;
  ttftP50: number;
  ttftP90: number;
  ttftP99: number;
  addedTtftP50: number | null;
  addedTtftP90: number | null;
  /** Median of per-iteration (gateway − direct) TTFT differences (streams run interleaved). */
  addedTtftPairedP50: number | null;
  itlMean: number;
  itlP99: number;
  addedItlMean: number | null;
  totalP50: number;
  chunksP50: number;
  usageSeen: number;
  gwCpuMsPerStream: number | null;
}

function summariseStreams(path: PathName, samples: StreamSample[]): StreamSummary {
  const good = samples.filter((s) => s.ok);
  const gaps = good.flatMap((s) => s.gaps);
  const cpu = samples.map((s) => s.gwCpuMs).filter((x): x is number => x !== null);
  return {
    path,
    n: samples.length,
    ok: good.length,
    firstError: samples.find((s) => !s.ok)?.error ?? null,
    ttftP50: pctOf(good.map((s) => s.ttft), 50),
    ttftP90: pctOf(good.map((s) => s.ttft), 90),
    ttftP99: pctOf(good.map((s) => s.ttft), 99),
    addedTtftP50: null,
    addedTtftP90: null,
    addedTtftPairedP50: null,
    itlMean: mean(gaps),
    itlP99: pctOf(gaps, 99),
    addedItlMean: null,
    totalP50: pctOf(good.map((s) => s.total), 50),
    chunksP50: pctOf(good.map((s) => s.chunks), 50),
    usageSeen: good.filter((s) => s.usage).length,
    gwCpuMsPerStream: path !== "direct" && cpu.length ? mean(cpu) : null,
  };
}

// ───────────────────────────── report ─────────────────────────────

const f2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(2));
const f0 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : Math.round(x).toLocaleString("en-US"));
const plus = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : `${x >= 0 ? "+" : ""}${x.toFixed(2)}`);
const pctStr = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : `${Math.round(x * 100)} %`);

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 || i === 1 ? "---" : "---:")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

function loadTable(cells: LoadCell[]): string {
  return table(
    ["c", "path", "req/s", "p50 ms", "p99 ms", "+p50 ms", "+p99 ms", "gw CPU ms/req", "gw core", "gw core other", "load core", "errors"],
    cells.map((c) => [
      String(c.conc),
      PATH_LABEL[c.path],
      f0(c.rps),
      f2(c.p50),
      f2(c.p99),
      plus(c.addedP50),
      plus(c.addedP99),
      f2(c.gwCpuMsPerReq),
      c.path === "direct" ? "–" : pctStr(c.gwCoreUtil),
      pctStr(c.gwCoreOther),
      pctStr(c.loadCoreUtil),
      String(c.errors),
    ]),
  );
}

function streamTable(ss: StreamSummary[]): string {
  return table(
    ["path", "ok/n", "TTFT p50", "TTFT p90", "+TTFT p50", "+TTFT p90", "+TTFT paired p50", "ITL mean", "+ITL", "ITL p99", "total p50", "chunks", "usage", "gw CPU ms/stream"],
    ss.map((s) => [
      PATH_LABEL[s.path],
      `${s.ok}/${s.n}`,
      f2(s.ttftP50),
      f2(s.ttftP90),
      plus(s.addedTtftP50),
      plus(s.addedTtftP90),
      plus(s.addedTtftPairedP50),
      f2(s.itlMean),
      plus(s.addedItlMean),
      f2(s.itlP99),
      f2(s.totalP50),
      f0(s.chunksP50),
      `${s.usageSeen}/${s.ok}`,
      f2(s.gwCpuMsPerStream),
    ]),
  );
}

function streamLoadTable(cells: StreamLoadCell[]): string {
  return table(
    ["c", "path", "ok/n", "streams/s", "TTFT p50", "TTFT p99", "ITL mean", "ITL p99", "total p50", "gw CPU ms/stream", "gw CPU µs/token", "gw core"],
    cells.map((c) => [
      String(c.conc),
      PATH_LABEL[c.path],
      `${c.ok}/${c.streams}`,
      f2(c.ok / c.wallS),
      f2(c.ttftP50),
      f2(c.ttftP99),
      f2(c.itlMean),
      f2(c.itlP99),
      f2(c.totalP50),
      f2(c.gwCpuMsPerStream),
      f0(c.gwCpuUsPerToken),
      c.path === "direct" ? "–" : pctStr(c.gwCoreUtil),
    ]),
  );
}

// ───────────────────────────── main ─────────────────────────────

interface Started {
  upstream: ChildProcess;
  upstreamUrl: string;
  gateway: ChildProcess;
  gatewayUrl: string;
  gatewayLog: string;
  adminKey: string;
  inspectorUrl: string | undefined;
  startS: number;
}

async function startUpstreamProc(o: Options, tmp: string, pin: boolean): Promise<{ cp: ChildProcess; url: string }> {
  const args = ["--import", "tsx", join(ROOT, "bench", "upstream.ts"), "--port=0", `--stream-tokens=${o.streamTokens}`, `--itl-ms=${o.itlMs}`, `--json-tokens=${o.jsonTokens}`];
  const logFile = join(tmp, "upstream.log");
  const cp = pin
    ? startChild("taskset", ["-c", o.loadCpu, process.execPath, ...args], { cwd: ROOT, env: process.env, logFile, stdoutPipe: true, marker: "bench/upstream.ts" })
    : startChild(process.execPath, args, { cwd: ROOT, env: process.env, logFile, stdoutPipe: true, marker: "bench/upstream.ts" });
  const stdout = cp.stdout;
  if (!stdout) throw new Error("upstream: no stdout");
  const url = await new Promise<string>((res, rej) => {
    let buf = "";
    const timer = setTimeout(() => rej(new Error(`upstream did not start in 20 s:\n${tail(logFile)}`)), 20_000);
    stdout.setEncoding("utf8");
    stdout.on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const j: unknown = JSON.parse(buf.slice(0, nl));
        if (isRecord(j) && typeof j.url === "string") res(j.url);
        else rej(new Error(`upstream: unexpected first line ${buf.slice(0, nl)}`));
      } catch {
        rej(new Error(`upstream: unexpected first line ${buf.slice(0, nl)}`));
      }
    });
    cp.once("exit", (code) => rej(new Error(`upstream exited (${code ?? "signal"}):\n${tail(logFile)}`)));
  });
  stdout.resume(); // keep draining whatever else it prints
  return { cp, url };
}

async function startGateway(o: Options, tmp: string, pin: boolean, upstreamUrl: string): Promise<Omit<Started, "upstream" | "upstreamUrl">> {
  const port = await freePort();
  const adminKey = `sb-bench-${randomBytes(16).toString("hex")}`;
  const configPath = join(tmp, "switchboard.config.json");
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        providers: { bench: { kind: "openai-compatible", baseUrl: `${upstreamUrl}/v1`, apiKey: UPSTREAM_KEY, models: [MODEL] } },
        models: [{ id: GW_MODEL, inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
        shutdown: { drainMs: 2000 },
      },
      null,
      2,
    ),
  );
  // A clean environment: an inherited DATABASE_URL or provider key must not change what is measured.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_ENV: "production",
    SWITCHBOARD_CONFIG: configPath,
    SWITCHBOARD_ADMIN_KEY: adminKey,
    SWITCHBOARD_DATA_DIR: o.dataDir === "memory" ? "memory://" : join(tmp, "data"),
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(port),
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  };
  // With --profile the inspector listens on a random loopback port; the CPU profile is taken over CDP
  // for the measured window only (not start-up, not shutdown).
  // The gateway as `npm start` runs it: compiled to lib/ (built here first when sources changed).
  const built = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "build.ts"), "--if-stale"], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("could not build lib/ (npm run build)");
  const nodeArgs = ["--enable-source-maps", ...(o.profile ? ["--inspect=127.0.0.1:0"] : []), "lib/main.js"];
  const gatewayLog = join(tmp, "gateway.log");
  const cp = pin
    ? startChild("taskset", ["-c", o.gwCpu, process.execPath, ...nodeArgs], { cwd: ROOT, env, logFile: gatewayLog, marker: "lib/main.js" })
    : startChild(process.execPath, nodeArgs, { cwd: ROOT, env, logFile: gatewayLog, marker: "lib/main.js" });
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + o.readyTimeoutS * 1000;
  const t0 = Date.now();
  for (;;) {
    if (!alive(cp)) throw new Error(`Switchboard exited during start (code ${cp.exitCode ?? cp.signalCode ?? "?"}):\n${tail(gatewayLog)}`);
    try {
      const r = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Switchboard not ready after ${o.readyTimeoutS} s:\n${tail(gatewayLog)}`);
    await sleep(100);
  }
  const startS = (Date.now() - t0) / 1000;
  log(`Switchboard ready at ${gatewayUrl} in ${startS.toFixed(1)} s (pid ${cp.pid ?? "?"})`);
  const inspectorUrl = o.profile ? /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(gatewayLog, "utf8"))?.[1] : undefined;
  if (o.profile && !inspectorUrl) throw new Error(`--profile: no inspector URL in ${gatewayLog}`);
  return { gateway: cp, gatewayUrl, gatewayLog, adminKey, inspectorUrl, startS };
}

const MESSAGES = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Say hello to the benchmark in one short sentence, please." },
];

function loadTargets(s: Started): Record<PathName, LoadTarget> {
  const json = { "content-type": "application/json" };
  return {
    direct: {
      path: "direct",
      url: `${s.upstreamUrl}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${UPSTREAM_KEY}` },
      body: JSON.stringify({ model: MODEL, messages: MESSAGES }),
    },
    rest: {
      path: "rest",
      url: `${s.gatewayUrl}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${s.adminKey}` },
      body: JSON.stringify({ model: GW_MODEL, messages: MESSAGES }),
    },
    gql: {
      path: "gql",
      url: `${s.gatewayUrl}/graphql`,
      headers: { ...json, authorization: `Bearer ${s.adminKey}` },
      body: JSON.stringify({
        query: "mutation Complete($input: CompletionInput!) { complete(input: $input) { id content usage { inputTokens outputTokens } } }",
        variables: { input: { model: GW_MODEL, messages: MESSAGES.map((m) => ({ role: m.role.toUpperCase(), content: m.content })) } },
      }),
      // GraphQL errors come back as HTTP 200: count them as errors, not as fast successes.
      verifyBody: (b) => !b.includes('"errors":'),
    },
  };
}

/** One request per path before any load: fail early and readably if a path is broken. */
async function sanityCheck(targets: Record<PathName, LoadTarget>, wanted: PathName[]): Promise<void> {
  for (const p of wanted) {
    const t = targets[p];
    const r = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    let content: unknown;
    try {
      const j: unknown = JSON.parse(text);
      if (p === "gql") {
        const data = isRecord(j) ? j.data : undefined;
        const c = isRecord(data) ? data.complete : undefined;
        content = isRecord(j) && !j.errors && isRecord(c) ? c.content : undefined;
      } else {
        const ch = isRecord(j) && Array.isArray(j.choices) ? (j.choices[0] as unknown) : undefined;
        content = isRecord(ch) && isRecord(ch.message) ? ch.message.content : undefined;
      }
    } catch {
      content = undefined;
    }
    if (r.status !== 200 || typeof content !== "string" || content === "") {
      throw new Error(`sanity check failed for ${PATH_LABEL[p]} (${t.url}): HTTP ${r.status} ${text.slice(0, 400)}`);
    }
  }
}

/** Stream clients per path; worker w gets its own keep-alive connection / graphql-ws socket. */
class StreamClients {
  private readonly agents = new Map<string, Agent>();
  private readonly gql: Client[] = [];
  private readonly directBody: string;
  private readonly restBody: string;
  private readonly gqlInput = { model: GW_MODEL, messages: [{ role: "USER", content: "Write a short story." }] };

  constructor(
    private readonly s: Started,
    private readonly gwPid: number | undefined,
  ) {
    const body = (model: string) => JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Write a short story." }] });
    this.directBody = body(MODEL);
    this.restBody = body(GW_MODEL);
  }

  private agent(p: PathName, w: number): Agent {
    const k = `${p}:${w}`;
    let a = this.agents.get(k);
    if (!a) {
      a = new Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.set(k, a);
    }
    return a;
  }

  /** Opens (and acknowledges) graphql-ws sockets up to `n`, one after another, before any timing. */
  async ensureGql(n: number): Promise<void> {
    while (this.gql.length < n) this.gql.push(await openGql(`${this.s.gatewayUrl.replace(/^http/, "ws")}/graphql`, this.s.adminKey));
  }

  /** One stream; with `cpu`, the gateway's CPU during it is recorded (sequential streams only). */
  async one(p: PathName, w = 0, cpu = true): Promise<StreamSample> {
    const c0 = cpu && p !== "direct" ? cpuMs(this.gwPid) : undefined;
    let r: StreamSample;
    if (p === "direct") {
      r = await sseStream(`${this.s.upstreamUrl}/v1/chat/completions`, { "content-type": "application/json", authorization: `Bearer ${UPSTREAM_KEY}` }, this.directBody, this.agent(p, w));
    } else if (p === "rest") {
      r = await sseStream(`${this.s.gatewayUrl}/v1/chat/completions`, { "content-type": "application/json", authorization: `Bearer ${this.s.adminKey}` }, this.restBody, this.agent(p, w));
    } else {
      await this.ensureGql(w + 1);
      r = await gqlStream(this.gql[w]!, this.gqlInput);
    }
    const c1 = c0 === undefined ? undefined : cpuMs(this.gwPid);
    if (c0 !== undefined && c1 !== undefined) r.gwCpuMs = c1 - c0;
    return r;
  }

  async close(): Promise<void> {
    for (const a of this.agents.values()) a.destroy();
    await Promise.all(this.gql.map((c) => Promise.resolve(c.dispose()).catch(() => undefined)));
  }
}

async function runStreams(o: Options, clients: StreamClients, wanted: PathName[]): Promise<StreamSummary[]> {
  for (let i = 0; i < o.streamWarmup; i++) for (const p of wanted) await clients.one(p);
  const samples: Record<PathName, StreamSample[]> = { direct: [], rest: [], gql: [] };
  for (let i = 0; i < o.streamN; i++) {
    // interleaved, order rotated per iteration, so drift and noise hit every path alike
    for (let k = 0; k < wanted.length; k++) {
      const p = wanted[(i + k) % wanted.length]!;
      samples[p].push(await clients.one(p));
    }
    if ((i + 1) % 10 === 0) log(`streams: ${i + 1}/${o.streamN}`);
  }
  const out = wanted.map((p) => summariseStreams(p, samples[p]));
  const d = out.find((x) => x.path === "direct");
  if (d) {
    for (const x of out) {
      if (x.path === "direct") continue;
      x.addedTtftP50 = x.ttftP50 - d.ttftP50;
      x.addedTtftP90 = x.ttftP90 - d.ttftP90;
      x.addedItlMean = x.itlMean - d.itlMean;
      const diffs: number[] = [];
      samples[x.path].forEach((smp, i) => {
        const ds = samples.direct[i];
        if (smp.ok && ds?.ok) diffs.push(smp.ttft - ds.ttft);
      });
      x.addedTtftPairedP50 = diffs.length ? pctOf(diffs, 50) : null;
    }
  }
  return out;
}

interface StreamLoadCell {
  path: PathName;
  conc: number;
  streams: number;
  ok: number;
  firstError: string | null;
  wallS: number;
  ttftP50: number;
  ttftP99: number;
  itlMean: number;
  itlP99: number;
  totalP50: number;
  /** Gateway CPU / streams (whole cell), ms. */
  gwCpuMsPerStream: number | null;
  /** Gateway CPU / content tokens relayed, µs. */
  gwCpuUsPerToken: number | null;
  gwCoreUtil: number | null;
}

/** `conc` paced streams at once (each worker runs its streams back to back) until `total` are done. */
async function streamLoadCell(clients: StreamClients, p: PathName, conc: number, total: number, gwPid: number | undefined): Promise<StreamLoadCell> {
  if (p === "gql") await clients.ensureGql(conc);
  // a short warm-up at the same concurrency
  await Promise.all(Array.from({ length: conc }, (_, w) => clients.one(p, w, false)));
  const samples: StreamSample[] = [];
  let issued = 0;
  const c0 = cpuMs(gwPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      while (issued < total) {
        issued++;
        samples.push(await clients.one(p, w, false));
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const c1 = cpuMs(gwPid);
  const good = samples.filter((x) => x.ok);
  const gaps = good.flatMap((x) => x.gaps);
  const tokens = good.reduce((n, x) => n + x.chunks, 0);
  const cpu = p !== "direct" && c0 !== undefined && c1 !== undefined ? c1 - c0 : undefined;
  return {
    path: p,
    conc,
    streams: samples.length,
    ok: good.length,
    firstError: samples.find((x) => !x.ok)?.error ?? null,
    wallS,
    ttftP50: pctOf(good.map((x) => x.ttft), 50),
    ttftP99: pctOf(good.map((x) => x.ttft), 99),
    itlMean: mean(gaps),
    itlP99: pctOf(gaps, 99),
    totalP50: pctOf(good.map((x) => x.total), 50),
    gwCpuMsPerStream: cpu !== undefined && samples.length ? cpu / samples.length : null,
    gwCpuUsPerToken: cpu !== undefined && tokens ? (cpu * 1000) / tokens : null,
    gwCoreUtil: c0 !== undefined && c1 !== undefined ? (c1 - c0) / (wallS * 1000) : null,
  };
}

/**
 * CPU profile of the gateway over the Chrome DevTools Protocol (the gateway runs with --inspect on a
 * random loopback port), so the profile covers the measured window only.
 */
const SAMPLING_US = 500;

class CdpProfiler {
  private seq = 0;
  private readonly pending = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (!isRecord(msg) || typeof msg.id !== "number") return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (isRecord(msg.error)) p.rej(new Error(`CDP: ${String(msg.error.message)}`));
      else p.res(msg.result);
    });
  }

  static async connect(url: string): Promise<CdpProfiler> {
    const ws = new WebSocket(url);
    await once(ws, "open");
    const prof = new CdpProfiler(ws);
    await prof.call("Profiler.enable");
    await prof.call("Profiler.setSamplingInterval", { interval: SAMPLING_US });
    return prof;
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((res, rej) => {
      this.pending.set(id, { res, rej });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.call("Profiler.start");
  }

  /**
   * Stops, writes the .cpuprofile and returns its path. A sample that follows a stall (the process was
   * descheduled — another process had the core) would be charged the whole stall; deltas are capped at
   * 4 sampling intervals so that the profile stays a CPU profile. The stalled time is reported.
   */
  async stop(file: string): Promise<{ file: string; stalledMs: number }> {
    const r = await this.call("Profiler.stop");
    const profile = isRecord(r) ? r.profile : undefined;
    if (!isRecord(profile) || !Array.isArray(profile.timeDeltas)) throw new Error("CDP: Profiler.stop returned no profile");
    const cap = 4 * SAMPLING_US;
    let stalled = 0;
    let sum = 0;
    profile.timeDeltas = profile.timeDeltas.map((d: unknown) => {
      const v = typeof d === "number" ? d : 0;
      if (v > cap) stalled += v - cap;
      const c = Math.min(v, cap);
      sum += c;
      return c;
    });
    if (typeof profile.startTime === "number") profile.endTime = profile.startTime + sum;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    return { file, stalledMs: stalled / 1000 };
  }

  close(): void {
    this.ws.close();
  }
}

/** The top list of ../shared/peer-bench/cpuprofile-top.mjs when that kit is there. */
function profileTop(file: string): string {
  const script = join(PEER_BENCH, "cpuprofile-top.mjs");
  if (!existsSync(script)) return `profile saved to ${file} (open it in Chrome DevTools; no ${script} to summarise it)`;
  const r = spawnSync(process.execPath, [script, file, "--top=30"], { encoding: "utf8", cwd: PEER_BENCH });
  const text = `profile: ${file}\n${r.stdout}${r.stderr}`;
  writeFileSync(file.replace(/\.cpuprofile$/, "") + "-top.txt", text);
  return text;
}

/** On a shared box: wait (bounded) until both cores have been under 20 % busy for 3 s in a row. */
async function waitQuiet(o: Options): Promise<void> {
  const deadline = Date.now() + o.waitQuietS * 1000;
  let quiet = 0;
  let prev = { gw: coreMs(o.gwCpu), load: coreMs(o.loadCpu) };
  log(`waiting up to ${o.waitQuietS} s for cores ${o.gwCpu} and ${o.loadCpu} to be quiet…`);
  while (Date.now() < deadline) {
    await sleep(1000);
    const cur = { gw: coreMs(o.gwCpu), load: coreMs(o.loadCpu) };
    const share = (a?: { busy: number; total: number }, b?: { busy: number; total: number }) => (a && b && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0);
    quiet = share(prev.gw, cur.gw) < 0.2 && share(prev.load, cur.load) < 0.2 ? quiet + 1 : 0;
    prev = cur;
    if (quiet >= 3) return;
  }
  log("the box did not get quiet; running anyway");
}

async function main(): Promise<void> {
  const o = parseOptions();
  const cores = availableParallelism();
  const pin = hasTaskset() && cores >= 2;
  if (!pin) log(cores < 2 ? "only one CPU: not pinning (figures will mix gateway and load)" : "taskset not found: not pinning");
  if (pin) {
    // this process runs autocannon and the stream clients: keep it on the load core with the upstream
    spawnSync("taskset", ["-a", "-cp", o.loadCpu, String(process.pid)], { stdio: "ignore" });
  }
  if (o.waitQuietS > 0) await waitQuiet(o);
  // Other work on the box skews every figure: look at both cores for a second before starting.
  const idle0 = { gw: coreMs(o.gwCpu), load: coreMs(o.loadCpu) };
  await sleep(1000);
  const idle1 = { gw: coreMs(o.gwCpu), load: coreMs(o.loadCpu) };
  const busyShare = (a?: { busy: number; total: number }, b?: { busy: number; total: number }) => (a && b && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : null);
  const preflight = { gwCore: busyShare(idle0.gw, idle1.gw), loadCore: busyShare(idle0.load, idle1.load) };
  if ((preflight.gwCore ?? 0) > 0.2 || (preflight.loadCore ?? 0) > 0.2) {
    log(`warning: the box is busy before the run (core ${o.gwCpu} ${pctStr(preflight.gwCore)}, core ${o.loadCpu} ${pctStr(preflight.loadCore)}); figures will be noisy — watch the "gw core other" column`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "sb-bench-"));
  if (!o.keepTmp) {
    tmpToRemove = tmp;
    watch("tmp", tmp);
  }
  log(`temp dir ${tmp}${o.keepTmp ? " (kept)" : ""}`);

  const up = await startUpstreamProc(o, tmp, pin);
  log(`upstream at ${up.url} (pid ${up.cp.pid ?? "?"}${pin ? `, core ${o.loadCpu}` : ""})`);
  const gw = await startGateway(o, tmp, pin, up.url);
  const s: Started = { upstream: up.cp, upstreamUrl: up.url, ...gw };
  const pids: Pids = { gateway: s.gateway.pid, upstream: s.upstream.pid };
  const memAtReady = memMb(pids.gateway);
  const targets = loadTargets(s);
  await sanityCheck(targets, o.targets);
  log("sanity check passed on every path");
  const profiler = s.inspectorUrl ? await CdpProfiler.connect(s.inspectorUrl) : undefined;
  if (profiler) {
    await profiler.start();
    log("gateway CPU profile started (CDP)");
  }

  const loadCells: LoadCell[] = [];
  if (!o.skipLoad) {
    // JIT and pools warm once per gateway path, then a short warm-up before each cell
    for (const p of o.targets) if (p !== "direct") await cannon(targets[p], 16, 3, false);
    for (const c of o.conc) {
      const row: LoadCell[] = [];
      for (const p of o.targets) {
        log(`load: ${PATH_LABEL[p]} c=${c} ${o.duration} s`);
        row.push(await measureCell(targets[p], c, o, pids));
      }
      const d = row.find((x) => x.path === "direct");
      if (d) {
        for (const x of row) {
          if (x.path === "direct") continue;
          x.addedP50 = x.p50 - d.p50;
          x.addedP99 = x.p99 - d.p99;
        }
      }
      loadCells.push(...row);
    }
  }

  let streams: StreamSummary[] = [];
  const streamLoad: StreamLoadCell[] = [];
  if (!o.skipStreams) {
    const clients = new StreamClients(s, pids.gateway);
    try {
      log(`streams: ${o.streamN} × ${o.targets.join(",")} (${o.streamTokens} tokens, ${o.itlMs} ms apart), sequential`);
      streams = await runStreams(o, clients, o.targets);
      for (const c of o.streamConc) {
        for (const p of o.targets) {
          const total = Math.max(2 * c, o.streamN);
          log(`stream load: ${PATH_LABEL[p]} ${c} at once, ${total} streams`);
          streamLoad.push(await streamLoadCell(clients, p, c, total, pids.gateway));
        }
      }
    } finally {
      await clients.close();
    }
  }

  let profile: string | undefined;
  if (profiler) {
    const { file, stalledMs } = await profiler.stop(join(RESULTS_DIR, "gateway.cpuprofile"));
    profiler.close();
    profile = `${profileTop(file)}\n(sample gaps capped at ${(4 * SAMPLING_US) / 1000} ms: ${(stalledMs / 1000).toFixed(2)} s of stalls left out${stalledMs > 500 ? " — the gateway's core was contended, rerun on a quiet box" : ""})`;
  }
  const gwMem = memMb(pids.gateway);
  // the inspector's own banner lines (with --profile) are not the gateway's
  const isGwLine = (l: string) => l.trim() !== "" && !/^(Debugger (listening|attached|ending)|For help, see: https:\/\/nodejs\.org)/.test(l);
  const gwLines = readFileSync(s.gatewayLog, "utf8").split("\n").filter(isGwLine);
  const warnLines = gwLines.length;
  log("stopping Switchboard and the upstream");
  await stopChild(s.gateway, 30_000);
  await stopChild(s.upstream, 5_000);

  const cpuModel = cpus()[0]?.model ?? "?";
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpuModel} × ${cores}`,
    pinned: pin ? { gateway: o.gwCpu, upstreamAndLoad: o.loadCpu } : null,
    durationS: o.duration,
    warmupS: o.warmup,
    conc: o.conc,
    jsonTokens: o.jsonTokens,
    stream: { n: o.streamN, tokens: o.streamTokens, itlMs: o.itlMs },
    database: process.env.BENCH_DATABASE_URL ? "postgres" : o.dataDir === "memory" ? "pglite (memory)" : "pglite (disk)",
    busyBeforeRun: { gwCore: preflight.gwCore === null ? null : r3(preflight.gwCore), loadCore: preflight.loadCore === null ? null : r3(preflight.loadCore) },
    gatewayStartS: r3(s.startS),
    gatewayRssAtReadyMb: memAtReady ? r3(memAtReady.rssMb) : null,
    gatewayRssMb: gwMem ? r3(gwMem.rssMb) : null,
    gatewayPeakRssMb: gwMem ? r3(gwMem.peakMb) : null,
    gatewayLogLines: warnLines,
  };

  const md: string[] = [];
  md.push(`# Switchboard overhead — ${meta.date}`);
  md.push("");
  md.push(
    `Node ${meta.node}, ${meta.cpu}; ${pin ? `gateway on core ${o.gwCpu}, upstream + load driver on core ${o.loadCpu}` : "not pinned"}; ` +
      `${meta.database}${o.dataDir === "memory" ? " in memory" : " on disk"}; JSON answer ${o.jsonTokens} tokens; ${o.duration} s per cell after ${o.warmup} s warm-up; ` +
      `gateway start ${s.startS.toFixed(1)} s, RSS ${f0(memAtReady?.rssMb)} MB when ready, ${f0(gwMem?.rssMb)} MB at the end (peak ${f0(gwMem?.peakMb)} MB); ` +
      `cores busy before the run: ${pctStr(preflight.gwCore)} (gateway's), ${pctStr(preflight.loadCore)} (load).`,
  );
  if (loadCells.length) {
    md.push("");
    md.push("## Non-streaming chat completion (autocannon, closed loop; latency in ms; + = minus direct at the same c)");
    md.push("");
    md.push(loadTable(loadCells));
  }
  if (streams.length) {
    md.push("");
    md.push(`## ${o.streamTokens}-token stream, ${o.itlMs} ms between tokens (${o.streamN} sequential streams per path, interleaved; ms)`);
    md.push("");
    md.push(streamTable(streams));
    for (const x of streams) if (x.firstError) md.push(`\n${PATH_LABEL[x.path]} first error: ${x.firstError}`);
  }
  if (streamLoad.length) {
    md.push("");
    md.push(`## Concurrent paced streams (same stream; c at once, back to back; ms)`);
    md.push("");
    md.push(streamLoadTable(streamLoad));
    for (const x of streamLoad) if (x.firstError) md.push(`\n${PATH_LABEL[x.path]} c=${x.conc} first error: ${x.firstError}`);
  }
  if (warnLines > 0) md.push(`\nSwitchboard logged ${warnLines} line(s) at warn or above; last ones:\n\n\`\`\`\n${gwLines.slice(-10).join("\n")}\n\`\`\``);
  const report = md.join("\n") + "\n";
  process.stdout.write(`\n${report}`);
  if (profile) process.stdout.write(`\n${profile}\n`);

  const round = <T extends object>(x: T): Record<string, unknown> => {
    const outObj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) outObj[k] = typeof v === "number" ? r3(v) : v;
    return outObj;
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ meta, load: loadCells.map(round), streams: streams.map(round), streamLoad: streamLoad.map(round) }, null, 2) + "\n");
  writeFileSync(o.out.replace(/\.json$/, "") + ".md", report);
  log(`wrote ${o.out}`);
}

main()
  .catch((e: unknown) => {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    if (tmpToRemove) rmSync(tmpToRemove, { recursive: true, force: true });
  });
