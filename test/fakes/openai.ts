import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { SseWriter, asciiJson, chunkString, isRecord, randomId, readJsonBody, sendBody, sleep, splitWords, waitUntil } from "./sse.js";
import type { SseWireOptions } from "./sse.js";

type Json = Record<string, unknown>;

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface OpenAIErrorObject { message: string; type: string; param: string | null; code: string | null }

export interface FakeToolCall {
  /** Defaults to a random `call_…` id. */
  id?: string;
  name: string;
  /** Objects are JSON-encoded; strings go out verbatim (so tests can send broken JSON). */
  arguments: string | Json;
}

export interface FakeUsage {
  /** Default: the request's `messages` JSON length / 4. */
  promptTokens?: number;
  /** Default: the number of streamed deltas (content + tool-call chunks). */
  completionTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** Everything one answer can do. All fields optional; unset fields fall back to a plain success. */
export interface Scenario extends SseWireOptions {
  content?: string;
  /** Exact content deltas; overrides the default word split of `content`. */
  tokens?: string[];
  toolCalls?: FakeToolCall[];
  /** Size of each streamed `function.arguments` fragment (default 4 chars). */
  argChunkSize?: number;
  finishReason?: FinishReason;
  usage?: FakeUsage;
  /** Echoed model; defaults to the request's `model`. */
  model?: string;
  /** Fixed id/created/fingerprint make the wire bytes deterministic for golden comparisons. */
  id?: string;
  created?: number;
  systemFingerprint?: string | null;
  /** SSE comment lines plus empty `delta:{}` chunks between the real ones. */
  comments?: boolean;
  /** Never send usage, even when `stream_options.include_usage` asks for it. */
  noUsage?: boolean;
  /** After n deltas, send an in-stream `data: {"error":…}` and end without `[DONE]`. */
  errorAfter?: number;
  streamError?: Partial<OpenAIErrorObject>;
  /** After n deltas (stream) or before answering (non-stream), destroy the socket. */
  dieAfter?: number;
  /** After n deltas, end the response cleanly with neither a finish_reason nor `[DONE]`. */
  truncateAfter?: number;
  /** Before response headers. */
  delayMs?: number;
  /** Between deltas. */
  itlMs?: number;
  /** An HTTP status >= 400 answers with OpenAI's error JSON instead of a completion. */
  status?: number;
  /** Merged over the default error for `status`; a string is sent raw (e.g. a proxy's HTML page). */
  errorBody?: Partial<OpenAIErrorObject> | string;
  /** Extra response headers on any answer, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  /** Accept the request and never answer (until the client leaves or the fake closes). */
  hang?: boolean;
}

export type ScenarioSource = Scenario | ((req: ReceivedRequest) => Scenario);

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query string without `?` (Azure's `api-version`); empty when none. */
  query: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; null when empty or not JSON. */
  body: Json | null;
  rawBody: string;
  /** The scenario this request was answered with (after header/queue resolution). */
  scenario: Scenario;
}

export interface FakeOpenAIOptions {
  /** When set, requests must carry `authorization: Bearer <apiKey>` (or Azure's `api-key: <apiKey>`). */
  apiKey?: string;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
  scenario?: ScenarioSource;
}

const DEFAULT_CONTENT = "Hello from the fake OpenAI upstream.";
const DEFAULT_MODELS = ["gpt-4o", "gpt-4o-mini"];
export const SCENARIO_HEADER = "x-fake-scenario";

/** Header carrying a per-request scenario; non-ASCII is \u-escaped because header values must be Latin-1. */
export function scenarioHeader(s: Scenario): Record<string, string> {
  return { [SCENARIO_HEADER]: asciiJson(s) };
}

const STATUS_ERRORS: Record<number, OpenAIErrorObject> = {
  400: { message: "Invalid request.", type: "invalid_request_error", param: null, code: null },
  401: { message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
  403: { message: "Country, region, or territory not supported", type: "request_forbidden", param: null, code: "unsupported_country_region_territory" },
  404: { message: "The model does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" },
  429: { message: "Rate limit reached for requests. Please try again in 1s.", type: "requests", param: null, code: "rate_limit_exceeded" },
  500: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null },
  503: { message: "The engine is currently overloaded, please try again later.", type: "server_error", param: null, code: null },
};

function errorFor(status: number, override?: Partial<OpenAIErrorObject>): { error: OpenAIErrorObject } {
  const base = STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500] : STATUS_ERRORS[400]);
  return { error: { ...(base as OpenAIErrorObject), ...override } };
}

