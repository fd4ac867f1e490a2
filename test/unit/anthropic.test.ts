import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatChunk, ChatRequest } from "../../src/domain/chat.js";
import { ErrorCode, GatewayError } from "../../src/domain/errors.js";
import { anthropicAdapter } from "../../src/providers/anthropic/index.js";
import type { ProviderTarget, ResponseHeaders } from "../../src/providers/contract.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { startFakeAnthropic } from "../fakes/anthropic.js";
import type { FakeAnthropic } from "../fakes/anthropic.js";

type Json = Record<string, unknown>;

const target = (extra: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: "anthropic",
  kind: "anthropic",
  baseUrl: "https://api.anthropic.com/v1",
  apiKey: "sk-ant-test-key",
  headers: {},
  upstreamModel: "claude-sonnet-4-5",
  ...extra,
});
const req = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: "anthropic/claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }], ...extra });
const body = (r: ChatRequest, t = target(), stream = false): Json => JSON.parse(anthropicAdapter.buildRequest(r, t, stream).body) as Json;
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("anthropic request mapping", () => {
  it("posts to /messages with Anthropic's headers and no bearer token", () => {
    const call = anthropicAdapter.buildRequest(req(), target({ baseUrl: "https://proxy.example/v1/", headers: { "anthropic-beta": "x" } }), true);
    expect(call.url).toBe("https://proxy.example/v1/messages");
    expect(call.headers).toEqual({
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "x",
      "x-api-key": "sk-ant-test-key",
    });
    expect(anthropicAdapter.buildRequest(req(), target({ baseUrl: "" }), false).url).toBe("https://api.anthropic.com/v1/messages");
  });

  it("always sends max_tokens: the request's, else the catalogue cap, else 4096", () => {
    expect(body(req({ maxTokens: 77 }), target({ maxOutputTokens: 8192 }))["max_tokens"]).toBe(77);
    expect(body(req(), target({ maxOutputTokens: 8192 }))["max_tokens"]).toBe(8192);
    expect(body(req())["max_tokens"]).toBe(4096);
  });

  it("hoists system messages, merges same-role turns and maps sampling options", () => {
    const b = body(
      req({
        messages: [
          { role: "system", content: "Be terse." },
          { role: "user", content: "First." },
          { role: "user", content: [{ type: "text", text: "Second." }] },
          { role: "system", content: [{ type: "text", text: "Answer in French." }] },
          { role: "assistant", content: "" },
          { role: "assistant", content: "D'accord." },
        ],
        temperature: 0.3,
        topP: 0.9,
        stop: ["END"],
        user: "user-42",
      }),
      target(),
      true,
    );
    expect(b).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      system: "Be terse.\n\nAnswer in French.",
      messages: [
        { role: "user", content: [{ type: "text", text: "First." }, { type: "text", text: "Second." }] },
        { role: "assistant", content: "D'accord." },
      ],
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ["END"],
      metadata: { user_id: "user-42" },
      stream: true,
    });
  });

  it("sends data-URL images as base64 and http(s) images as URLs", () => {
    const b = body(
      req({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare:" },
              { type: "image", url: `data:image/PNG;base64,${PNG}`, detail: "high" },
              { type: "image", url: "https://example.com/cat.jpg" },
            ],
          },
        ],
      }),
    );
    expect(b["messages"]).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare:" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
    ]);
  });

  it("maps tools and every tool_choice", () => {
    const tools = [
      { name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      { name: "ping", parameters: { properties: {} } },
    ];
    expect(body(req({ tools }))["tools"]).toEqual([
      { name: "get_weather", description: "Weather now", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      { name: "ping", input_schema: { type: "object", properties: {} } },
    ]);
    expect(body(req({ tools, toolChoice: "auto" }))["tool_choice"]).toEqual({ type: "auto" });
    expect(body(req({ tools, toolChoice: "required" }))["tool_choice"]).toEqual({ type: "any" });
    expect(body(req({ tools, toolChoice: "none" }))["tool_choice"]).toEqual({ type: "none" });
    expect(body(req({ tools, toolChoice: { name: "ping" } }))["tool_choice"]).toEqual({ type: "tool", name: "ping" });
    expect(body(req({ tools }))).not.toHaveProperty("tool_choice");
  });

  it("turns tool calls into tool_use and tool messages into a user turn of tool_result blocks, results first", () => {
    const b = body(
      req({
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          {
            role: "assistant",
            content: "Checking.",
            toolCalls: [
              { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
              { id: "toolu_2", name: "get_weather", arguments: "" },
            ],
          },
          { role: "tool", toolCallId: "toolu_1", content: "18°C" },
          { role: "tool", toolCallId: "toolu_2", content: [{ type: "image", url: `data:image/png;base64,${PNG}` }] },
          { role: "user", content: "Thanks, and?" },
        ],
      }),
    );
    expect(b["messages"]).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18°C" }] },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
          { type: "text", text: "Thanks, and?" },
        ],
      },
    ]);
  });

  it("moves tool results ahead of user text that came first", () => {
    const b = body(
      req({
        messages: [
          { role: "assistant", content: "", toolCalls: [{ id: "t1", name: "f", arguments: "{}" }] },
          { role: "user", content: "(note)" },
          { role: "tool", toolCallId: "t1", content: "" },
        ],
      }),
    );
    expect(b["messages"]).toEqual([
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1" }, { type: "text", text: "(note)" }] },
    ]);
  });
});

