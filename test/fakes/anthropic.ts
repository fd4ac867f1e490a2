import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SseWriter, asciiJson, chunkString, isRecord, randomId, readJsonBody, sendBody, sleep, splitWords, waitUntil } from "./sse.js";
import type { SseEventFields, SseWireOptions } from "./sse.js";

type Json = Record<string, unknown>;

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

export interface AnthropicErrorObject { type: string; message: string }

export interface FakeToolCall {
  /** Defaults to a random `toolu_…` id. */
  id?: string;
  name: string;
  /** Objects are JSON-encoded; strings go out verbatim as `partial_json` (so tests can send broken JSON). */
  arguments: string | Json;
}

export interface FakeUsage {
  /** Uncached input. Default: the request's `system` + `messages` JSON length / 4. */
  inputTokens?: number;
  /** Default: the number of streamed `content_block_delta` events. */
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
}

/** Everything one answer can do. All fields optional; unset fields fall back to a plain success. */
export interface Scenario extends SseWireOptions {
  content?: string;
  /** Exact text deltas; overrides the default word split of `content`. */
  tokens?: string[];
  toolCalls?: FakeToolCall[];
  /** Size of each streamed `partial_json` fragment (default 4 chars). */
  argChunkSize?: number;
  /** A thinking block (thinking_delta + signature_delta) before the answer, as extended thinking sends. */
  thinking?: string;
  finishReason?: StopReason;
  /** Reported as `stop_sequence` when finishReason is "stop_sequence". */
  stopSequence?: string;
  usage?: FakeUsage;
  /** Echoed model; defaults to the request's `model`. */
  model?: string;
  id?: string;
  /** SSE comment lines, extra `ping` events and empty text deltas between the real events. */
  comments?: boolean;
  /** Before the n-th content_block_delta, send `event: error` and end the stream. */
  errorAfter?: number;
  /** Default: `overloaded_error` / "Overloaded", as Anthropic sends mid-stream. */
  streamError?: Partial<AnthropicErrorObject>;
  /** Before the n-th content_block_delta (stream) or before answering (non-stream), destroy the socket. */
  dieAfter?: number;
  /** Before the n-th content_block_delta, end the response cleanly: no message_delta, no message_stop. */
  truncateAfter?: number;
  /** Before response headers. */
  delayMs?: number;
  /** Between deltas. */
  itlMs?: number;
  /** An HTTP status >= 400 answers with Anthropic's error JSON instead of a message. */
  status?: number;
  /** Merged over the default error for `status`; a string is sent raw (e.g. a proxy's HTML page). */
  errorBody?: Partial<AnthropicErrorObject> | string;
  /** Extra response headers on any answer, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  /** Accept the request and never answer (until the client leaves or the fake closes). */
  hang?: boolean;
}

export type ScenarioSource = Scenario | ((req: ReceivedRequest) => Scenario);

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query string without `?`; empty when none. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Json | null;
  rawBody: string;
  scenario: Scenario;
}

export interface FakeAnthropicOptions {
  /** When set, requests must carry `x-api-key: <apiKey>`. */
  apiKey?: string;
  models?: string[];
  scenario?: ScenarioSource;
}

const DEFAULT_CONTENT = "Hello from the fake Anthropic upstream.";
const DEFAULT_MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5"];
export const SCENARIO_HEADER = "x-fake-scenario";
const MESSAGES_PATH = "/v1/messages";
/** Top-level fields the Messages API knows; it rejects any other ("Extra inputs are not permitted"). */
const KNOWN_FIELDS = new Set([
  "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature", "top_p", "top_k",
  "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers", "context_management",
]);

export function scenarioHeader(s: Scenario): Record<string, string> {
  return { [SCENARIO_HEADER]: asciiJson(s) };
}

const STATUS_ERRORS: Record<number, AnthropicErrorObject> = {
  400: { type: "invalid_request_error", message: "Invalid request." },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  403: { type: "permission_error", message: "Your API key does not have permission to use the specified resource." },
  404: { type: "not_found_error", message: "The requested resource could not be found." },
  413: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." },
  429: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit." },
  500: { type: "api_error", message: "Internal server error" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

function errorFor(status: number, override?: Partial<AnthropicErrorObject>): Json {
  const base = STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500] : STATUS_ERRORS[400]);
  return { type: "error", error: { ...(base as AnthropicErrorObject), ...override }, request_id: randomId("req_011C", 20) };
}

interface Block {
  start: Json;
  deltas: Json[];
}