interface Answer {
  id: string;
  created: number;
  model: string;
  fingerprint: string | null;
  tokens: string[];
  tools: { id: string; name: string; args: string }[];
  finishReason: FinishReason;
}

function planAnswer(s: Scenario, body: Json): Answer {
  const tools = (s.toolCalls ?? []).map((t) => ({
    id: t.id ?? randomId("call_", 24),
    name: t.name,
    args: typeof t.arguments === "string" ? t.arguments : JSON.stringify(t.arguments),
  }));
  const content = s.content ?? (tools.length > 0 ? "" : DEFAULT_CONTENT);
  return {
    id: s.id ?? randomId("chatcmpl-", 29),
    created: s.created ?? Math.floor(Date.now() / 1000),
    model: s.model ?? (typeof body["model"] === "string" ? body["model"] : "gpt-4o"),
    fingerprint: s.systemFingerprint === undefined ? "fp_" + randomBytes(5).toString("hex") : s.systemFingerprint,
    tokens: s.tokens ?? splitWords(content),
    tools,
    finishReason: s.finishReason ?? (tools.length > 0 ? "tool_calls" : "stop"),
  };
}

function streamDeltas(a: Answer, s: Scenario): { first: Json; deltas: Json[] } {
  const deltas: Json[] = a.tokens.map((t) => ({ content: t }));
  let first: Json = { role: "assistant", content: "", refusal: null };
  a.tools.forEach((t, index) => {
    const head = { index, id: t.id, type: "function", function: { name: t.name, arguments: "" } };
    // OpenAI folds the first tool call into the role chunk when there is no text at all.
    if (index === 0 && a.tokens.length === 0) first = { role: "assistant", content: null, tool_calls: [head], refusal: null };
    else deltas.push({ tool_calls: [head] });
    for (const frag of chunkString(t.args, s.argChunkSize ?? 4)) {
      deltas.push({ tool_calls: [{ index, function: { arguments: frag } }] });
    }
  });
  return { first, deltas };
}

function usageFor(s: Scenario, body: Json, completionDefault: number): Json {
  const prompt = s.usage?.promptTokens ?? Math.max(1, Math.ceil(JSON.stringify(body["messages"] ?? "").length / 4));
  const completion = s.usage?.completionTokens ?? completionDefault;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: s.usage?.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: s.usage?.reasoningTokens ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** OpenAI's path, and Azure's deployment-addressed one (`/openai/deployments/{deployment}/chat/completions`). */
function isChatPath(path: string): boolean {
  return path === "/v1/chat/completions" || /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path);
}

export class FakeOpenAI {
  url = "";
  readonly requests: ReceivedRequest[] = [];
  /** Streaming responses whose client disconnected before the stream finished. */
  aborted = 0;
  /** Any response (stream or not, including hangs) whose client disconnected before it finished. */
  disconnects = 0;
  /** Streams currently being written. */
  active = 0;
  private scenario: ScenarioSource;
  private readonly queue: Scenario[] = [];
  private closing = false;
  private readonly server: Server;

