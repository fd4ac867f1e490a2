import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { SseWriter, asciiJson, isRecord, randomId, readJsonBody, sendBody, sleep, splitWords, waitUntil } from "./sse.js";
import type { SseWireOptions } from "./sse.js";

type Json = Record<string, unknown>;

/** Gemini's own finish reasons (a function call ends with STOP too). */
export type FinishReason =
  | "STOP" | "MAX_TOKENS" | "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII"
  | "IMAGE_SAFETY" | "MALFORMED_FUNCTION_CALL" | "LANGUAGE" | "OTHER";

/** google.rpc.Status, the body of every Google API error. */
export interface GoogleErrorObject { code: number; message: string; status: string; details?: Json[] }

export interface FakeToolCall {
  /**
   * Sent as `functionCall.id` only when set: the field is in Google's schema, but the Gemini API
   * leaves it out in practice (Vertex and the Live API fill it), so by default calls carry no id.
   */
  id?: string;
  name: string;
  /** `functionCall.args` is always an object on the wire; strings must hold a JSON object. */
  arguments: string | Json;
}

/** Same names as the OpenAI fake, so one contract suite can drive both. */
export interface FakeUsage {
  /** Default: the request's `contents` JSON length / 4. */
  promptTokens?: number;
  /** All output, thoughts included (as OpenAI counts it); sent as candidatesTokenCount + thoughtsTokenCount. */
  completionTokens?: number;
  cachedTokens?: number;
  /** Sent as thoughtsTokenCount. */
  reasoningTokens?: number;
}

/** Everything one answer can do. All fields optional; unset fields fall back to a plain success. */
export interface Scenario extends SseWireOptions {
  content?: string;
  /** Exact text chunks; overrides the default word split of `content`. */
  tokens?: string[];
  /** Thought-summary parts (`thought: true`) streamed before the answer. */
  thoughts?: string[];
  toolCalls?: FakeToolCall[];
  finishReason?: FinishReason;
  usage?: FakeUsage;
  /** `modelVersion`; defaults to the model in the URL. */
  model?: string;
  /** `responseId`. */
  id?: string;
  /** SSE comment lines between the chunks (Gemini sends none; parsers must still cope). */
  comments?: boolean;
  /** Leave `usageMetadata` out of every chunk. */
  noUsage?: boolean;
  /** After n chunks, send an in-stream `data: {"error":…}` and end without a finishReason. */
  errorAfter?: number;
  streamError?: Partial<GoogleErrorObject>;
  /** After n chunks (stream) or before answering (non-stream), destroy the socket. */
  dieAfter?: number;
  /** After n chunks, end the response cleanly without any chunk carrying a finishReason. */
  truncateAfter?: number;
  /** Before response headers. */
  delayMs?: number;
  /** Between chunks. */
  itlMs?: number;
  /** An HTTP status >= 400 answers with Google's error JSON instead of a response. */
  status?: number;
  /** Merged over the default error for `status`; a string is sent raw (e.g. a proxy's HTML page). */
  errorBody?: Partial<GoogleErrorObject> | string;
  /** Extra response headers on any answer, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
  /** Accept the request and never answer (until the client leaves or the fake closes). */
  hang?: boolean;
  /** Block the prompt: `promptFeedback.blockReason` (e.g. "SAFETY") and no candidates, status 200. */
  blockReason?: string;
}

export type ScenarioSource = Scenario | ((req: ReceivedRequest) => Scenario);

export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query string without `?` (`alt=sse`); tests check that no key leaks into it. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Json | null;
  rawBody: string;
  scenario: Scenario;
}

export interface FakeGeminiOptions {
  /** When set, requests must carry `x-goog-api-key: <apiKey>` (or `?key=`, which Google also takes). */
  apiKey?: string;
  /** When set, any other model answers 404 NOT_FOUND. */
  models?: string[];
  scenario?: ScenarioSource;
}

const DEFAULT_CONTENT = "Hello from the fake Gemini upstream.";
export const SCENARIO_HEADER = "x-fake-scenario";

