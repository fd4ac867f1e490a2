import { describe, it, expect, beforeAll, afterAll, afterEach } from "vitest";
import { createParser } from "eventsource-parser";
import { ChatRequest } from "../../src/domain/chat.js";
import type { ChatChunk } from "../../src/domain/chat.js";
import { GatewayError } from "../../src/domain/errors.js";
import { ChunkAccumulator } from "../../src/providers/collect.js";
import type { ProviderTarget, ResponseHeaders, SseEvent } from "../../src/providers/contract.js";
import { geminiAdapter } from "../../src/providers/gemini/index.js";
import { SKIP_THOUGHT_SIGNATURE } from "../../src/providers/gemini/map.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { adapterFor } from "../../src/providers/registry.js";
import { errorFor, scenarioHeader, startFakeGemini } from "../fakes/gemini.js";
import type { FakeGemini, Scenario } from "../fakes/gemini.js";

type Json = Record<string, unknown>;
const KEY = "AIzaSyFakeKeyForTests0123456789abcdefgh";

const target = (over: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: "gemini",
  kind: "gemini",
  baseUrl: "https://generativelanguage.googleapis.com/v1beta",
  apiKey: KEY,
  headers: {},
  upstreamModel: "gemini-2.5-flash",
  ...over,
});

const request = (raw: Json): ChatRequest => ChatRequest.parse({ model: "gemini/gemini-2.5-flash", ...raw });
const user = (content: unknown): Json => ({ role: "user", content });
const body = (raw: Json, t = target()): Json => JSON.parse(geminiAdapter.buildRequest(request(raw), t, false).body) as Json;
const unsupported = (raw: Json): string | null => geminiAdapter.unsupported(request(raw), target());
const noHeaders: ResponseHeaders = { get: () => undefined };
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