  constructor(private readonly opts: FakeOpenAIOptions = {}) {
    this.scenario = opts.scenario ?? {};
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // A bug in the fake must fail loudly in the test, not look like an upstream quirk.
        console.error("fake-openai handler crashed", err);
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

  /** Default answer for every following request (a function can vary it per request). */
  setScenario(s: ScenarioSource): void {
    this.scenario = s;
  }

  /** One-shot scenarios, consumed in order before the default: e.g. a 429 and then a success. */
  enqueue(...s: Scenario[]): void {
    this.queue.push(...s);
  }

  /** Back to a plain success with all recordings cleared; meant for `afterEach`. */
  reset(): void {
    this.scenario = this.opts.scenario ?? {};
    this.queue.length = 0;
    this.requests.length = 0;
    this.aborted = 0;
    this.disconnects = 0;
  }

  waitFor(predicate: (fake: FakeOpenAI) => boolean, timeoutMs = 2000): Promise<void> {
    return waitUntil(() => predicate(this), timeoutMs, "fake-openai");
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
    if (read === null) return; // client vanished mid-upload; the close listener already counted it
    const { rawBody, body } = read;
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const method = req.method ?? "GET";

    let scenario: Scenario;
    try {
      scenario = this.resolveScenario(req, { method, path, query, headers: req.headers, body, rawBody, scenario: {} });
    } catch (e) {
      const message = `invalid ${SCENARIO_HEADER} header: ${e instanceof Error ? e.message : String(e)}`;
      return sendJson(res, 400, errorFor(400, { message }));
    }
    this.requests.push({ method, path, query, headers: req.headers, body, rawBody, scenario });
    state.stream = method === "POST" && isChatPath(path) && body?.["stream"] === true;

    const azureKey = req.headers["api-key"];
    const auth = this.checkAuth(typeof azureKey === "string" ? `Bearer ${azureKey}` : req.headers.authorization);
    if (auth) return sendJson(res, 401, auth, scenario.headers);

    if (method === "GET" && path === "/v1/models") {
      const data = (this.opts.models ?? DEFAULT_MODELS).map((id) => ({ id, object: "model", created: 1715367049, owned_by: "system" }));
      return sendJson(res, 200, { object: "list", data }, scenario.headers);
    }
    if (path.startsWith("/openai/") && !new URLSearchParams(query).has("api-version")) {
      return sendJson(res, 404, { error: { code: "404", message: "Resource not found" } });
    }
    if (method !== "POST" || !isChatPath(path)) {
      return sendJson(res, 404, errorFor(404, { message: `Invalid URL (${method} ${path})`, code: null }));
    }
    if (body === null) {
      const message = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)";
      return sendJson(res, 400, errorFor(400, { message }));
    }
    const invalid = validate(body);
    if (invalid) return sendJson(res, 400, { error: invalid });

    if (scenario.hang) return; // the socket stays open until the client or close() ends it
    if (scenario.delayMs) await sleep(scenario.delayMs, ac.signal);
    if (ac.signal.aborted) return;
    if (scenario.status !== undefined && scenario.status >= 400) {
      const err = typeof scenario.errorBody === "string" ? scenario.errorBody : errorFor(scenario.status, scenario.errorBody);
      return sendJson(res, scenario.status, err, scenario.headers);
    }
    if (!state.stream && scenario.dieAfter !== undefined) {
      state.selfKilled = true;
      res.destroy();
      return;
    }
    const answer = planAnswer(scenario, body);
    if (!state.stream) {
      return sendJson(res, scenario.status ?? 200, completionBody(scenario, body, answer), scenario.headers);
    }
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
    const queued = isChatPath(received.path) ? this.queue.shift() : undefined;
    // Per-request header wins so concurrent tests can share one server without a race on setScenario.
    return { ...base, ...queued, ...(fromHeader as Scenario) };
  }

  private checkAuth(header: string | undefined): { error: OpenAIErrorObject } | null {
    const key = this.opts.apiKey;
    if (key === undefined || header === `Bearer ${key}`) return null;
    if (header === undefined) {
      const message =
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";
      return errorFor(401, { message, code: null });
    }
    return errorFor(401);
  }