export function scenarioHeader(s: Scenario): Record<string, string> {
  return { [SCENARIO_HEADER]: asciiJson(s) };
}

const STATUS_ERRORS: Record<number, Omit<GoogleErrorObject, "code">> = {
  400: { message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" },
  401: { message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", status: "UNAUTHENTICATED" },
  403: { message: "The caller does not have permission", status: "PERMISSION_DENIED" },
  404: { message: "Requested entity was not found.", status: "NOT_FOUND" },
  429: {
    message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    status: "RESOURCE_EXHAUSTED",
    details: [
      { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", quotaValue: "10" }] },
      { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "12s" },
    ],
  },
  500: { message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", status: "INTERNAL" },
  503: { message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" },
  504: { message: "The request timed out. Please try again.", status: "DEADLINE_EXCEEDED" },
};

export function errorFor(status: number, override?: Partial<GoogleErrorObject>): { error: GoogleErrorObject } {
  const base = STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500] : STATUS_ERRORS[400]);
  return { error: { code: status, ...(base as Omit<GoogleErrorObject, "code">), ...override } };
}

/** Google's streamed JSON style: `{"a": 1,"b": [2]}`, a space after colons only. */
function googleJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(googleJson).join(",")}]`;
  if (isRecord(v)) return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${googleJson(x)}`).join(",")}}`;
  return JSON.stringify(v);
}

interface Answer {
  responseId: string;
  model: string;
  /** One parts array per streamed chunk, in order: thoughts, text, calls. */
  events: Json[][];
  answerEvents: number;
  finishReason: FinishReason;
}

function planAnswer(s: Scenario, model: string): Answer {
  const calls = (s.toolCalls ?? []).map((t, i) => {
    const args: unknown = typeof t.arguments === "string" ? JSON.parse(t.arguments) : t.arguments;
    if (!isRecord(args)) throw new Error(`fake-gemini: tool call ${t.name} arguments must be a JSON object`);
    // Thinking models sign the first call of a step; clients must replay the signature.
    return [{ functionCall: { ...(t.id ? { id: t.id } : {}), name: t.name, args }, ...(i === 0 ? { thoughtSignature: randomBytes(48).toString("base64") } : {}) }];
  });
  const content = s.content ?? (calls.length > 0 ? "" : DEFAULT_CONTENT);
  const text = (s.tokens ?? splitWords(content)).map((t) => [{ text: t }]);
  return {
    responseId: s.id ?? randomId("", 22),
    model: s.model ?? model,
    events: [...(s.thoughts ?? []).map((t) => [{ text: t, thought: true }]), ...text, ...calls],
    answerEvents: text.length + calls.length,
    finishReason: s.finishReason ?? "STOP",
  };
}

function promptTokens(s: Scenario, body: Json): number {
  return s.usage?.promptTokens ?? Math.max(1, Math.ceil(JSON.stringify(body["contents"] ?? "").length / 4));
}

function usageFor(s: Scenario, body: Json, a: Answer, final: boolean): Json {
  const prompt = promptTokens(s, body);
  const thoughts = s.usage?.reasoningTokens ?? (s.thoughts?.length ? s.thoughts.length * 8 : 0);
  const candidates = Math.max(0, (s.usage?.completionTokens ?? a.answerEvents + thoughts) - thoughts);
  const cached = s.usage?.cachedTokens ?? 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: final ? candidates : undefined,
    totalTokenCount: prompt + thoughts + (final ? candidates : 0),
    cachedContentTokenCount: cached > 0 ? cached : undefined,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    cacheTokensDetails: cached > 0 ? [{ modality: "TEXT", tokenCount: cached }] : undefined,
    candidatesTokensDetails: final ? [{ modality: "TEXT", tokenCount: candidates }] : undefined,
    thoughtsTokenCount: thoughts > 0 ? thoughts : undefined,
  };
}

const ROUTE = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export class FakeGemini {
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

  constructor(private readonly opts: FakeGeminiOptions = {}) {
    this.scenario = opts.scenario ?? {};
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error("fake-gemini handler crashed", err);
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
    this.url = `http://127.0.0.1:${port}/v1beta`;
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

  waitFor(predicate: (fake: FakeGemini) => boolean, timeoutMs = 2000): Promise<void> {
    return waitUntil(() => predicate(this), timeoutMs, "fake-gemini");
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
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const params = new URLSearchParams(query);
    const method = req.method ?? "GET";
    const route = method === "POST" ? ROUTE.exec(path) : null;
    const received: ReceivedRequest = { method, path, query, headers: req.headers, ...read, scenario: {} };
    try {
      received.scenario = this.resolveScenario(req, received, route !== null);
    } catch (e) {
      return sendGoogle(res, 400, errorFor(400, { message: `invalid ${SCENARIO_HEADER} header: ${String(e)}` }));
    }
    const { scenario, body } = received;
    this.requests.push(received);
    state.stream = route?.[2] === "streamGenerateContent";
    const auth = this.checkAuth(req.headers["x-goog-api-key"] ?? params.get("key") ?? undefined);
    if (auth) return sendGoogle(res, auth.error.code, auth, scenario.headers);
    const model = decodeURIComponent(route?.[1] ?? "");
    if (!route) return sendBody(res, 404, `<!DOCTYPE html><title>Error 404 (Not Found)!!1</title><p>The requested URL <code>${path}</code> was not found on this server.`);
    if (this.opts.models && !this.opts.models.includes(model)) {
      const message = `models/${model} is not found for API version v1beta, or is not supported for ${route[2]}. Call ListModels to see the list of available models and their supported methods.`;
      return sendGoogle(res, 404, errorFor(404, { message }));
    }
    if (body === null) return sendGoogle(res, 400, errorFor(400, { message: "Invalid JSON payload received. Unexpected token." }));
    const invalid = validate(body, model);
    if (invalid) return sendGoogle(res, 400, errorFor(400, { message: invalid }));

    if (scenario.hang) return;
    if (scenario.delayMs) await sleep(scenario.delayMs, ac.signal);
    if (ac.signal.aborted) return;
    if (scenario.status !== undefined && scenario.status >= 400) {
      if (typeof scenario.errorBody === "string") return sendBody(res, scenario.status, scenario.errorBody, scenario.headers);
      return sendGoogle(res, scenario.status, errorFor(scenario.status, scenario.errorBody), scenario.headers);
    }
    if (!state.stream && scenario.dieAfter !== undefined) {
      state.selfKilled = true;
      res.destroy();
      return;
    }
    const answer = planAnswer(scenario, model);
    if (!state.stream) return sendGoogle(res, 200, responseBody(scenario, body, answer), scenario.headers);
    // Without alt=sse Google streams one JSON array; nobody should rely on it, so it comes whole.
    if (params.get("alt") !== "sse") return sendGoogle(res, 200, [responseBody(scenario, body, answer)], scenario.headers);
    this.active++;
    try {
      await this.stream(res, scenario, body, answer, ac.signal, () => (state.selfKilled = true));
    } finally {
      this.active--;
    }
  }

  private resolveScenario(req: IncomingMessage, received: ReceivedRequest, generate: boolean): Scenario {
    const header = req.headers[SCENARIO_HEADER];
    const fromHeader: unknown = typeof header === "string" ? JSON.parse(header) : {};
    if (!isRecord(fromHeader)) throw new Error("expected a JSON object");
    const base = typeof this.scenario === "function" ? this.scenario(received) : this.scenario;
    const queued = generate ? this.queue.shift() : undefined;
    return { ...base, ...queued, ...(fromHeader as Scenario) };
  }

  private checkAuth(key: string | string[] | undefined): { error: GoogleErrorObject } | null {
    if (this.opts.apiKey === undefined || key === this.opts.apiKey) return null;
    if (key === undefined) {
      const message = "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
      return errorFor(403, { message });
    }
    const reason = { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } };
    return errorFor(400, { message: "API key not valid. Please pass a valid API key.", details: [reason] });
  }

  private async stream(res: ServerResponse, s: Scenario, body: Json, a: Answer, signal: AbortSignal, onKill: () => void): Promise<void> {
    const w = new SseWriter(res, { ...s, crlf: s.crlf ?? true });
    w.start(200, baseHeaders({ "content-type": "text/event-stream", "content-disposition": "attachment", ...s.headers }));
    const send = (v: Json): Promise<boolean> => w.data(googleJson(v));
    if (s.blockReason !== undefined) {
      if (await send(blockedBody(s, body, a))) await w.end();
      return;
    }
    const n = a.events.length;
    // With a fault planned (even past the end) no chunk carries a finishReason.
    const finishes = s.errorAfter === undefined && s.dieAfter === undefined && s.truncateAfter === undefined;
    for (let i = 0; i <= n; i++) {
      const hit = (k: number | undefined): boolean => k !== undefined && Math.min(k, n) === i;
      if (hit(s.errorAfter)) {
        if (await send({ error: { ...errorFor(503).error, ...s.streamError } })) await w.end();
        return;
      }
      if (hit(s.dieAfter)) {
        onKill();
        return w.kill();
      }
      if (hit(s.truncateAfter)) return w.end();
      const parts = a.events[i] ?? (n === 0 ? [{ text: "" }] : undefined);
      if (parts === undefined) break;
      if (s.itlMs && i > 0) {
        if (!(await w.flush())) return;
        await sleep(s.itlMs, signal);
      }
      const last = finishes && i >= n - 1;
      const candidate: Json = { content: { parts, role: "model" }, finishReason: last ? a.finishReason : undefined, index: 0 };
      const usage = s.noUsage ? undefined : usageFor(s, body, a, last);
      if (!(await send({ candidates: [candidate], usageMetadata: usage, modelVersion: a.model, responseId: a.responseId }))) return;
      if (s.comments && !(await w.comment("keep-alive"))) return;
      if (last) break;
    }
    await w.end();
  }
}

