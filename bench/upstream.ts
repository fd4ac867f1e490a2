/**
 * A fast fake OpenAI-compatible upstream for the overhead bench (loopback only).
 *
 *   POST /v1/chat/completions (also /chat/completions)
 *     non-streaming → a small fixed `chat.completion` (JSON_TOKENS tokens) with `usage`
 *     `"stream": true` → SSE: a role chunk, STREAM_TOKENS content chunks ITL_MS apart (the first one at
 *       once), a finish chunk, the `stream_options.include_usage` usage chunk when asked, `data: [DONE]`
 *   GET /health → "ok"
 *
 * Every body is serialised once and cached per shape, so a request costs a body read, a few regex
 * tests on the raw text (no JSON.parse) and one write. Per request, a model suffix
 * `gpt-4o-mini@tokens=200,itl=5,latency=60` overrides the knobs (like ../shared/peer-bench's mock), and
 * `max_tokens` / `max_completion_tokens` below the token count cap the answer (finish_reason "length").
 *
 * CLI: tsx bench/upstream.ts [--port=0] [--host=127.0.0.1] [--stream-tokens=200] [--itl-ms=5]
 *        [--json-tokens=16] [--latency-ms=0]
 * Prints one JSON line `{"event":"listening","port":N,"pid":P}` on stdout once it listens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

export interface UpstreamOptions {
  port: number;
  host: string;
  /** Content chunks per SSE stream. */
  streamTokens: number;
  /** Gap between streamed tokens; 0 writes the whole stream at once. */
  itlMs: number;
  /** Tokens in a non-streaming answer. */
  jsonTokens: number;
  /** Delay before the response head (non-streaming) or the first chunk (streaming). */
  latencyMs: number;
}

export const defaultUpstreamOptions: UpstreamOptions = {
  port: 0,
  host: "127.0.0.1",
  streamTokens: 200,
  itlMs: 5,
  jsonTokens: 16,
  latencyMs: 0,
};

export interface RunningUpstream {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

const WORDS = [" Hello", " world", ",", " this", " is", " a", " fast", " fake", " upstream", " for", " the", " Switchboard", " bench", "."];
/** Fixed prompt usage: the gateway bills from the provider's numbers, so they need not track the prompt. */
const PROMPT_TOKENS = 24;
const ID = "chatcmpl-bench0000000000000000";
const CREATED = Math.floor(Date.now() / 1000);
const MAX_CACHE = 64;

const RE_STREAM = /"stream"\s*:\s*true/;
const RE_USAGE = /"include_usage"\s*:\s*true/;
const RE_MODEL = /"model"\s*:\s*"((?:[^"\\]|\\.)*)"/;
const RE_MAX = /"max_(?:completion_)?tokens"\s*:\s*(\d+)/;

interface Knobs {
  model: string;
  tokens: number;
  itl: number;
  latency: number;
}

interface StreamBodies {
  /** Role chunk + first content chunk: written as soon as the stream starts. */
  head: Buffer;
  /** Content chunks 2..n. */
  tokens: Buffer[];
  /** Finish chunk, usage chunk (when asked), [DONE]. */
  tail: Buffer;
  /** All of it, for itl = 0. */
  whole: Buffer;
}

function usage(completion: number): string {
  return JSON.stringify({
    prompt_tokens: PROMPT_TOKENS,
    completion_tokens: completion,
    total_tokens: PROMPT_TOKENS + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  });
}

function jsonBody(model: string, n: number, capped: boolean): Buffer {
  let text = "";
  for (let i = 0; i < n; i++) text += WORDS[i % WORDS.length];
  return Buffer.from(
    `{"id":"${ID}","object":"chat.completion","created":${CREATED},"model":${JSON.stringify(model)},"system_fingerprint":"fp_bench",` +
      `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(text.trimStart())},"refusal":null},"logprobs":null,` +
      `"finish_reason":"${capped ? "length" : "stop"}"}],"usage":${usage(n)}}`,
  );
}

function streamBodies(model: string, n: number, capped: boolean, includeUsage: boolean): StreamBodies {
  const head = `{"id":"${ID}","object":"chat.completion.chunk","created":${CREATED},"model":${JSON.stringify(model)},"system_fingerprint":"fp_bench","choices":[`;
  const usageNull = includeUsage ? ',"usage":null' : "";
  const chunk = (delta: string, finish: string) => `data: ${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${usageNull}}\n\n`;
  const token = (i: number) => chunk(`{"content":${JSON.stringify(WORDS[i % WORDS.length])}}`, "null");
  const first = chunk('{"role":"assistant","content":"","refusal":null}', "null") + (n > 0 ? token(0) : "");
  const tokens: Buffer[] = [];
  for (let i = 1; i < n; i++) tokens.push(Buffer.from(token(i)));
  let tail = chunk("{}", capped ? '"length"' : '"stop"');
  if (includeUsage) tail += `data: ${head}],"usage":${usage(n)}}\n\n`;
  tail += "data: [DONE]\n\n";
  const headBuf = Buffer.from(first);
  const tailBuf = Buffer.from(tail);
  return { head: headBuf, tokens, tail: tailBuf, whole: Buffer.concat([headBuf, ...tokens, tailBuf]) };
}

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= MAX_CACHE) cache.clear();
    v = make();
    cache.set(key, v);
  }
  return v;
}