interface Answer {
  id: string;
  model: string;
  text: string[];
  tools: { id: string; name: string; args: string }[];
  stopReason: StopReason;
}

function planAnswer(s: Scenario, body: Json): Answer {
  const tools = (s.toolCalls ?? []).map((t) => ({
    id: t.id ?? randomId("toolu_01", 22),
    name: t.name,
    args: typeof t.arguments === "string" ? t.arguments : JSON.stringify(t.arguments),
  }));
  const content = s.content ?? (tools.length > 0 ? "" : DEFAULT_CONTENT);
  return {
    id: s.id ?? randomId("msg_01", 22),
    model: s.model ?? (typeof body["model"] === "string" ? body["model"] : "claude-sonnet-4-5"),
    text: s.tokens ?? splitWords(content),
    tools,
    stopReason: s.finishReason ?? (tools.length > 0 ? "tool_use" : "end_turn"),
  };
}

/** Blocks in the order Anthropic sends them: thinking, then text, then one block per tool call. */
function planBlocks(a: Answer, s: Scenario): Block[] {
  const blocks: Block[] = [];
  if (s.thinking !== undefined) {
    const deltas: Json[] = splitWords(s.thinking).map((t) => ({ type: "thinking_delta", thinking: t }));
    deltas.push({ type: "signature_delta", signature: "EqQBCgIYAhIM" + randomId("", 32) });
    blocks.push({ start: { type: "thinking", thinking: "", signature: "" }, deltas });
  }
  if (a.text.length > 0 || a.tools.length === 0) {
    blocks.push({ start: { type: "text", text: "" }, deltas: a.text.map((t) => ({ type: "text_delta", text: t })) });
  }
  for (const t of a.tools) {
    // Anthropic opens every tool_use block with an empty partial_json.
    const frags = ["", ...chunkString(t.args, s.argChunkSize ?? 4).filter((f) => f !== "")];
    const deltas = frags.map((f) => ({ type: "input_json_delta", partial_json: f }));
    blocks.push({ start: { type: "tool_use", id: t.id, name: t.name, input: {} }, deltas });
  }
  return blocks;
}

function usageFor(s: Scenario, body: Json, outputDefault: number): Json {
  const promptLen = JSON.stringify(body["messages"] ?? "").length + JSON.stringify(body["system"] ?? "").length;
  return {
    input_tokens: s.usage?.inputTokens ?? Math.max(1, Math.ceil(promptLen / 4)),
    cache_creation_input_tokens: s.usage?.cacheCreationTokens ?? 0,
    cache_read_input_tokens: s.usage?.cacheReadTokens ?? 0,
    output_tokens: s.usage?.outputTokens ?? outputDefault,
    service_tier: "standard",
  };
}

const deltaCount = (blocks: Block[]): number => blocks.reduce((n, b) => n + b.deltas.length, 0);

export class FakeAnthropic {
  url = "";
  readonly requests: ReceivedRequest[] = [];
  /** Streaming responses whose client disconnected before the stream finished. */
  aborted = 0;
  /** Any response whose client disconnected before it finished. */
  disconnects = 0;
  /** Streams currently being written. */
  active = 0;
  private scenario: ScenarioSource;
  private readonly queue: Scenario[] = [];
  private closing = false;
  private readonly server: Server;

  constructor(private readonly opts: FakeAnthropicOptions = {}) {
    this.scenario = opts.scenario ?? {};
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error("fake-anthropic handler crashed", err);
        res.destroy();
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
    return this;
  }

  setScenario(s: ScenarioSource): void {
    this.scenario = s;
  }

  enqueue(...s: Scenario[]): void {
    this.queue.push(...s);
  }

  reset(): void {
    this.scenario = this.opts.scenario ?? {};
    this.queue.length = 0;
    this.requests.length = 0;
    this.aborted = 0;
    this.disconnects = 0;
  }