describe("anthropic unsupported options", () => {
  const why = (r: Partial<ChatRequest>): string | null => anthropicAdapter.unsupported(req(r), target());
  const img = (url: string) => [{ type: "image" as const, url }];

  it("accepts what it can send", () => {
    expect(why({})).toBeNull();
    expect(why({ temperature: 1, responseFormat: { type: "text" } })).toBeNull();
    expect(why({ messages: [{ role: "tool", toolCallId: "t", content: img("https://x.test/a.png") }] })).toBeNull();
  });

  it.each<[string, Partial<ChatRequest>, RegExp]>([
    ["json_object", { responseFormat: { type: "json_object" } }, /json_object.*no JSON mode/],
    ["json_schema", { responseFormat: { type: "json_schema", name: "r", schema: {} } }, /json_schema.*no JSON mode/],
    ["temperature above 1", { temperature: 1.5 }, /temperature 1\.5.*0 to 1/],
    ["an image in a system message", { messages: [{ role: "system", content: img("https://x.test/a.png") }] }, /messages\[0\].*images/],
    ["an image in an assistant message", { messages: [{ role: "assistant", content: img("https://x.test/a.png") }] }, /messages\[0\].*images/],
    ["a tool message without toolCallId", { messages: [{ role: "tool", content: "x" }] }, /toolCallId/],
    ["tool arguments that are not a JSON object", { messages: [{ role: "assistant", content: "", toolCalls: [{ id: "t", name: "f", arguments: "[1]" }] }] }, /toolCalls\[0\].*JSON object/],
    ["broken tool arguments", { messages: [{ role: "assistant", content: "", toolCalls: [{ id: "t", name: "f", arguments: '{"a":' }] }] }, /JSON object/],
    ["an SVG image", { messages: [{ role: "user", content: img("data:image/svg+xml;base64,PHN2Zy8+") }] }, /image\/svg\+xml/],
    ["a non-base64 data URL", { messages: [{ role: "user", content: img("data:image/png,rawbytes") }] }, /base64/],
    ["an ftp image", { messages: [{ role: "user", content: img("ftp://x.test/a.png") }] }, /http\(s\)/],
  ])("refuses %s", (_name, r, message) => {
    expect(why(r)).toMatch(message);
  });
});

describe("anthropic response mapping", () => {
  it("reads text and tool_use blocks, skipping thinking, and counts cache reads and writes as input", () => {
    const r = anthropicAdapter.parseResponse(
      {
        id: "msg_01",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "text", text: "Let me look. " },
          { type: "tool_use", id: "toolu_9", name: "search", input: { q: "zürich", n: 2 } },
          { type: "text", text: "Done." },
        ],
        stop_reason: "tool_use",
        stop_sequence: null,
        usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 33 },
      },
      target(),
    );
    expect(r).toEqual({
      content: "Let me look. Done.",
      toolCalls: [{ id: "toolu_9", name: "search", arguments: '{"q":"zürich","n":2}' }],
      finishReason: "TOOL_CALLS",
      usage: { inputTokens: 1210, cachedInputTokens: 1000, outputTokens: 33 },
      model: "claude-sonnet-4-5-20250929",
    });
  });

  it.each([
    ["end_turn", "STOP"],
    ["stop_sequence", "STOP"],
    ["pause_turn", "STOP"],
    ["max_tokens", "LENGTH"],
    ["model_context_window_exceeded", "LENGTH"],
    ["tool_use", "TOOL_CALLS"],
    ["refusal", "CONTENT_FILTER"],
    ["something_new", "STOP"],
  ])("maps stop_reason %s to %s", (raw, reason) => {
    const r = anthropicAdapter.parseResponse({ content: [{ type: "text", text: "x" }], stop_reason: raw, usage: { input_tokens: 1, output_tokens: 1 } }, target());
    expect(r.finishReason).toBe(reason);
  });

  it("rejects a body that is not a message as a retryable upstream fault", () => {
    expect(() => anthropicAdapter.parseResponse({ content: "nope" }, target())).toThrow(/unexpected response shape/);
  });
});