function blockedBody(s: Scenario, body: Json, a: Answer): Json {
  const prompt = promptTokens(s, body);
  const safetyRatings = [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }];
  const usageMetadata = s.noUsage ? undefined : { promptTokenCount: prompt, totalTokenCount: prompt };
  return { promptFeedback: { blockReason: s.blockReason, safetyRatings }, usageMetadata, modelVersion: a.model, responseId: a.responseId };
}

function responseBody(s: Scenario, body: Json, a: Answer): Json {
  if (s.blockReason !== undefined) return blockedBody(s, body, a);
  // Unstreamed, Google joins the text into one part.
  const all = a.events.flat();
  const text = all.filter((p) => typeof p["text"] === "string" && !p["thought"]).map((p) => String(p["text"])).join("");
  const parts = [...all.filter((p) => p["thought"]), ...(text ? [{ text }] : []), ...all.filter((p) => p["functionCall"])];
  return {
    candidates: [{ content: parts.length > 0 ? { parts, role: "model" } : undefined, finishReason: a.finishReason, index: 0 }],
    usageMetadata: s.noUsage ? undefined : usageFor(s, body, a, true),
    modelVersion: a.model,
    responseId: a.responseId,
  };
}

// Gemini parses requests as protobuf JSON: an unknown field anywhere is a 400, which is exactly the
// mistake an adapter makes. These are the fields of the v1beta messages a gateway sends.
const KNOWN: Record<string, string> = {
  request: "contents systemInstruction generationConfig tools toolConfig safetySettings cachedContent",
  generationConfig:
    "stopSequences responseMimeType responseSchema responseJsonSchema candidateCount maxOutputTokens temperature topP topK seed presencePenalty " +
    "frequencyPenalty responseLogprobs logprobs thinkingConfig mediaResolution responseModalities",
  content: "role parts",
  part: "text inlineData fileData functionCall functionResponse thought thoughtSignature executableCode codeExecutionResult videoMetadata",
  tool: "functionDeclarations googleSearch codeExecution urlContext",
  functionDeclaration: "name description parameters parametersJsonSchema response responseJsonSchema behavior",
  schema:
    "type format title description nullable enum maxItems minItems properties required minProperties maxProperties minLength maxLength pattern " +
    "example anyOf propertyOrdering default items minimum maximum",
};