  waitFor(predicate: (fake: FakeAnthropic) => boolean, timeoutMs = 2000): Promise<void> {
    return waitUntil(() => predicate(this), timeoutMs, "fake-anthropic");
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ac = new AbortController();
    const state = { stream: false, selfKilled: false };
    res.on("close", () => {
      if (!res.writableEnded && !state.selfKilled && !this.closing) {
        this.disconnects++;
        if (state.stream) this.aborted++;
      }
      ac.abort();
    });
    const read = await readJsonBody(req);
    if (read === null) return;
    const { rawBody, body } = read;
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const method = req.method ?? "GET";

    let scenario: Scenario;
    try {
      scenario = this.resolveScenario(req, { method, path, query, headers: req.headers, body, rawBody, scenario: {} });
    } catch (e) {
      return sendJson(res, 400, errorFor(400, { message: `invalid ${SCENARIO_HEADER} header: ${e instanceof Error ? e.message : String(e)}` }));
    }
    this.requests.push({ method, path, query, headers: req.headers, body, rawBody, scenario });
    state.stream = method === "POST" && path === MESSAGES_PATH && body?.["stream"] === true;

    const auth = this.checkAuth(req.headers["x-api-key"]);
    if (auth) return sendJson(res, 401, auth, scenario.headers);
    if (req.headers["anthropic-version"] === undefined) {
      return sendJson(res, 400, errorFor(400, { message: "anthropic-version: header is required" }));
    }
    if (method === "GET" && path === "/v1/models") {
      const data = (this.opts.models ?? DEFAULT_MODELS).map((id) => ({ type: "model", id, display_name: id, created_at: "2025-09-29T00:00:00Z" }));
      return sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }, scenario.headers);
    }
    if (method !== "POST" || path !== MESSAGES_PATH) return sendJson(res, 404, errorFor(404, { message: "Not Found" }));
    if (body === null) return sendJson(res, 400, errorFor(400, { message: "There was an error parsing the body of your request." }));
    const invalid = validate(body);
    if (invalid) return sendJson(res, 400, errorFor(400, { message: invalid }));

    if (scenario.hang) return;
    if (scenario.delayMs) await sleep(scenario.delayMs, ac.signal);
    if (ac.signal.aborted) return;
    if (scenario.status !== undefined && scenario.status >= 400) {
      const err = typeof scenario.errorBody === "string" ? scenario.errorBody : errorFor(scenario.status, scenario.errorBody);
      const retry: Record<string, string> = scenario.status === 429 ? { "retry-after": "1" } : {};
      return sendJson(res, scenario.status, err, { ...retry, ...scenario.headers });
    }
    if (!state.stream && scenario.dieAfter !== undefined) {
      state.selfKilled = true;
      res.destroy();
      return;
    }
    const answer = planAnswer(scenario, body);
    if (!state.stream) return sendJson(res, 200, messageBody(scenario, body, answer), scenario.headers);
    this.active++;
    try {
      await this.stream(res, scenario, body, answer, ac.signal, () => (state.selfKilled = true));
    } finally {
      this.active--;
    }
  }

  private resolveScenario(req: IncomingMessage, received: ReceivedRequest): Scenario {
    const header = req.headers[SCENARIO_HEADER];
    const fromHeader: unknown = typeof header === "string" ? JSON.parse(header) : {};
    if (!isRecord(fromHeader)) throw new Error("expected a JSON object");
    const base = typeof this.scenario === "function" ? this.scenario(received) : this.scenario;
    const queued = received.path === MESSAGES_PATH ? this.queue.shift() : undefined;
    return { ...base, ...queued, ...(fromHeader as Scenario) };
  }

  private checkAuth(header: string | string[] | undefined): Json | null {
    const key = this.opts.apiKey;
    if (key === undefined || header === key) return null;
    return errorFor(401, header === undefined ? { message: "x-api-key header is required" } : {});
  }

  private async stream(res: ServerResponse, s: Scenario, body: Json, a: Answer, signal: AbortSignal, onKill: () => void): Promise<void> {
    const w = new SseWriter(res, s);
    w.start(200, baseHeaders(s.headers));
    const send = (type: string, fields: Json = {}): Promise<boolean> => w.event({ event: type, data: { type, ...fields } } satisfies SseEventFields);
    const blocks = planBlocks(a, s);
    const total = deltaCount(blocks);
    const usage = usageFor(s, body, total);
    // Counts past the end still fire, just before message_delta.
    const hit = (n: number | undefined, i: number): boolean => n !== undefined && Math.min(n, total) === i;
    let sent = 0;
    /** false: stop writing (client gone, error sent or socket killed). */
    const beforeDelta = async (): Promise<boolean> => {
      if (hit(s.errorAfter, sent)) {
        await send("error", { error: { type: "overloaded_error", message: "Overloaded", ...s.streamError } });
        await w.end();
        return false;
      }
      if (hit(s.dieAfter, sent)) {
        onKill();
        await w.kill();
        return false;
      }
      if (hit(s.truncateAfter, sent)) {
        await w.end();
        return false;
      }
      if (s.itlMs && sent > 0) {
        if (!(await w.flush())) return false;
        await sleep(s.itlMs, signal);
      }
      return !w.closed;
    };

    if (s.comments && !(await w.comment("keep-alive"))) return;
    const start = { id: a.id, type: "message", role: "assistant", model: a.model, content: [], stop_reason: null, stop_sequence: null };
    if (!(await send("message_start", { message: { ...start, usage: { ...usage, output_tokens: 1 } } }))) return;
    for (const [index, b] of blocks.entries()) {
      if (!(await send("content_block_start", { index, content_block: b.start }))) return;
      if (index === 0 && !(await send("ping"))) return;
      for (const delta of b.deltas) {
        if (!(await beforeDelta())) return;
        if (!(await send("content_block_delta", { index, delta }))) return;
        sent++;
        if (s.comments) {
          if (!(await w.comment("keep-alive")) || !(await send("ping"))) return;
          if (delta["type"] === "text_delta" && !(await send("content_block_delta", { index, delta: { type: "text_delta", text: "" } }))) return;
        }
      }
      if (!(await send("content_block_stop", { index }))) return;
    }
    if (!(await beforeDelta())) return;
    const stop = { stop_reason: a.stopReason, stop_sequence: a.stopReason === "stop_sequence" ? (s.stopSequence ?? null) : null };
    if (!(await send("message_delta", { delta: stop, usage: { output_tokens: usage["output_tokens"] } }))) return;
    if (!(await send("message_stop"))) return;
    await w.end();
  }
}

