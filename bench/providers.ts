/**
 * What Switchboard adds in front of a non-OpenAI provider: the Anthropic fake (test/fakes/anthropic.ts,
 * wire-exact Messages API) called directly vs through the gateway, which translates OpenAI-format
 * REST and GraphQL to Anthropic's format and back.
 *
 *   npx tsx bench/providers.ts                         # c=1,16 × 5 s non-stream, then 40 paced streams per path
 *   npx tsx bench/providers.ts --duration=10 --conc=1,8,32 --streams=100
 *
 * The gateway (`node --import tsx src/main.ts`, PGlite in memory) is pinned with `taskset -c 1`; this
 * process (fake + load driver) with `taskset -c 0`. Every process it starts is stopped by its PID.
 * Figures: req/s and latency percentiles of non-streamed calls, gateway CPU ms per request, and time
 * to first token of paced streams (direct SSE vs REST SSE vs graphql-ws), with the added part.
 * First, in process and free of network noise: the CPU cost of each adapter's translation per request.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { ChatRequest } from "../src/domain/chat.js";
import { anthropicAdapter } from "../src/providers/anthropic/index.js";
import type { ProviderAdapter, ProviderTarget, SseEvent } from "../src/providers/contract.js";
import { geminiAdapter } from "../src/providers/gemini/index.js";
import { openaiAdapter } from "../src/providers/openai/index.js";
import { startFakeAnthropic } from "../test/fakes/anthropic.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const UPSTREAM_KEY = "sk-ant-bench-0123456789";
const MODEL = "claude-sonnet-4-5";

function opt(name: string, dflt: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
}
const o = {
  duration: Number(opt("duration", "5")),
  conc: opt("conc", "1,16").split(",").map(Number).filter((n) => n > 0),
  streams: Number(opt("streams", "40")),
  tokens: Number(opt("tokens", "50")),
  itlMs: Number(opt("itl-ms", "5")),
};

const log = (m: string): void => void process.stderr.write(`[bench:providers] ${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : "–");

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** utime + stime of a process in ms (Linux clock ticks are 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

// ───── processes: only ever the ones started here, stopped by PID ─────
let gateway: ChildProcess | undefined;
let tmp: string | undefined;
async function cleanup(): Promise<void> {
  const cp = gateway;
  if (cp && cp.exitCode === null && cp.signalCode === null) {
    const exited = once(cp, "exit");
    cp.kill("SIGTERM");
    if (await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)])) cp.kill("SIGKILL");
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));
process.on("exit", () => gateway?.kill("SIGKILL"));

// ───── adapter translation cost, in process: what one request costs each adapter in pure CPU ─────
function adapterMicro(): string[] {
  const req: ChatRequest = {
    model: "x/y",
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Say hello to the benchmark in one short sentence, please." },
    ],
    maxTokens: 256,
  };
  const toks = Array.from({ length: o.tokens }, (_, i) => ` tok${i}`);
  const ev = (data: unknown, event?: string): SseEvent => ({ event, data: JSON.stringify(data) });
  const cases: { name: string; adapter: ProviderAdapter; kind: ProviderTarget["kind"]; whole: unknown; events: SseEvent[] }[] = [
    {
      name: "openai",
      adapter: openaiAdapter,
      kind: "openai",
      whole: { id: "c", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: toks.join("") }, finish_reason: "stop" }], usage: { prompt_tokens: 20, completion_tokens: o.tokens, total_tokens: 20 + o.tokens } },
      events: [
        ...toks.map((t) => ev({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })),
        ev({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
        ev({ id: "c", object: "chat.completion.chunk", model: "m", choices: [], usage: { prompt_tokens: 20, completion_tokens: o.tokens, total_tokens: 20 + o.tokens } }),
        { event: undefined, data: "[DONE]" },
      ],
    },
    {
      name: "anthropic",
      adapter: anthropicAdapter,
      kind: "anthropic",
      whole: { id: "m", type: "message", role: "assistant", model: "m", content: [{ type: "text", text: toks.join("") }], stop_reason: "end_turn", usage: { input_tokens: 20, output_tokens: o.tokens } },
      events: [
        ev({ type: "message_start", message: { id: "m", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 20, output_tokens: 1 } } }, "message_start"),
        ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }, "content_block_start"),
        ...toks.map((t) => ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } }, "content_block_delta")),
        ev({ type: "content_block_stop", index: 0 }, "content_block_stop"),
        ev({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: o.tokens } }, "message_delta"),
        ev({ type: "message_stop" }, "message_stop"),
      ],
    },
    {
      name: "gemini",
      adapter: geminiAdapter,
      kind: "gemini",
      whole: { candidates: [{ content: { role: "model", parts: [{ text: toks.join("") }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 20, candidatesTokenCount: o.tokens }, modelVersion: "m" },
      events: toks.map((t, i) =>
        ev({ candidates: [{ content: { role: "model", parts: [{ text: t }] }, index: 0, ...(i === toks.length - 1 ? { finishReason: "STOP" } : {}) }], usageMetadata: { promptTokenCount: 20, ...(i === toks.length - 1 ? { candidatesTokenCount: o.tokens } : {}) }, modelVersion: "m" }),
      ),
    },
  ];
  const time = (fn: () => void, n: number): number => {
    const runs: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      runs.push(((performance.now() - t0) * 1000) / n);
    }
    return pct(runs, 50);
  };
  return cases.map((c) => {
    const target: ProviderTarget = { provider: c.name, kind: c.kind, baseUrl: "http://127.0.0.1:1/v1", apiKey: "k", headers: {}, upstreamModel: "m", maxOutputTokens: 1024 };
    const whole = JSON.stringify(c.whole);
    const build = time(() => c.adapter.buildRequest(req, target, true), 20_000);
    const parse = time(() => c.adapter.parseResponse(JSON.parse(whole), target), 20_000);
    const stream = time(() => {
      const d = c.adapter.createStreamDecoder(target);
      for (const e of c.events) d.onEvent(e);
      d.end();
    }, 2_000);
    return `| ${c.name} | ${f(build)} | ${f(parse)} | ${f(stream, 1)} | ${f(stream / o.tokens)} |`;
  });
}
const pin = availableParallelism() >= 2 && spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
if (pin) spawnSync("taskset", ["-a", "-cp", "0", String(process.pid)], { stdio: "ignore" });
else log("taskset or a second core missing: not pinning (figures mix gateway and load)");
const microRows = adapterMicro();

const words = Array.from({ length: o.tokens }, (_, i) => `${i === 0 ? "" : " "}tok${i}`);
const fake = await startFakeAnthropic({ apiKey: UPSTREAM_KEY, scenario: { tokens: words, itlMs: o.itlMs, usage: { inputTokens: 20, outputTokens: o.tokens } } });
const upstreamBase = fake.url; // …/v1

tmp = mkdtempSync(join(tmpdir(), "sb-bench-providers-"));
const port = await freePort();
const adminKey = `sb-bench-${randomBytes(16).toString("hex")}`;
const configPath = join(tmp, "switchboard.config.json");
writeFileSync(
  configPath,
  JSON.stringify({
    providers: { anthropic: { kind: "anthropic", baseUrl: upstreamBase, apiKey: UPSTREAM_KEY, models: [MODEL] } },
    models: [{ id: `anthropic/${MODEL}`, inputPricePerMTok: 3, outputPricePerMTok: 15, maxOutputTokens: 1024 }],
    shutdown: { drainMs: 1000 },
  }),
);
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: "production",
  SWITCHBOARD_CONFIG: configPath,
  SWITCHBOARD_ADMIN_KEY: adminKey,
  SWITCHBOARD_DATA_DIR: "memory://",
  LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
  PORT: String(port),
};
const logFile = join(tmp, "gateway.log");
const fd = openSync(logFile, "a");
const nodeArgs = ["--import", "tsx", "src/main.ts"];
gateway = pin
  ? spawn("taskset", ["-c", "1", process.execPath, ...nodeArgs], { cwd: ROOT, env, stdio: ["ignore", fd, fd] })
  : spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
closeSync(fd);
const gw = `http://127.0.0.1:${port}`;

async function main(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gateway!.exitCode !== null) throw new Error(`gateway exited:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    const ok = await fetch(`${gw}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error("gateway not ready in 120 s");
    await sleep(100);
  }
  const gwPid = gateway!.pid!;
  log(`gateway pid ${gwPid} ready at ${gw}${pin ? " (pinned to core 1; load on core 0)" : ""}`);

  const messages = [{ role: "user", content: "Say hello to the benchmark in one short sentence, please." }];
  const targets = {
    direct: {
      url: `${upstreamBase}/messages`,
      headers: { "content-type": "application/json", "x-api-key": UPSTREAM_KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: MODEL, max_tokens: 256, messages }),
    },
    rest: {
      url: `${gw}/v1/chat/completions`,
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ model: `anthropic/${MODEL}`, max_tokens: 256, messages }),
    },
    graphql: {
      url: `${gw}/graphql`,
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({
        query: "mutation($i: CompletionInput!) { complete(input: $i) { content usage { outputTokens } costUsd } }",
        variables: { i: { model: `anthropic/${MODEL}`, maxTokens: 256, messages: [{ role: "USER", content: messages[0]!.content }] } },
      }),
    },
  } as const;
  type Path = keyof typeof targets;

  const cannon = (p: Path, connections: number, duration: number) =>
    new Promise<{ rps: number; lat: number[]; bad: number }>((res, rej) => {
      const lat: number[] = [];
      let bad = 0;
      const t0 = performance.now();
      const inst = autocannon({ ...targets[p], method: "POST", connections, duration, timeout: 30 }, (err, r) => {
        if (err) return rej(err);
        res({ rps: lat.length / ((performance.now() - t0) / 1000), lat, bad: bad + r.errors });
      });
      inst.on("response", (_c, status, _b, ms) => (status === 200 ? lat.push(ms) : bad++));
    });

  const rows: string[] = [];
  for (const c of o.conc) {
    for (const p of ["direct", "rest", "graphql"] as Path[]) {
      await cannon(p, c, 1); // warm-up: JIT, pools, keep-alive sockets
      fake.reset();
      const cpu0 = cpuMs(gwPid);
      const r = await cannon(p, c, o.duration);
      const cpu = p === "direct" ? NaN : (cpuMs(gwPid) - cpu0) / Math.max(1, r.lat.length);
      rows.push(`| ${p} | ${c} | ${f(r.rps, 0)} | ${f(pct(r.lat, 50))} | ${f(pct(r.lat, 99))} | ${f(cpu, 3)} | ${r.bad} |`);
      log(rows.at(-1)!);
    }
  }

  // ───── paced streams: time to first token, one at a time, paths interleaved ─────
  const agent = new Agent({ keepAlive: true });
  const sse = (url: string, headers: Record<string, string>, body: string, first: RegExp) =>
    new Promise<{ ttft: number; total: number }>((res, rej) => {
      const t0 = performance.now();
      let ttft = NaN;
      let seen = "";
      const req = request(url, { method: "POST", headers, agent }, (r) => {
        if (r.statusCode !== 200) return rej(new Error(`${url}: HTTP ${r.statusCode}`));
        r.setEncoding("utf8");
        r.on("data", (d: string) => {
          if (Number.isNaN(ttft)) {
            seen += d;
            if (first.test(seen)) ttft = performance.now() - t0;
          }
        });
        r.on("end", () => res({ ttft, total: performance.now() - t0 }));
        r.on("error", rej);
      });
      req.on("error", rej);
      req.end(body);
    });
  const direct = () =>
    sse(targets.direct.url, targets.direct.headers, JSON.stringify({ ...JSON.parse(targets.direct.body), stream: true }), /"type":"text_delta","text":"[^"]/);
  const rest = () =>
    sse(targets.rest.url, targets.rest.headers, JSON.stringify({ ...JSON.parse(targets.rest.body), stream: true, stream_options: { include_usage: true } }), /"content":"[^"]/);
  const ws = createClient({ url: `${gw.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, lazy: false, connectionParams: { authorization: `Bearer ${adminKey}` } });
  const gqlStream = () =>
    new Promise<{ ttft: number; total: number }>((res, rej) => {
      const t0 = performance.now();
      let ttft = NaN;
      ws.subscribe<{ completionStream: { __typename: string; content?: string } }>(
        {
          query: `subscription { completionStream(input: { model: "anthropic/${MODEL}", maxTokens: 256, messages: [{ role: USER, content: "stream please" }] }) {
            __typename ... on CompletionDelta { content } ... on CompletionDone { completion { usage { outputTokens } } } } }`,
        },
        {
          next: (v) => {
            if (Number.isNaN(ttft) && v.data?.completionStream.content) ttft = performance.now() - t0;
            if (v.errors) rej(new Error(JSON.stringify(v.errors)));
          },
          error: (e) => rej(e instanceof Error ? e : new Error(JSON.stringify(e))),
          complete: () => res({ ttft, total: performance.now() - t0 }),
        },
      );
    });
  const runs = { direct: [] as { ttft: number; total: number }[], rest: [] as { ttft: number; total: number }[], graphql: [] as { ttft: number; total: number }[] };
  for (let i = 0; i < 3; i++) await Promise.all([direct(), rest(), gqlStream()]); // warm-up
  for (let i = 0; i < o.streams; i++) {
    runs.direct.push(await direct());
    runs.rest.push(await rest());
    runs.graphql.push(await gqlStream());
  }
  await ws.dispose();
  agent.destroy();

  const d50 = pct(runs.direct.map((r) => r.ttft), 50);
  const streamRows = (Object.keys(runs) as (keyof typeof runs)[]).map((p) => {
    const tt = runs[p].map((r) => r.ttft);
    const tot = runs[p].map((r) => r.total);
    const added = p === "direct" ? "–" : f(pct(tt, 50) - d50);
    return `| ${p} | ${runs[p].length} | ${f(pct(tt, 50))} | ${f(pct(tt, 90))} | ${added} | ${f(pct(tot, 50), 1)} |`;
  });

  const out = [
    `Adapter translation, CPU µs (median of 7 runs; ${o.tokens}-token answer):`,
    "| adapter | buildRequest | parseResponse (JSON.parse incl.) | decode a whole stream | per token |",
    "|---|---|---|---|---|",
    ...microRows,
    "",
    `Anthropic fake, direct vs through Switchboard (gateway ${pin ? "pinned to core 1" : "unpinned"}; load avg ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`,
    "",
    `Non-streamed, ${o.duration} s per cell (closed loop):`,
    "| path | conc | req/s | p50 ms | p99 ms | gateway CPU ms/req | errors |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Streams of ${o.tokens} tokens paced at ${o.itlMs} ms, sequential:`,
    "| path | n | TTFT p50 ms | TTFT p90 ms | TTFT added p50 ms | total p50 ms |",
    "|---|---|---|---|---|---|",
    ...streamRows,
  ].join("\n");
  process.stdout.write(`${out}\n`);
}

try {
  await main();
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await fake.close();
  await cleanup();
}