describe("anthropic stream decoding", () => {
  const decode = (events: [string, Json][]): ChatChunk[] => {
    const d = anthropicAdapter.createStreamDecoder(target());
    return events.flatMap(([event, data]) => d.onEvent({ event, data: JSON.stringify(data) }));
  };
  const start = (usage: Json): [string, Json] => ["message_start", { type: "message_start", message: { id: "msg_1", model: "claude-x", content: [], usage } }];

  it("numbers tool calls by their order among calls, ignores thinking and pings, and owes `{}` to a call without input", () => {
    const chunks = decode([
      start({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 1 }),
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }],
      ["ping", { type: "ping" }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hidden" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "abc" } }],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi" } }],
      ["content_block_stop", { type: "content_block_stop", index: 1 }],
      ["content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_a", name: "f", input: {} } }],
      ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":' } }],
      ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "1}" } }],
      ["content_block_stop", { type: "content_block_stop", index: 2 }],
      ["content_block_start", { type: "content_block_start", index: 3, content_block: { type: "tool_use", id: "toolu_b", name: "g", input: {} } }],
      ["content_block_stop", { type: "content_block_stop", index: 3 }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 42 } }],
      ["message_stop", { type: "message_stop" }],
      ["some_future_event", { type: "some_future_event", x: 1 }],
    ]);
    expect(chunks).toEqual([
      { type: "model", model: "claude-x" },
      // The placeholder output_tokens of message_start is not reported as a count.
      { type: "usage", usage: { inputTokens: 105, cachedInputTokens: 100 } },
      { type: "text", text: "Hi" },
      { type: "tool_call", index: 0, id: "toolu_a", name: "f", argumentsDelta: "" },
      { type: "tool_call", index: 0, argumentsDelta: '{"a":' },
      { type: "tool_call", index: 0, argumentsDelta: "1}" },
      { type: "tool_call", index: 1, id: "toolu_b", name: "g", argumentsDelta: "" },
      { type: "tool_call", index: 1, argumentsDelta: "{}" },
      { type: "finish", reason: "TOOL_CALLS", raw: "tool_use" },
      { type: "usage", usage: { inputTokens: 105, cachedInputTokens: 100, outputTokens: 42 } },
    ]);
  });

  it("takes message_delta usage as cumulative totals, input fields included", () => {
    const chunks = decode([
      start({ input_tokens: 5, output_tokens: 1 }),
      ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 20 } }],
    ]);
    expect(chunks.at(-1)).toEqual({ type: "usage", usage: { inputTokens: 10, cachedInputTokens: 3, outputTokens: 20 } });
  });

  it.each([
    ["overloaded_error", true],
    ["api_error", true],
    ["invalid_request_error", false],
  ])("throws an `event: error` of type %s as UPSTREAM_ERROR (retryable %s)", (type, retryable) => {
    const run = () => decode([start({ input_tokens: 1 }), ["error", { type: "error", error: { type, message: "Overloaded" } }]]);
    expect(run).toThrow(GatewayError);
    try {
      run();
    } catch (e) {
      expect(e).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable, message: "anthropic: Overloaded", details: { providerType: type } });
    }
  });

  it("treats malformed events as a retryable upstream fault", () => {
    const d = anthropicAdapter.createStreamDecoder(target());
    expect(() => d.onEvent({ event: "content_block_delta", data: "{not json" })).toThrow(/invalid JSON/);
    expect(() => d.onEvent({ event: "content_block_delta", data: '{"type":"content_block_delta"}' })).toThrow(/content_block_delta event/);
    expect(d.onEvent({ event: undefined, data: "" })).toEqual([]);
  });
});

describe("anthropic error classification", () => {
  const noHeaders: ResponseHeaders = { get: () => undefined };
  const anthropicError = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CABC" });

  it.each([
    [529, "overloaded_error", true],
    [500, "api_error", true],
    [504, "timeout_error", true],
    [400, "invalid_request_error", false],
    [401, "authentication_error", false],
    [403, "permission_error", false],
    [404, "not_found_error", false],
    [413, "request_too_large", false],
  ])("HTTP %i %s → retryable %s, keeping type, message and request id", (status, type, retryable) => {
    const e = anthropicAdapter.classifyError(status, anthropicError(type, `msg for ${type}`), noHeaders, target());
    expect(e).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable, upstreamStatus: status, message: `anthropic ${status}: msg for ${type}` });
    expect(e.details).toMatchObject({ providerStatus: status, providerType: type, providerRequestId: "req_011CABC" });
  });

  it("carries retry-after on 429", () => {
    const headers: ResponseHeaders = { get: (n) => (n === "retry-after" ? "7" : undefined) };
    const e = anthropicAdapter.classifyError(429, anthropicError("rate_limit_error", "slow down"), headers, target());
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 7000 });
  });
});

describe("anthropic requests against the wire-exact fake", () => {
  let fake: FakeAnthropic;
  const client = new UpstreamClient();
  beforeAll(async () => {
    fake = await startFakeAnthropic({ apiKey: "sk-ant-test-key" });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it("passes Anthropic's own checks for a full tool round trip with system, images and options", async () => {
    const r = req({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", url: `data:image/png;base64,${PNG}` }] },
        { role: "assistant", content: "", toolCalls: [{ id: "toolu_1", name: "lookup", arguments: '{"q":"pixel"}' }] },
        { role: "tool", toolCallId: "toolu_1", content: "a 1x1 png" },
      ],
      tools: [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: "auto",
      temperature: 0.5,
      stop: ["\n\n"],
      user: "u-1",
    });
    const done = await client.complete(anthropicAdapter, r, target({ baseUrl: fake.url }), new AbortController().signal);
    expect(done.content).toBe("Hello from the fake Anthropic upstream.");
    expect(fake.requests[0]?.headers["anthropic-version"]).toBe("2023-06-01");
  });
});