function messageBody(s: Scenario, body: Json, a: Answer): Json {
  const content: Json[] = [];
  if (s.thinking !== undefined) content.push({ type: "thinking", thinking: s.thinking, signature: "EqQBCgIYAhIM" + randomId("", 32) });
  const text = a.text.join("");
  if (text !== "" || a.tools.length === 0) content.push({ type: "text", text });
  for (const t of a.tools) {
    let input: unknown;
    try {
      input = JSON.parse(t.args);
    } catch {
      input = {};
    }
    content.push({ type: "tool_use", id: t.id, name: t.name, input });
  }
  return {
    id: a.id,
    type: "message",
    role: "assistant",
    model: a.model,
    content,
    stop_reason: a.stopReason,
    stop_sequence: a.stopReason === "stop_sequence" ? (s.stopSequence ?? null) : null,
    usage: usageFor(s, body, deltaCount(planBlocks(a, s))),
  };
}

/** Mirrors the checks real Anthropic makes that a gateway is most likely to trip over; returns its message. */
function validate(body: Json): string | null {
  for (const k of Object.keys(body)) if (!KNOWN_FIELDS.has(k)) return `${k}: Extra inputs are not permitted`;
  for (const k of ["model", "messages", "max_tokens"]) if (body[k] === undefined) return `${k}: Field required`;
  const t = body["temperature"];
  if (typeof t === "number" && (t < 0 || t > 1)) return `temperature: Input should be ${t < 0 ? "greater than or equal to 0" : "less than or equal to 1"}`;
  const messages = body["messages"];
  if (!Array.isArray(messages)) return "messages: Input should be a valid list";
  let pendingToolUse: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || (m["role"] !== "user" && m["role"] !== "assistant")) return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const c = m["content"];
    const blocks: Json[] = typeof c === "string" ? [{ type: "text", text: c }] : Array.isArray(c) ? c.filter(isRecord) : [];
    if (blocks.length === 0 || (typeof c === "string" && c === "" && i < messages.length - 1)) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    if (Array.isArray(c) && blocks.some((b) => b["type"] === "text" && b["text"] === "")) return "messages: text content blocks must be non-empty";
    const results = blocks.filter((b) => b["type"] === "tool_result").map((b) => String(b["tool_use_id"]));
    const stray = results.filter((id) => !pendingToolUse.includes(id));
    if (stray.length > 0) {
      return `messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const missing = pendingToolUse.filter((id) => !results.includes(id));
    if (missing.length > 0) {
      return `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    pendingToolUse = m["role"] === "assistant" ? blocks.filter((b) => b["type"] === "tool_use").map((b) => String(b["id"])) : [];
  }
  return null;
}

function baseHeaders(extra?: Record<string, string>): Record<string, string> {
  return { "request-id": randomId("req_011C", 20), "anthropic-organization-id": "00000000-0000-4000-8000-000000000000", ...extra };
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers?: Record<string, string>): void {
  sendBody(res, status, payload, baseHeaders(headers));
}

export async function startFakeAnthropic(opts?: FakeAnthropicOptions): Promise<FakeAnthropic> {
  return new FakeAnthropic(opts).listen();
}