describe("gemini request mapping", () => {
  it("is registered, and puts the key in x-goog-api-key and never in the URL", () => {
    expect(adapterFor("gemini")).toBe(geminiAdapter);
    const req = request({ messages: [user("hi")] });
    const plain = geminiAdapter.buildRequest(req, target({ baseUrl: "https://example.test/v1beta/", headers: { "x-extra": "1" } }), false);
    expect(plain.url).toBe("https://example.test/v1beta/models/gemini-2.5-flash:generateContent");
    expect(plain.headers).toMatchObject({ "x-goog-api-key": KEY, "content-type": "application/json", "x-extra": "1" });
    expect(plain.headers["authorization"]).toBeUndefined();
    const stream = geminiAdapter.buildRequest(req, target(), true);
    expect(stream.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(stream.url + stream.body).not.toContain(KEY);
    expect(stream.body).toBe(plain.body);
  });

  it("maps system, roles, merging and generation options", () => {
    const b = body({
      messages: [
        { role: "system", content: "Be brief." },
        user("Hello"),
        user([{ type: "text", text: "again" }, { type: "text", text: "" }]),
        { role: "assistant", content: "Hi!" },
        { role: "system", content: "Answer in French." },
        user(""),
        user("Ça va ?"),
      ],
      maxTokens: 100, temperature: 1.5, topP: 0.9, stop: ["END"], user: "u-1",
    });
    expect(b).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Answer in French." }] },
      contents: [
        { role: "user", parts: [{ text: "Hello" }, { text: "again" }] },
        { role: "model", parts: [{ text: "Hi!" }] },
        { role: "user", parts: [{ text: "Ça va ?" }] },
      ],
      generationConfig: { maxOutputTokens: 100, temperature: 1.5, topP: 0.9, stopSequences: ["END"] },
    });
    expect(unsupported({ messages: [{ role: "system", content: "only me" }] })).toMatch(/at least one non-empty/);
  });

  it("declares tools as JSON Schema and maps every tool choice", () => {
    const weather = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    const tools = [{ name: "get_weather", description: "Weather now", parameters: weather }, { name: "ping" }];
    expect(body({ messages: [user("x")], tools })["tools"]).toEqual([
      { functionDeclarations: [{ name: "get_weather", description: "Weather now", parametersJsonSchema: weather }, { name: "ping" }] },
    ]);
    const config = (toolChoice: unknown): unknown => body({ messages: [user("x")], tools, toolChoice })["toolConfig"];
    expect(config("auto")).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(config("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(config("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(config({ name: "ping" })).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["ping"] } });
    expect(body({ messages: [user("x")] })["toolConfig"]).toBeUndefined();
  });

  it("sends data: images inline, Files API URIs as fileData, and refuses other URLs", () => {
    const img = (url: string, detail?: string): Json => user([{ type: "text", text: "what is it?" }, { type: "image", url, ...(detail ? { detail } : {}) }]);
    expect(body({ messages: [img(`data:image/PNG;base64,${PNG}`, "low")] })).toMatchObject({
      contents: [{ role: "user", parts: [{ text: "what is it?" }, { inlineData: { mimeType: "image/png", data: PNG } }] }],
      generationConfig: { mediaResolution: "MEDIA_RESOLUTION_LOW" },
    });
    const file = "https://generativelanguage.googleapis.com/v1beta/files/abc123";
    expect(body({ messages: [img(file, "auto")] })).toEqual({ contents: [{ role: "user", parts: [{ text: "what is it?" }, { fileData: { fileUri: file } }] }] });
    expect(unsupported({ messages: [img("https://example.com/cat.png")] })).toMatch(/cannot fetch image URLs.*data: URL/);
    expect(unsupported({ messages: [img("data:image/png,rawbytes")] })).toMatch(/base64/);
    expect(unsupported({ messages: [img(`data:image/png;base64,${PNG}`, "low"), img(`data:image/png;base64,${PNG}`, "high")] })).toMatch(/low and high/);
    expect(unsupported({ messages: [{ role: "system", content: [{ type: "image", url: `data:image/png;base64,${PNG}` }] }, user("x")] })).toMatch(/system/);
    expect(() => geminiAdapter.buildRequest(request({ messages: [img("http://x.test/a.png")] }), target(), true)).toThrow(GatewayError);
  });

  it("replays tool calls as functionCall parts and tool results as functionResponse parts", () => {
    const call = (id: string, name: string, args: string): Json => ({ id, name, arguments: args });
    const b = body({
      messages: [
        user("Weather in Paris and Oslo?"),
        { role: "assistant", content: "", toolCalls: [call("call_0", "get_weather", '{"city":"Paris"}'), call("call_1", "get_time", "")] },
        { role: "tool", toolCallId: "call_1", content: "12:00" },
        { role: "tool", toolCallId: "call_0", content: '{"temp":21,"unit":"C"}' },
        { role: "assistant", content: "Checking Oslo.", toolCalls: [call("call_0", "get_forecast", '{"city":"Oslo"}')] },
        { role: "tool", toolCallId: "call_0", content: "[1,2]" },
      ],
    });
    expect(b["contents"]).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris and Oslo?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: SKIP_THOUGHT_SIGNATURE },
          { functionCall: { name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_time", response: { result: "12:00" } } },
          { functionResponse: { name: "get_weather", response: { temp: 21, unit: "C" } } },
        ],
      },
      { role: "model", parts: [{ text: "Checking Oslo." }, { functionCall: { name: "get_forecast", args: { city: "Oslo" } }, thoughtSignature: SKIP_THOUGHT_SIGNATURE }] },
      // The reused id resolves to the latest call, and a non-object result is wrapped.
      { role: "user", parts: [{ functionResponse: { name: "get_forecast", response: { result: "[1,2]" } } }] },
    ]);
    expect(unsupported({ messages: [user("x"), { role: "tool", toolCallId: "nope", content: "1" }] })).toMatch(/"nope" answers no earlier/);
    expect(unsupported({ messages: [user("x"), { role: "tool", toolCallId: "nope", name: "legacy", content: "1" }] })).toBeNull();
    expect(unsupported({ messages: [user("x"), { role: "assistant", content: "", toolCalls: [call("c", "f", "[1]")] }] })).toMatch(/not a JSON object/);
  });

  it("maps both JSON modes", () => {
    const schema = { type: "object", properties: { n: { type: "integer", const: 3 } }, additionalProperties: false };
    expect(body({ messages: [user("x")], responseFormat: { type: "json_object" } })["generationConfig"]).toEqual({ responseMimeType: "application/json" });
    expect(body({ messages: [user("x")], responseFormat: { type: "json_schema", name: "n", schema, strict: true } })["generationConfig"]).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: schema,
    });
    expect(body({ messages: [user("x")], responseFormat: { type: "text" } })["generationConfig"]).toBeUndefined();
  });
});