function unknownField(v: unknown, kind: string, at: string): string | null {
  if (!isRecord(v)) return null;
  const known = (KNOWN[kind] ?? "").split(" ");
  const bad = Object.keys(v).find((k) => !known.includes(k));
  if (bad === undefined) return null;
  return `Invalid JSON payload received. Unknown name "${bad}"${at ? ` at '${at}'` : ""}: Cannot find field.`;
}

/** The OpenAPI-subset `Schema` behind `parameters`: the source of most "Unknown name" 400s from Gemini. */
function schemaError(v: unknown, at: string): string | null {
  if (!isRecord(v)) return null;
  const props = isRecord(v["properties"]) ? Object.entries(v["properties"]) : [];
  const empty = String(v["type"]).toUpperCase() === "OBJECT" && props.length === 0;
  const nested = [...props.map(([k, p]) => schemaError(p, `${at}.properties[${k}].value`)), schemaError(v["items"], `${at}.items`)];
  return unknownField(v, "schema", at) ?? (empty ? `* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type\n` : null) ?? nested.find((e) => e) ?? null;
}

/** The checks real Gemini makes that a gateway is most likely to trip over, with its messages. */
function validate(body: Json, model: string): string | null {
  const top = unknownField(body, "request", "");
  if (top) return top;
  const gen = unknownField(body["generationConfig"], "generationConfig", "generation_config");
  if (gen) return gen;
  const contents = body["contents"];
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified\n";
  for (const [i, c] of contents.entries()) {
    const bad = unknownField(c, "content", `contents[${i}]`);
    if (bad) return bad;
    if (!isRecord(c) || (c["role"] !== "user" && c["role"] !== "model")) return "Please use a valid role: user, model.";
    const parts = c["parts"];
    if (!Array.isArray(parts) || parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`;
    for (const [j, p] of parts.entries()) {
      const badPart = unknownField(p, "part", `contents[${i}].parts[${j}]`);
      if (badPart) return badPart;
      // proto3: an empty string is "unset", so `{text: ""}` carries no data at all.
      const hasData = isRecord(p) && Object.entries(p).some(([k, x]) => k !== "thought" && k !== "thoughtSignature" && x !== "" && x != null);
      if (!hasData) return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field\n`;
    }
    // Gemini 3 wants the signature it issued back on the first call of every replayed step.
    const call: unknown = parts.find((p) => isRecord(p) && p["functionCall"] !== undefined);
    if (model.startsWith("gemini-3") && isRecord(call) && !call["thoughtSignature"]) {
      const name = String((call["functionCall"] as Json)["name"]);
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  for (const [i, t] of (Array.isArray(body["tools"]) ? body["tools"] : []).entries()) {
    const bad = unknownField(t, "tool", `tools[${i}]`);
    if (bad) return bad;
    const decls: unknown = isRecord(t) ? t["functionDeclarations"] : undefined;
    for (const [j, d] of (Array.isArray(decls) ? decls : []).entries()) {
      const at = `tools[${i}].function_declarations[${j}]`;
      const e = unknownField(d, "functionDeclaration", at) ?? (isRecord(d) && d["parameters"] !== undefined ? schemaError(d["parameters"], `${at}.parameters`) : null);
      if (e) return e;
    }
  }
  return null;
}

function baseHeaders(extra?: Record<string, string>): Record<string, string> {
  return { server: "scaffolding on HTTPServer2", vary: "Origin, X-Origin, Referer", "x-content-type-options": "nosniff", "server-timing": "gfet4t7; dur=42", ...extra };
}

/** Google pretty-prints its non-streamed JSON with two-space indentation. */
function sendGoogle(res: ServerResponse, status: number, payload: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(payload, null, 2);
  res.writeHead(status, { ...baseHeaders(headers), "content-type": "application/json; charset=UTF-8", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function startFakeGemini(opts?: FakeGeminiOptions): Promise<FakeGemini> {
  return new FakeGemini(opts).listen();
}