  private async stream(res: ServerResponse, s: Scenario, body: Json, a: Answer, signal: AbortSignal, onKill: () => void): Promise<void> {
    const w = new SseWriter(res, s);
    w.start(200, baseHeaders(s.headers));
    const so = body["stream_options"];
    const includeUsage = isRecord(so) && so["include_usage"] === true && !s.noUsage;
    const chunk = (choices: unknown[], usage: unknown = null): Json => ({
      id: a.id,
      object: "chat.completion.chunk",
      created: a.created,
      model: a.model,
      service_tier: "default",
      system_fingerprint: a.fingerprint,
      choices,
      ...(includeUsage ? { usage } : {}),
    });
    const choice = (delta: Json, finish: FinishReason | null = null): unknown[] => [{ index: 0, delta, logprobs: null, finish_reason: finish }];

    const { first, deltas } = streamDeltas(a, s);
    if (s.comments && !(await w.comment("keep-alive"))) return;
    if (!(await w.data(chunk(choice(first))))) return;
    for (let i = 0; i <= deltas.length; i++) {
      // Counts past the end still fire, just before the finish chunk.
      const hit = (n: number | undefined): boolean => n !== undefined && Math.min(n, deltas.length) === i;
      if (hit(s.errorAfter)) {
        await w.data({ error: { ...errorFor(500).error, ...s.streamError } });
        return w.end();
      }
      if (hit(s.dieAfter)) {
        onKill();
        return w.kill();
      }
      if (hit(s.truncateAfter)) return w.end();
      const delta = deltas[i];
      if (delta === undefined) break;
      if (s.itlMs && i > 0) {
        if (!(await w.flush())) return;
        await sleep(s.itlMs, signal);
      }
      if (!(await w.data(chunk(choice(delta))))) return;
      if (s.comments) {
        if (!(await w.comment("keep-alive"))) return;
        if (!(await w.data(chunk(choice({}))))) return;
      }
    }
    if (!(await w.data(chunk(choice({}, a.finishReason))))) return;
    if (includeUsage) {
      const usage = usageFor(s, body, deltas.length);
      if (!(await w.data(chunk([], usage)))) return;
    }
    if (!(await w.data("[DONE]"))) return;
    await w.end();
  }
}

function completionBody(s: Scenario, body: Json, a: Answer): Json {
  const content = a.tokens.join("");
  const message: Json = { role: "assistant", content: content === "" && a.tools.length > 0 ? null : content, refusal: null, annotations: [] };
  if (a.tools.length > 0) message["tool_calls"] = a.tools.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.args } }));
  return {
    id: a.id,
    object: "chat.completion",
    created: a.created,
    model: a.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.finishReason }],
    usage: usageFor(s, body, streamDeltas(a, s).deltas.length),
    service_tier: "default",
    system_fingerprint: a.fingerprint,
  };
}

/** Mirrors the checks real OpenAI makes that a gateway is most likely to trip over. */
function validate(body: Json): OpenAIErrorObject | null {
  for (const param of ["model", "messages"]) {
    if (body[param] === undefined) {
      return { message: `Missing required parameter: '${param}'.`, type: "invalid_request_error", param, code: "missing_required_parameter" };
    }
  }
  if (!Array.isArray(body["messages"])) {
    return { message: "Invalid type for 'messages': expected an array.", type: "invalid_request_error", param: "messages", code: "invalid_type" };
  }
  if (body["stream_options"] != null && body["stream"] !== true) {
    const message = "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
    return { message, type: "invalid_request_error", param: "stream_options", code: null };
  }
  return null;
}

function baseHeaders(extra?: Record<string, string>): Record<string, string> {
  return { "x-request-id": randomId("req_", 32), "openai-version": "2020-10-01", "openai-processing-ms": "12", ...extra };
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers?: Record<string, string>): void {
  sendBody(res, status, payload, baseHeaders(headers));
}

export async function startFakeOpenAI(opts?: FakeOpenAIOptions): Promise<FakeOpenAI> {
  return new FakeOpenAI(opts).listen();
}