describe("gemini response parsing", () => {
  const parse = (b: unknown) => geminiAdapter.parseResponse(b, target());

  it("joins answer text, skips thoughts, reads usage with thoughts billed as output", () => {
    const r = parse({
      candidates: [{ content: { parts: [{ text: "Let me think…", thought: true }, { text: "Hello" }, { text: " world" }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 12, cachedContentTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 40, totalTokenCount: 55 },
      modelVersion: "gemini-2.5-flash-001",
      responseId: "abc",
    });
    expect(r).toEqual({
      content: "Hello world",
      toolCalls: [],
      finishReason: "STOP",
      usage: { inputTokens: 12, cachedInputTokens: 8, outputTokens: 43, reasoningTokens: 40 },
      model: "gemini-2.5-flash-001",
    });
  });

  it("turns function calls into tool calls with synthesized ids", () => {
    const r = parse({
      candidates: [{
        content: { parts: [{ functionCall: { name: "a", args: { x: 1 } }, thoughtSignature: "c2ln" }, { functionCall: { name: "b" } }, { functionCall: { id: "fc-7", name: "c", args: {} } }], role: "model" },
        finishReason: "STOP",
      }],
    });
    // An id from upstream (Vertex, Live API) is kept; the Gemini API sends none.
    expect(r.toolCalls).toEqual([{ id: "call_0", name: "a", arguments: '{"x":1}' }, { id: "call_1", name: "b", arguments: "{}" }, { id: "fc-7", name: "c", arguments: "{}" }]);
    expect(r.finishReason).toBe("TOOL_CALLS");
    expect(r.usage).toBeUndefined();
  });

  it("maps finish reasons, a blocked prompt and blocked candidates", () => {
    const finish = (f: string) => parse({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: f }] }).finishReason;
    expect(["MAX_TOKENS", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "MALFORMED_FUNCTION_CALL", "OTHER", "NEW_ONE"].map(finish)).toEqual([
      "LENGTH", "CONTENT_FILTER", "CONTENT_FILTER", "CONTENT_FILTER", "CONTENT_FILTER", "CONTENT_FILTER", "CONTENT_FILTER", "ERROR", "ERROR", "ERROR",
    ]);
    expect(parse({ candidates: [{ finishReason: "SAFETY", index: 0 }] })).toMatchObject({ content: "", finishReason: "CONTENT_FILTER" });
    expect(parse({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 }, modelVersion: "gemini-2.0-flash" })).toEqual({
      content: "",
      toolCalls: [],
      finishReason: "CONTENT_FILTER",
      usage: { inputTokens: 7 },
      model: "gemini-2.0-flash",
    });
    expect(() => parse({ candidates: [] })).toThrow(/no candidates/);
    expect(() => parse("nope")).toThrow(GatewayError);
  });

  it("classifies Google errors, with RetryInfo as the retry delay", () => {
    const classify = (status: number, b: unknown, h: ResponseHeaders = noHeaders) =>
      geminiAdapter.classifyError(status, typeof b === "string" ? b : JSON.stringify(b, null, 2), h, target());
    const limited = classify(429, errorFor(429));
    expect(limited).toMatchObject({ code: "UPSTREAM_ERROR", retryable: true, retryAfterMs: 12_000, upstreamStatus: 429 });
    expect(limited.message).toMatch(/^gemini 429: You exceeded your current quota/);
    expect(limited.details).toMatchObject({ providerStatus: 429, providerCode: "RESOURCE_EXHAUSTED" });
    const header: ResponseHeaders = { get: (n) => (n === "retry-after" ? "3" : undefined) };
    expect(classify(429, errorFor(429), header).retryAfterMs).toBe(3000);
    expect(classify(429, errorFor(429, { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.25s" }] })).retryAfterMs).toBe(250);
    for (const s of [500, 503, 504]) expect(classify(s, errorFor(s))).toMatchObject({ retryable: true, retryAfterMs: undefined });
    for (const s of [400, 403, 404]) expect(classify(s, errorFor(s)).retryable).toBe(false);
    expect(classify(400, errorFor(400, { message: "API key not valid. Please pass a valid API key." })).message).toBe("gemini 400: API key not valid. Please pass a valid API key.");
    expect(classify(502, "<html><body>Bad Gateway</body></html>").retryable).toBe(true);
  });
});

/** Feeds recorded wire bytes through the same SSE parser http.ts uses. */
function decode(raw: string): ChatChunk[] {
  const events: SseEvent[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) }).feed(raw);
  const decoder = geminiAdapter.createStreamDecoder(target());
  return events.flatMap((e) => decoder.onEvent(e));
}
const sse = (...chunks: string[]): string => chunks.map((c) => `data: ${c}\r\n\r\n`).join("");
const accumulate = (chunks: ChatChunk[]) => {
  const acc = new ChunkAccumulator();
  for (const c of chunks) acc.add(c);
  return acc.result();
};

describe("gemini stream decoding (recorded)", () => {
  const details = '"promptTokensDetails": [{"modality": "TEXT","tokenCount": 9}]';
  const head = (usage: string) => `"usageMetadata": {${usage}},"modelVersion": "gemini-2.5-flash","responseId": "gR0naMXhGdmPz7IPq4_S2Qk"`;

  it("decodes thinking, incremental text and cumulative usage", () => {
    const mid = head(`"promptTokenCount": 9,"totalTokenCount": 73,${details},"thoughtsTokenCount": 64`);
    const chunks = decode(sse(
      `{"candidates": [{"content": {"parts": [{"text": "**Greeting** the user","thought": true}],"role": "model"},"index": 0}],${mid}}`,
      `{"candidates": [{"content": {"parts": [{"text": "Grüß dich"}],"role": "model"},"index": 0}],${mid}}`,
      `{"candidates": [{"content": {"parts": [{"text": "! 👋 Wie geht's?"}],"role": "model"},"finishReason": "STOP","index": 0}],${head(
        `"promptTokenCount": 9,"candidatesTokenCount": 7,"totalTokenCount": 80,"cachedContentTokenCount": 4,${details},"thoughtsTokenCount": 64`,
      )}}`,
    ));
    expect(chunks.filter((c) => c.type === "text")).toEqual([{ type: "text", text: "Grüß dich" }, { type: "text", text: "! 👋 Wie geht's?" }]);
    expect(chunks.filter((c) => c.type === "model")).toEqual([{ type: "model", model: "gemini-2.5-flash" }]);
    // Identical usage on consecutive chunks is reported once.
    expect(chunks.filter((c) => c.type === "usage")).toHaveLength(2);
    expect(chunks.at(-1)).toEqual({ type: "finish", reason: "STOP", raw: "STOP" });
    expect(accumulate(chunks)).toEqual({
      content: "Grüß dich! 👋 Wie geht's?",
      toolCalls: [],
      finishReason: "STOP",
      usage: { inputTokens: 9, cachedInputTokens: 4, outputTokens: 71, reasoningTokens: 64 },
      model: "gemini-2.5-flash",
    });
  });

  it("emits each whole function call once, numbered across chunks, and skips signature-only parts", () => {
    const chunks = decode(sse(
      `{"candidates": [{"content": {"parts": [{"text": "On it."}],"role": "model"},"index": 0}],${head('"promptTokenCount": 20,"totalTokenCount": 20')}}`,
      `{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"city": "Zürich"}},"thoughtSignature": "CiQB0e2Kb6Zx"},{"functionCall": {"name": "get_time","args": {}}}],"role": "model"},"index": 0}],${head('"promptTokenCount": 20,"totalTokenCount": 20')}}`,
      `{"candidates": [{"content": {"parts": [{"functionCall": {"name": "ping"}}],"role": "model"},"index": 0}],${head('"promptTokenCount": 20,"totalTokenCount": 20')}}`,
      `{"candidates": [{"content": {"parts": [{"text": "","thoughtSignature": "AY89a18iOcFu"}],"role": "model"},"finishReason": "STOP","index": 0}],${head('"promptTokenCount": 20,"candidatesTokenCount": 15,"totalTokenCount": 35')}}`,
    ));
    expect(chunks.filter((c) => c.type === "tool_call")).toEqual([
      { type: "tool_call", index: 0, id: "call_0", name: "get_weather", argumentsDelta: '{"city":"Zürich"}' },
      { type: "tool_call", index: 1, id: "call_1", name: "get_time", argumentsDelta: "{}" },
      { type: "tool_call", index: 2, id: "call_2", name: "ping", argumentsDelta: "{}" },
    ]);
    expect(chunks.filter((c) => c.type === "text")).toEqual([{ type: "text", text: "On it." }]);
    expect(accumulate(chunks)).toMatchObject({ finishReason: "TOOL_CALLS", usage: { inputTokens: 20, outputTokens: 15 } });
  });

  it("ends a blocked prompt with CONTENT_FILTER and no text", () => {
    const chunks = decode(sse(
      '{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 12,"totalTokenCount": 12},"modelVersion": "gemini-2.0-flash","responseId": "x1"}',
    ));
    expect(chunks).toEqual([
      { type: "model", model: "gemini-2.0-flash" },
      { type: "usage", usage: { inputTokens: 12 } },
      { type: "finish", reason: "CONTENT_FILTER", raw: "PROHIBITED_CONTENT" },
    ]);
  });

  it("maps a mid-answer SAFETY stop and throws in-stream errors by their status", () => {
    const safety = decode(sse(
      '{"candidates": [{"content": {"parts": [{"text": "Sure, here"}],"role": "model"},"index": 0}]}',
      '{"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT","probability": "HIGH"}]}]}',
    ));
    expect(accumulate(safety)).toMatchObject({ content: "Sure, here", finishReason: "CONTENT_FILTER" });

    const fail = (e: Json): GatewayError => {
      try {
        decode(sse('{"candidates": [{"content": {"parts": [{"text": "a"}],"role": "model"},"index": 0}]}', JSON.stringify({ error: e })));
      } catch (err) {
        if (err instanceof GatewayError) return err;
      }
      throw new Error("expected a GatewayError");
    };
    expect(fail({ code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" })).toMatchObject({
      code: "UPSTREAM_ERROR",
      retryable: true,
      message: "gemini: The model is overloaded. Please try again later.",
      details: { providerType: "UNAVAILABLE" },
    });
    expect(fail({ code: 500, message: "An internal error has occurred.", status: "INTERNAL" }).retryable).toBe(true);
    expect(fail({ code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" }).retryable).toBe(false);
    expect(() => decode("data: {not json\r\n\r\n")).toThrow(/invalid JSON in stream/);
  });
});

describe("gemini adapter against the fake upstream", () => {
  let fake: FakeGemini;
  const client = new UpstreamClient({ firstByteMs: 5000, idleMs: 5000 });

  beforeAll(async () => {
    fake = await startFakeGemini({ apiKey: KEY });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });
  afterEach(() => fake.reset());

  const live = (scenario?: Scenario, over: Partial<ProviderTarget> = {}): ProviderTarget =>
    target({ baseUrl: fake.url, headers: scenario ? scenarioHeader(scenario) : {}, ...over });
  async function stream(req: ChatRequest, t: ProviderTarget, signal = new AbortController().signal): Promise<ChatChunk[]> {
    const out: ChatChunk[] = [];
    for await (const c of client.stream(geminiAdapter, req, t, signal)) out.push(c);
    return out;
  }
  const hello = request({ messages: [{ role: "system", content: "Be nice." }, user("Hallo!")] });

  it("streams text cut across TCP writes inside multi-byte characters, with usage", async () => {
    const content = "Grüße aus Zürich ☕ — naïve 🎉🇫🇷 façade, ok.";
    const usage = { promptTokens: 11, completionTokens: 50, cachedTokens: 5, reasoningTokens: 30 };
    const chunks = await stream(hello, live({ content, splitBytes: 3, usage, thoughts: ["thinking…"], comments: true }));
    expect(chunks.filter((c) => c.type === "text").length).toBeGreaterThan(3);
    expect(accumulate(chunks)).toEqual({
      content,
      toolCalls: [],
      finishReason: "STOP",
      usage: { inputTokens: 11, cachedInputTokens: 5, outputTokens: 50, reasoningTokens: 30 },
      model: "gemini-2.5-flash",
    });
    const seen = fake.requests[0];
    expect(seen).toMatchObject({ path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent", query: "alt=sse" });
    expect(seen?.headers["x-goog-api-key"]).toBe(KEY);
    expect(seen?.body).toEqual({ systemInstruction: { parts: [{ text: "Be nice." }] }, contents: [{ role: "user", parts: [{ text: "Hallo!" }] }] });
  });

  it("completes non-streamed, and reports a blocked prompt as CONTENT_FILTER both ways", async () => {
    const ac = new AbortController();
    expect(await client.complete(geminiAdapter, hello, live({ content: "Hi there", usage: { promptTokens: 4, completionTokens: 2 } }), ac.signal)).toEqual({
      content: "Hi there", toolCalls: [], finishReason: "STOP", usage: { inputTokens: 4, outputTokens: 2 }, model: "gemini-2.5-flash",
    });
    expect(fake.requests[0]).toMatchObject({ path: "/v1beta/models/gemini-2.5-flash:generateContent", query: "" });
    const blocked = { blockReason: "SAFETY", usage: { promptTokens: 6 } };
    expect(await client.complete(geminiAdapter, hello, live(blocked), ac.signal)).toMatchObject({ content: "", finishReason: "CONTENT_FILTER", usage: { inputTokens: 6 } });
    expect(accumulate(await stream(hello, live(blocked)))).toMatchObject({ content: "", finishReason: "CONTENT_FILTER" });
  });

  it("round-trips a tool call through a Gemini 3 model that demands thought signatures", async () => {
    const tools = [{ name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false } }];
    const t3 = { upstreamModel: "gemini-3-flash-preview" };
    const first = accumulate(await stream(request({ messages: [user("Weather in Oslo?")], tools }), live({ toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }] }, t3)));
    expect(first).toMatchObject({ content: "", finishReason: "TOOL_CALLS", toolCalls: [{ id: "call_0", name: "get_weather", arguments: '{"city":"Oslo"}' }] });
    const followUp = request({
      messages: [user("Weather in Oslo?"), { role: "assistant", content: "", toolCalls: first.toolCalls }, { role: "tool", toolCallId: "call_0", content: '{"temp":-3}' }],
      tools,
    });
    expect(accumulate(await stream(followUp, live({ content: "It is -3 °C." }, t3))).content).toBe("It is -3 °C.");
    // Without the sentinel the same history is refused, as the real API does.
    const sent = fake.requests[1]?.body as { contents: { parts: Json[] }[] };
    delete sent.contents[1]?.parts[0]?.["thoughtSignature"];
    const res = await fetch(`${fake.url}/models/gemini-3-flash-preview:generateContent`, { method: "POST", headers: { "x-goog-api-key": KEY }, body: JSON.stringify(sent) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("missing a thought_signature");
  });

  it("throws a retryable error for an in-stream error after partial text", async () => {
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const c of client.stream(geminiAdapter, hello, live({ content: "a b c d", errorAfter: 2 }), new AbortController().signal)) {
        if (c.type === "text") seen.push(c.text);
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "UPSTREAM_ERROR", retryable: true, message: "gemini: The model is overloaded. Please try again later." });
    expect(seen.join("")).toBe("a b");
  });

  it("surfaces a 429 with its retry delay, then succeeds on retry", async () => {
    fake.enqueue({ status: 429 }, { status: 429, headers: { "retry-after": "1" } });
    const t = live();
    await expect(stream(hello, t)).rejects.toMatchObject({ retryable: true, upstreamStatus: 429, retryAfterMs: 12_000 });
    await expect(stream(hello, t)).rejects.toMatchObject({ retryable: true, retryAfterMs: 1000 });
    expect(accumulate(await stream(hello, t)).content).toBe("Hello from the fake Gemini upstream.");
    expect(fake.requests).toHaveLength(3);
  });

  it("classifies a bad key and a mid-stream crash", async () => {
    await expect(stream(hello, live(undefined, { apiKey: "AIzaWrongKey0000000" }))).rejects.toMatchObject({
      retryable: false,
      upstreamStatus: 400,
      message: "gemini 400: API key not valid. Please pass a valid API key.",
    });
    await expect(stream(hello, live({ content: "a b c", dieAfter: 1 }))).rejects.toMatchObject({ retryable: true, code: "UPSTREAM_ERROR" });
  });

  it("drops the upstream connection when the caller aborts", async () => {
    const ac = new AbortController();
    const scenario: Scenario = { tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), itlMs: 20 };
    const run = async (): Promise<void> => {
      for await (const c of client.stream(geminiAdapter, hello, live(scenario), ac.signal)) {
        if (c.type === "text") ac.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
    await fake.waitFor((f) => f.aborted === 1 && f.active === 0);
  });

  it("fake: refuses what real Gemini refuses", async () => {
    const post = async (b: Json): Promise<string> => {
      const res = await fetch(`${fake.url}/models/gemini-2.5-flash:generateContent`, { method: "POST", headers: { "x-goog-api-key": KEY }, body: JSON.stringify(b) });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { message: string } }).error.message;
    };
    const contents = [{ role: "user", parts: [{ text: "x" }] }];
    const decl = { name: "f", parameters: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false } };
    expect(await post({ contents, tools: [{ functionDeclarations: [decl] }] })).toBe(
      `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`,
    );
    expect(await post({ contents, stream: true })).toContain('Unknown name "stream"');
    expect(await post({ contents: [{ role: "assistant", parts: [{ text: "x" }] }] })).toBe("Please use a valid role: user, model.");
    expect(await post({ contents: [{ role: "user", parts: [{ text: "" }] }] })).toMatch(/required oneof field 'data'/);
    const missing = await fetch(`${fake.url}/models/gemini-2.5-flash:generateContent`, { method: "POST", body: JSON.stringify({ contents }) });
    expect(missing.status).toBe(403);
  });
});