function knobs(text: string, o: UpstreamOptions, stream: boolean): Knobs {
  const m = RE_MODEL.exec(text);
  const k: Knobs = { model: m?.[1] ?? "gpt-4o-mini", tokens: stream ? o.streamTokens : o.jsonTokens, itl: o.itlMs, latency: o.latencyMs };
  const at = k.model.indexOf("@");
  if (at >= 0) {
    for (const kv of k.model.slice(at + 1).split(",")) {
      const [key, raw] = kv.split("=");
      const v = Number(raw);
      if (!Number.isFinite(v) || v < 0) continue;
      if (key === "tokens") k.tokens = Math.floor(v);
      else if (key === "itl") k.itl = v;
      else if (key === "latency") k.latency = v;
    }
    k.model = k.model.slice(0, at);
  }
  return k;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createUpstream(opts: Partial<UpstreamOptions> = {}): Server {
  const o: UpstreamOptions = { ...defaultUpstreamOptions, ...opts };
  const jsonCache = new Map<string, Buffer>();
  const streamCache = new Map<string, StreamBodies>();

  async function answer(text: string, res: ServerResponse): Promise<void> {
    const stream = RE_STREAM.test(text);
    const k = knobs(text, o, stream);
    const capMatch = RE_MAX.exec(text);
    const cap = capMatch ? Number(capMatch[1]) : Infinity;
    const capped = cap > 0 && cap < k.tokens;
    const n = capped ? cap : k.tokens;
    if (k.latency > 0) await sleep(k.latency);
    if (!stream) {
      const body = cached(jsonCache, `${k.model}|${n}|${capped}`, () => jsonBody(k.model, n, capped));
      res.writeHead(200, ["content-type", "application/json", "content-length", String(body.length)]);
      res.end(body);
      return;
    }
    const includeUsage = RE_USAGE.test(text);
    const b = cached(streamCache, `${k.model}|${n}|${capped}|${includeUsage}`, () => streamBodies(k.model, n, capped, includeUsage));
    res.writeHead(200, ["content-type", "text/event-stream; charset=utf-8", "cache-control", "no-cache", "connection", "keep-alive"]);
    if (k.itl <= 0) {
      res.end(b.whole);
      return;
    }
    // Tokens are due at t0 + i·itl (absolute), so timer lateness does not add up over the stream.
    const t0 = performance.now();
    res.write(b.head);
    for (let i = 0; i < b.tokens.length; i++) {
      const wait = t0 + (i + 1) * k.itl - performance.now();
      if (wait > 0) await sleep(wait);
      if (res.destroyed) return;
      res.write(b.tokens[i]);
    }
    res.end(b.tail);
  }

  function fail(res: ServerResponse, status: number, message: string): void {
    const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } });
    res.writeHead(status, ["content-type", "application/json", "content-length", String(Buffer.byteLength(body))]);
    res.end(body);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    if (req.method === "GET" && (url === "/health" || url === "/")) {
      res.end("ok");
      return;
    }
    if (req.method !== "POST" || (url !== "/v1/chat/completions" && url !== "/chat/completions")) {
      fail(res, 404, `bench upstream: no route ${req.method ?? "?"} ${url}`);
      return;
    }
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const text = parts.length === 1 ? parts[0]!.toString("utf8") : Buffer.concat(parts).toString("utf8");
      answer(text, res).catch((e: unknown) => {
        if (!res.headersSent) fail(res, 500, String(e));
        else res.destroy();
      });
    });
  }

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, noDelay: true }, onRequest);
  return server;
}

export function startUpstream(opts: Partial<UpstreamOptions> = {}): Promise<RunningUpstream> {
  const o: UpstreamOptions = { ...defaultUpstreamOptions, ...opts };
  if (!/^(127\.|::1$|localhost$)/.test(o.host)) return Promise.reject(new Error(`bench upstream: refusing non-loopback host ${o.host}`));
  const server = createUpstream(o);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: `http://${o.host}:${port}`,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function flag(name: string, env: string, dflt: number): number;
function flag(name: string, env: string, dflt: string): string;
function flag(name: string, env: string, dflt: number | string): number | string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg ? arg.slice(name.length + 3) : process.env[env];
  if (raw === undefined || raw === "") return dflt;
  if (typeof dflt === "string") return raw;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a non-negative number: ${raw}`);
  return v;
}

async function cli(): Promise<void> {
  const up = await startUpstream({
    port: flag("port", "UPSTREAM_PORT", defaultUpstreamOptions.port),
    host: flag("host", "UPSTREAM_HOST", defaultUpstreamOptions.host),
    streamTokens: flag("stream-tokens", "STREAM_TOKENS", defaultUpstreamOptions.streamTokens),
    itlMs: flag("itl-ms", "ITL_MS", defaultUpstreamOptions.itlMs),
    jsonTokens: flag("json-tokens", "JSON_TOKENS", defaultUpstreamOptions.jsonTokens),
    latencyMs: flag("latency-ms", "LATENCY_MS", defaultUpstreamOptions.latencyMs),
  });
  process.stdout.write(`${JSON.stringify({ event: "listening", port: up.port, url: up.url, pid: process.pid })}\n`);
  const stop = () => {
    up.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((e: unknown) => {
    process.stderr.write(`bench upstream failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
