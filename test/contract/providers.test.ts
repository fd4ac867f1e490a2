import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import { anthropicAdapter } from "../../src/providers/anthropic/index.js";
import type { ProviderTarget } from "../../src/providers/contract.js";
import { geminiAdapter } from "../../src/providers/gemini/index.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { openaiAdapter } from "../../src/providers/openai/index.js";
import { startFakeAnthropic } from "../fakes/anthropic.js";
import { startFakeGemini } from "../fakes/gemini.js";
import { startFakeOpenAI } from "../fakes/openai.js";
import { chat, closedPort, drain, expectGatewayError, isStreamRequest, neutralFake, runStream } from "./harness.js";
import type { FakeHandle, ProviderEntry } from "./harness.js";
import { toAnthropic, toGemini, toOpenAI } from "./scenarios.js";

// Long enough (>= 8 chars) that http.ts scrubs it from any error that echoes it.
const KEY = "sk-contract-0123456789abcdef";

const target = (t: Omit<ProviderTarget, "headers" | "apiKey">, apiKey: string): ProviderTarget => ({ headers: {}, apiKey, ...t });
const startOpenAI = async (apiKey: string): Promise<FakeHandle> => neutralFake(await startFakeOpenAI({ apiKey }), toOpenAI);

const entries: ProviderEntry[] = [
  {
    name: "openai",
    adapter: openaiAdapter,
    startFake: startOpenAI,
    target: (url, key) => target({ provider: "openai", kind: "openai", baseUrl: url, upstreamModel: "gpt-4o-mini" }, key),
    expectRequest(r, req, key) {
      expect(r.path).toBe("/v1/chat/completions");
      expect(r.headers.authorization).toBe(`Bearer ${key}`);
      expect(r.body).toMatchObject({ model: "gpt-4o-mini", max_completion_tokens: req.maxTokens });
    },
  },
  {
    name: "azure",
    adapter: openaiAdapter,
    startFake: startOpenAI,
    // Azure endpoints are the resource origin; the deployment goes in the path.
    target: (url, key) =>
      target({ provider: "azure", kind: "azure", baseUrl: url.replace(/\/v1$/, ""), upstreamModel: "gpt4o-prod", apiVersion: "2024-10-21" }, key),
    expectRequest(r, _req, key) {
      expect(r.path).toBe("/openai/deployments/gpt4o-prod/chat/completions");
      expect(new URLSearchParams(r.query).get("api-version")).toBe("2024-10-21");
      expect(r.headers["api-key"]).toBe(key);
      expect(r.headers.authorization).toBeUndefined();
    },
  },
  {
    name: "openai-compatible",
    adapter: openaiAdapter,
    startFake: startOpenAI,
    target: (url, key) => target({ provider: "local", kind: "openai-compatible", baseUrl: url, upstreamModel: "llama3.1:8b" }, key),
    expectRequest(r, req, key) {
      expect(r.path).toBe("/v1/chat/completions");
      expect(r.headers.authorization).toBe(`Bearer ${key}`);
      expect(r.body).toMatchObject({ model: "llama3.1:8b", max_tokens: req.maxTokens });
      expect(r.body).not.toHaveProperty("max_completion_tokens");
    },
  },
  {
    name: "anthropic",
    adapter: anthropicAdapter,
    startFake: async (apiKey) => neutralFake(await startFakeAnthropic({ apiKey }), toAnthropic),
    target: (url, key) =>
      target({ provider: "anthropic", kind: "anthropic", baseUrl: url, upstreamModel: "claude-sonnet-4-5", maxOutputTokens: 64_000 }, key),
    expectRequest(r, req, key) {
      expect(r.path).toBe("/v1/messages");
      expect(r.headers["x-api-key"]).toBe(key);
      expect(r.headers["anthropic-version"]).toBe("2023-06-01");
      expect(r.headers.authorization).toBeUndefined();
      expect(r.body).toMatchObject({ model: "claude-sonnet-4-5", max_tokens: req.maxTokens });
    },
  },
  {
    name: "gemini",
    adapter: geminiAdapter,
    startFake: async (apiKey) => neutralFake(await startFakeGemini({ apiKey }), toGemini),
    target: (url, key) => target({ provider: "gemini", kind: "gemini", baseUrl: url, upstreamModel: "gemini-2.5-flash" }, key),
    expectRequest(r, req, key) {
      expect(r.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
      expect(r.headers["x-goog-api-key"]).toBe(key);
      expect(r.query ?? "").not.toContain("key=");
      expect(r.body).toMatchObject({ contents: [{ role: "user", parts: [{ text: "Say hello." }] }], generationConfig: { maxOutputTokens: req.maxTokens } });
      expect(r.body).not.toHaveProperty("model");
    },
    // The method in the URL decides: `:streamGenerateContent?alt=sse` streams, `:generateContent` does not.
    isStreamRequest: (r) => r.path.endsWith(":streamGenerateContent") && new URLSearchParams(r.query).get("alt") === "sse",
    streamsToolArguments: false,
    // Google answers a wrong key with 400 INVALID_ARGUMENT / API_KEY_INVALID, not 401.
    wrongKeyStatus: 400,
  },
];

const MULTIBYTE = "Grüße aus Köln — 世界 👋🏽 naïve café, ünïcödé ✓ done.";
const ARGS = { city: "São Paulo", units: "metric", days: [1, 2, 3], note: "quote \" and \\ backslash — 東京" };

describe.each(entries)("provider contract: $name", (entry) => {
  // Generous: 1-byte TCP writes on a busy 2-core machine can take seconds to reach the first token.
  // The timeout tests use a client of their own with a short limit.
  const client = new UpstreamClient({ firstByteMs: 15_000, idleMs: 15_000 });
  let fake: FakeHandle;
  const t = (): ProviderTarget => entry.target(fake.url, KEY);

  beforeAll(async () => {
    fake = await entry.startFake(KEY);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it("sends the request in the provider's wire shape", async () => {
    const req = chat({ maxTokens: 50 });
    await runStream(client, entry.adapter, req, t());
    expect(fake.requests).toHaveLength(1);
    const r = fake.requests[0];
    if (!r) throw new Error("no request recorded");
    expect(r.method).toBe("POST");
    expect(isStreamRequest(entry, r)).toBe(true);
    entry.expectRequest(r, req, KEY);
  });

  it.each([1, 3, 7])("reassembles multi-byte text split into %i-byte TCP writes", async (splitBytes) => {
    fake.setScenario({ content: MULTIBYTE, splitBytes });
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.text).toBe(MULTIBYTE);
    expect(run.result.finishReason).toBe("STOP");
    expect(run.chunks.some((c) => c.type === "model")).toBe(true);
  });

  it("parses CRLF line endings", async () => {
    fake.setScenario({ tokens: ["line one\n", "line two\r\n", "end"], crlf: true, splitBytes: 5 });
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.text).toBe("line one\nline two\r\nend");
  });

  it("skips comments, keep-alives, pings and empty deltas", async () => {
    fake.setScenario({ content: "alpha beta gamma", comments: true });
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.text).toBe("alpha beta gamma");
    expect(run.chunks.filter((c) => c.type === "text" && c.text === "")).toEqual([]);
    expect(run.chunks.filter((c) => c.type === "finish")).toHaveLength(1);
  });

  it("reassembles tool-call arguments split over many deltas, numbered by call", async () => {
    fake.setScenario({
      content: "Checking both.",
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: ARGS },
        { id: "call_b", name: "get_time", arguments: { tz: "Europe/Berlin" } },
      ],
      argChunkSize: 1,
      splitBytes: 11,
    });
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.text).toBe("Checking both.");
    expect(run.result.toolCalls).toEqual([
      { id: "call_a", name: "get_weather", arguments: JSON.stringify(ARGS) },
      { id: "call_b", name: "get_time", arguments: JSON.stringify({ tz: "Europe/Berlin" }) },
    ]);
    const callChunks = run.chunks.filter((c) => c.type === "tool_call");
    expect([...new Set(callChunks.map((c) => c.index))]).toEqual([0, 1]);
    if (entry.streamsToolArguments ?? true) expect(callChunks.length).toBeGreaterThan(20);
    else expect(callChunks.map((c) => c.argumentsDelta)).toEqual([JSON.stringify(ARGS), JSON.stringify({ tz: "Europe/Berlin" })]);
    expect(run.result.finishReason).toBe("TOOL_CALLS");
  });

  it.each(["STOP", "LENGTH", "CONTENT_FILTER"] as const)("maps the finish reason %s", async (finish) => {
    fake.setScenario({ content: "partial answer", finish });
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.result.finishReason).toBe(finish);
    const done = await client.complete(entry.adapter, chat(), t(), new AbortController().signal);
    expect(done.finishReason).toBe(finish);
  });

  it("reports usage with cached input tokens, streamed and whole", async () => {
    fake.setScenario({ content: "ok", usage: { input: 1200, cached: 1024, output: 9 } });
    const expected = { inputTokens: 1200, cachedInputTokens: 1024, outputTokens: 9 };
    const run = await runStream(client, entry.adapter, chat(), t());
    expect(run.result.usage).toMatchObject(expected);
    const done = await client.complete(entry.adapter, chat(), t(), new AbortController().signal);
    expect(done.usage).toMatchObject(expected);
  });

  it("completes a whole answer with text and tool calls", async () => {
    fake.setScenario({ content: MULTIBYTE, toolCalls: [{ id: "call_x", name: "lookup", arguments: ARGS }] });
    const done = await client.complete(entry.adapter, chat(), t(), new AbortController().signal);
    expect(done.content).toBe(MULTIBYTE);
    expect(done.toolCalls).toEqual([{ id: "call_x", name: "lookup", arguments: JSON.stringify(ARGS) }]);
    expect(done.finishReason).toBe("TOOL_CALLS");
    expect(done.model).toBeTruthy();
    const r = fake.requests[0];
    if (!r) throw new Error("no request recorded");
    expect(isStreamRequest(entry, r)).toBe(false);
  });

  it.each([
    { retryable: true, message: "Overloaded right now" },
    { retryable: false, message: "Your prompt was rejected mid-stream" },
  ])("turns an in-stream error into UPSTREAM_ERROR (retryable: $retryable)", async (streamError) => {
    fake.setScenario({ tokens: ["one ", "two ", "three ", "four"], errorAfter: 2, streamError });
    const { error, chunks } = await expectGatewayError((on) => drain(client.stream(entry.adapter, chat(), t(), new AbortController().signal), on));
    expect(error.code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(error.retryable).toBe(streamError.retryable);
    expect(error.message).toContain(streamError.message);
    expect(chunks.map((c) => (c.type === "text" ? c.text : "")).join("")).toBe("one two ");
  });

  it("makes HTTP 429 retryable with retry-after", async () => {
    fake.setScenario({ status: 429, headers: { "retry-after": "2" }, errorMessage: "Slow down please" });
    const { error } = await expectGatewayError(() => client.complete(entry.adapter, chat(), t(), new AbortController().signal));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true, upstreamStatus: 429, retryAfterMs: 2000 });
    expect(error.message).toContain("Slow down please");
  });

  it.each([500, 503])("makes HTTP %i retryable", async (status) => {
    fake.setScenario({ status });
    const { error } = await expectGatewayError((on) => drain(client.stream(entry.adapter, chat(), t(), new AbortController().signal), on));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true, upstreamStatus: status });
  });

  it("makes HTTP 400 final and keeps the provider's message", async () => {
    fake.setScenario({ status: 400, errorMessage: "messages.0.content: field is malformed" });
    const { error } = await expectGatewayError(() => client.complete(entry.adapter, chat(), t(), new AbortController().signal));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: false, upstreamStatus: 400 });
    expect(error.message).toContain("messages.0.content: field is malformed");
  });

  it("never puts the API key in a 401 message", async () => {
    fake.setScenario({ status: 401, errorMessage: `Incorrect API key provided: ${KEY}.` });
    const echoed = await expectGatewayError(() => client.complete(entry.adapter, chat(), t(), new AbortController().signal));
    expect(echoed.error).toMatchObject({ retryable: false, upstreamStatus: 401 });
    expect(echoed.error.message).not.toContain(KEY);
    fake.reset();
    const wrong = "sk-wrong-key-9876543210";
    const real = await expectGatewayError(() => client.complete(entry.adapter, chat(), entry.target(fake.url, wrong), new AbortController().signal));
    expect(real.error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: false, upstreamStatus: entry.wrongKeyStatus ?? 401 });
    expect(real.error.message).not.toContain(wrong);
    expect(JSON.stringify(real.error.details)).not.toContain(wrong);
  });

  it("makes a refused connection retryable", async () => {
    const port = await closedPort();
    const { error } = await expectGatewayError((on) =>
      drain(client.stream(entry.adapter, chat(), entry.target(`http://127.0.0.1:${port}/v1`, KEY), new AbortController().signal), on),
    );
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true });
    expect(error.message).toContain("connection refused");
  });

  it("fails retryably when the upstream dies mid-stream", async () => {
    fake.setScenario({ tokens: ["a ", "b ", "c ", "d"], dieAfter: 2 });
    const { error, chunks } = await expectGatewayError((on) => drain(client.stream(entry.adapter, chat(), t(), new AbortController().signal), on));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true });
    expect(chunks.filter((c) => c.type === "finish")).toEqual([]);
  });

  it("fails retryably when the body ends cleanly before the end-of-stream marker", async () => {
    fake.setScenario({ tokens: ["a ", "b ", "c ", "d"], truncateAfter: 2 });
    const { error, chunks } = await expectGatewayError((on) => drain(client.stream(entry.adapter, chat(), t(), new AbortController().signal), on));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true });
    expect(error.message).toContain("ended before completion");
    expect(chunks.map((c) => (c.type === "text" ? c.text : "")).join("")).toBe("a b ");
    expect(chunks.filter((c) => c.type === "finish")).toEqual([]);
    // The fake closed the response itself: this is a clean end, not a reset.
    expect(fake.aborted).toBe(0);
  });

  it("times out an upstream that never answers", async () => {
    const impatient = new UpstreamClient({ firstByteMs: 150 });
    fake.setScenario({ hang: true });
    try {
      const { error } = await expectGatewayError(() => impatient.complete(entry.adapter, chat(), t(), new AbortController().signal));
      expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true });
      expect(error.message).toContain("first byte");
    } finally {
      await impatient.close();
    }
  });

  it("disconnects from the upstream within 200 ms of an abort", async () => {
    fake.setScenario({ tokens: Array.from({ length: 100 }, (_, i) => `t${i} `), itlMs: 40 });
    const ac = new AbortController();
    let abortedAt = 0;
    const { error } = await expectGatewayError(async () => {
      for await (const c of client.stream(entry.adapter, chat(), t(), ac.signal)) {
        if (c.type === "text" && abortedAt === 0) {
          abortedAt = Date.now();
          ac.abort();
        }
      }
    });
    expect(error.code).toBe(ErrorCode.CLIENT_CLOSED);
    await fake.waitFor((f) => f.aborted === 1, 200);
    expect(Date.now() - abortedAt).toBeLessThan(250);
    await fake.waitFor((f) => f.active === 0, 500);
  });

  it("disconnects from the upstream when the consumer stops reading", async () => {
    fake.setScenario({ tokens: Array.from({ length: 100 }, (_, i) => `t${i} `), itlMs: 40 });
    for await (const c of client.stream(entry.adapter, chat(), t(), new AbortController().signal)) {
      if (c.type === "text") break;
    }
    await fake.waitFor((f) => f.aborted === 1, 200);
  });
});
