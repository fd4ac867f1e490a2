import OpenAI from "openai";
import { print } from "graphql";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { neutralFake, type FakeHandle, type NeutralScenario, type RecordedRequest } from "../contract/harness.js";
import { toAnthropic, toGemini, toOpenAI } from "../contract/scenarios.js";
import { startFakeAnthropic } from "../fakes/anthropic.js";
import { startFakeGemini } from "../fakes/gemini.js";
import { startFakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { subscribeAll } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { CompleteDocument, CompletionStreamDocument, type CompleteMutation, type CompletionStreamSubscription } from "../generated/graphql.js";

// "Done means" of the providers issue: the same GraphQL subscription and the same openai SDK call
// stream from every provider kind through one gateway, with usage, cost, finish reason, tool
// calls and error codes all the same shape whatever the wire format behind them.

/** Reported by every fake in its own format; `input` includes the cached part. */
const USAGE = { input: 2000, cached: 1000, output: 501 };

interface Kind {
  /** The provider's name in the config, hence the prefix of its model ids. */
  provider: string;
  model: string;
  /** Secret the fake demands; at least 8 chars so the gateway scrubs it if echoed. */
  key: string;
  /** USD per million tokens: input, cached input (undefined = input price), output. */
  prices: [number, number | undefined, number];
  /** USAGE at these prices in micro-USD, rounded up once: worked out by hand, not by our code. */
  costMicros: number;
  start(key: string): Promise<FakeHandle>;
  /** The config entry pointing at the fake. */
  providerConfig(fakeUrl: string, key: string): Record<string, unknown>;
  /** The streamed request went out in this provider's wire format, with its own key. */
  expectStream(r: RecordedRequest, key: string): void;
}

const openaiFake = async (key: string) => neutralFake(await startFakeOpenAI({ apiKey: key }), toOpenAI);

const kinds: Kind[] = [
  {
    provider: "openai",
    model: "gpt-4o-mini",
    key: "sk-e2e-openai-0123456789abcdef",
    prices: [0.15, 0.075, 0.6],
    // 1000 × 0.15 + 1000 × 0.075 + 501 × 0.6 = 150 + 75 + 300.6 = 525.6 → 526
    costMicros: 526,
    start: openaiFake,
    providerConfig: (url, key) => ({ kind: "openai", baseUrl: url, apiKey: key }),
    expectStream(r, key) {
      expect(r.path).toBe("/v1/chat/completions");
      expect(r.headers.authorization).toBe(`Bearer ${key}`);
      expect(r.body).toMatchObject({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true } });
    },
  },
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    key: "sk-ant-e2e-0123456789abcdef",
    prices: [3, 0.3, 15],
    // 1000 × 3 + 1000 × 0.3 + 501 × 15 = 3000 + 300 + 7515
    costMicros: 10_815,
    start: async (key) => neutralFake(await startFakeAnthropic({ apiKey: key }), toAnthropic),
    providerConfig: (url, key) => ({ kind: "anthropic", baseUrl: url, apiKey: key }),
    expectStream(r, key) {
      expect(r.path).toBe("/v1/messages");
      expect(r.headers["x-api-key"]).toBe(key);
      expect(r.headers["anthropic-version"]).toBeTruthy();
      expect(r.body).toMatchObject({ model: "claude-sonnet-4-5", stream: true, max_tokens: 4096 });
    },
  },
  {
    provider: "gemini",
    model: "gemini-2.5-flash",
    key: "AIza-e2e-gemini-0123456789",
    prices: [0.3, 0.03, 2.5],
    // 1000 × 0.3 + 1000 × 0.03 + 501 × 2.5 = 300 + 30 + 1252.5 = 1582.5 → 1583
    costMicros: 1583,
    start: async (key) => neutralFake(await startFakeGemini({ apiKey: key }), toGemini),
    providerConfig: (url, key) => ({ kind: "gemini", baseUrl: url, apiKey: key }),
    expectStream(r, key) {
      expect(r.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
      expect(new URLSearchParams(r.query).get("alt")).toBe("sse");
      expect(r.headers["x-goog-api-key"]).toBe(key);
      expect(r.body).toMatchObject({ contents: [{ role: "user" }] });
    },
  },
  {
    provider: "azure",
    model: "gpt4o-prod",
    key: "azure-e2e-key-0123456789",
    prices: [2.5, 1.25, 10],
    // 1000 × 2.5 + 1000 × 1.25 + 501 × 10 = 2500 + 1250 + 5010
    costMicros: 8760,
    start: openaiFake,
    // An Azure endpoint is the resource origin; the deployment goes in the path.
    providerConfig: (url, key) => ({ kind: "azure", baseUrl: url.replace(/\/v1$/, ""), apiKey: key, apiVersion: "2024-10-21" }),
    expectStream(r, key) {
      expect(r.path).toBe("/openai/deployments/gpt4o-prod/chat/completions");
      expect(new URLSearchParams(r.query).get("api-version")).toBe("2024-10-21");
      expect(r.headers["api-key"]).toBe(key);
      expect(r.headers.authorization).toBeUndefined();
    },
  },
  {
    provider: "local",
    model: "llama3.1",
    key: "sk-e2e-local-0123456789abcdef",
    prices: [0.1, undefined, 0.3],
    // No cached price: cached input costs the input price. 2000 × 0.1 + 501 × 0.3 = 200 + 150.3 = 350.3 → 351
    costMicros: 351,
    start: openaiFake,
    providerConfig: (url, key) => ({ kind: "openai-compatible", baseUrl: url, apiKey: key }),
    expectStream(r, key) {
      expect(r.path).toBe("/v1/chat/completions");
      expect(r.headers.authorization).toBe(`Bearer ${key}`);
      expect(r.body).toMatchObject({ model: "llama3.1", stream: true });
    },
  },
];

const fakes = new Map<string, FakeHandle>();
let t: TestApp;
let sdk: OpenAI;

beforeAll(async () => {
  const providers: Record<string, unknown> = {};
  const models: Record<string, unknown>[] = [];
  for (const k of kinds) {
    const fake = await k.start(k.key);
    fakes.set(k.provider, fake);
    providers[k.provider] = { ...k.providerConfig(fake.url, k.key), models: [k.model] };
    const [input, cached, output] = k.prices;
    models.push({
      id: `${k.provider}/${k.model}`,
      inputPricePerMTok: input,
      ...(cached !== undefined ? { cachedInputPricePerMTok: cached } : {}),
      outputPricePerMTok: output,
      contextWindow: 128_000,
      maxOutputTokens: 4096,
      capabilities: ["chat", "streaming", "tools"],
    });
  }
  t = await startTestApp({ file: { providers, models } });
  sdk = new OpenAI({ apiKey: t.adminKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
  // Migrations and five fakes on a busy 2-core machine can outlast the default hook timeout.
}, 120_000);
afterAll(async () => {
  await t?.close();
  await Promise.all([...fakes.values()].map((f) => f.close()));
});
afterEach(() => {
  for (const f of fakes.values()) f.reset();
});

type Event = CompletionStreamSubscription["completionStream"];
const events = (r: { events: CompletionStreamSubscription[] }): Event[] => r.events.map((e) => e.completionStream);
const streamedText = (evs: Event[]): string => evs.map((e) => (e.__typename === "CompletionDelta" ? e.content : "")).join("");
const doneOf = (evs: Event[]) => {
  const last = evs.at(-1);
  return last?.__typename === "CompletionDone" ? last.completion : undefined;
};
type GqlError = { message: string; extensions?: Record<string, unknown> };
const ARGS = { city: "São Paulo", days: [1, 2], note: "quote \" — 東京" };
const TOOLS = [{ name: "get_weather", description: "Weather by city", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "array", items: { type: "integer" } }, note: { type: "string" } } } }];

function apiError(e: unknown): InstanceType<typeof OpenAI.APIError> {
  expect(e).toBeInstanceOf(OpenAI.APIError);
  return e as InstanceType<typeof OpenAI.APIError>;
}

describe.each(kinds)("provider kind $provider", (k) => {
  const model = `${k.provider}/${k.model}`;
  const fake = (): FakeHandle => fakes.get(k.provider)!;
  const input = (content: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "USER" as const, content }], ...extra });
  const scenario = (s: NeutralScenario) => fake().setScenario(s);
  const complete = (content: string) => gql<CompleteMutation>(t, t.adminKey, print(CompleteDocument), { input: input(content) });

  it("streams over the GraphQL subscription with provider usage, exact cost and finish reason", async () => {
    scenario({ content: "The same answer, from every provider.", usage: USAGE, splitBytes: 7, itlMs: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("Say it.") });
    expect(r.errors).toEqual([]);
    const evs = events(r);
    expect(evs.filter((e) => e.__typename === "CompletionDelta").length).toBeGreaterThan(3);
    expect(streamedText(evs)).toBe("The same answer, from every provider.");
    const c = doneOf(evs)!;
    expect(c).toMatchObject({ model, content: "The same answer, from every provider.", finishReason: "STOP" });
    expect(c.usage).toEqual({ inputTokens: 2000, outputTokens: 501, totalTokens: 2501, cachedInputTokens: 1000, estimated: false });
    expect(c.costUsd).toBeCloseTo(k.costMicros / 1e6, 12);
    expect(c.attempts).toMatchObject([{ model, provider: k.provider, outcome: "OK" }]);
    expect(fake().requests).toHaveLength(1);
    k.expectStream(fake().requests[0]!, k.key);
    const [row] = await usageRows(t, sql`id = ${c.id}`);
    expect(row).toMatchObject({ status: "ok", stream: true, transport: "graphql", provider: k.provider, input_tokens: 2000, output_tokens: 501, cached_input_tokens: 1000, tokens_estimated: false, finish_reason: "STOP" });
    expect(Number(row!.cost_micro_usd)).toBe(k.costMicros);
  });

  it("streams through the openai SDK with stream_options.include_usage", async () => {
    scenario({ content: "un deux trois quatre cinq", usage: USAGE, finish: "LENGTH", itlMs: 2 });
    const stream = await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "count" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let contentChunks = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let id = "";
    for await (const chunk of stream) {
      id = chunk.id;
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        text += delta;
        contentChunks++;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("un deux trois quatre cinq");
    expect(contentChunks).toBeGreaterThan(1);
    expect(finish).toBe("length");
    expect(usage).toMatchObject({ prompt_tokens: 2000, completion_tokens: 501, total_tokens: 2501, prompt_tokens_details: { cached_tokens: 1000 } });
    const [row] = await usageRows(t, sql`id = ${id.replace(/^chatcmpl-/, "")}`);
    expect(row).toMatchObject({ status: "ok", transport: "rest", stream: true, provider: k.provider, finish_reason: "LENGTH", tokens_estimated: false });
    expect(Number(row!.cost_micro_usd)).toBe(k.costMicros);
  });

  it("streams a tool call as deltas over GraphQL and returns it in OpenAI's format over REST", async () => {
    scenario({ toolCalls: [{ id: "call_w1", name: "get_weather", arguments: ARGS }], argChunkSize: 5 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("Weather?", { tools: TOOLS }) });
    expect(r.errors).toEqual([]);
    const evs = events(r);
    const calls = evs.flatMap((e) => (e.__typename === "CompletionDelta" && e.toolCall ? [e.toolCall] : []));
    expect(calls[0]).toMatchObject({ index: 0, id: "call_w1", name: "get_weather" });
    expect(calls.map((c) => c.argumentsDelta).join("")).toBe(JSON.stringify(ARGS));
    const c = doneOf(evs)!;
    expect(c.finishReason).toBe("TOOL_CALLS");
    expect(c.toolCalls).toEqual([{ id: "call_w1", name: "get_weather", arguments: JSON.stringify(ARGS) }]);

    const whole = await sdk.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Weather?" }],
      tools: TOOLS.map((f) => ({ type: "function" as const, function: f })),
    });
    expect(whole.choices[0]!.finish_reason).toBe("tool_calls");
    expect(whole.choices[0]!.message.tool_calls).toEqual([{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: JSON.stringify(ARGS) } }]);
  });

  it("maps a 429 with a long retry-after to UPSTREAM_ERROR + retryAfterMs (GraphQL) and 503 + retry-after (REST), without waiting for it", async () => {
    scenario({ status: 429, headers: { "retry-after": "20" }, errorMessage: "Rate limit reached, slow down" });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("hi") });
    expect(r.events).toEqual([]);
    expect(r.errors[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", retryAfterMs: 20_000, upstreamStatus: 429 });
    expect(r.errors[0]?.message).toContain("slow down");
    // Retrying inside the request would mean waiting 20 s: the caller is told when instead.
    expect(fake().requests).toHaveLength(1);

    const err = apiError(await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], stream: true }).catch((e: unknown) => e));
    expect(err.status).toBe(503);
    expect(err.headers?.get("retry-after")).toBe("20");
    expect(err.message).toContain("slow down");
  });

  it("retries a 429 with a short retry-after and answers", async () => {
    fake().enqueue({ status: 429, headers: { "retry-after": "0" } });
    const r = await complete("hi");
    expect(r.errors).toBeUndefined();
    expect(r.data!.complete.attempts).toMatchObject([
      { provider: k.provider, outcome: "ERROR", errorCode: "UPSTREAM_ERROR" },
      { provider: k.provider, outcome: "OK", errorCode: null },
    ]);
    expect(fake().requests).toHaveLength(2);
  });

  it("retries a 503 up to the attempt limit, then answers UPSTREAM_ERROR (GraphQL) and 503 (REST)", async () => {
    scenario({ status: 503 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("hi") });
    expect(r.errors[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", upstreamStatus: 503 });
    expect(fake().requests).toHaveLength(3);
    const err = apiError(await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e));
    expect(err.status).toBe(503);
  });

  it("makes a 400 final: UPSTREAM_ERROR with the provider's message (GraphQL), 502 (REST), tried once", async () => {
    scenario({ status: 400, errorMessage: "Invalid value at 'temperature': 7" });
    const r = await complete("hi");
    const e = r.errors?.[0];
    expect(e?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", upstreamStatus: 400 });
    expect(e?.message).toContain("Invalid value at 'temperature': 7");
    expect(fake().requests).toHaveLength(1);
    const err = apiError(await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }).catch((x: unknown) => x));
    expect(err.status).toBe(502);
    expect(err.message).toContain("Invalid value at 'temperature': 7");
    expect(fake().requests).toHaveLength(2);
  });

  it("maps an upstream 401 to UPSTREAM_ERROR (GraphQL) and 502 (REST) without the provider key, even when echoed", async () => {
    scenario({ status: 401, errorMessage: `Incorrect API key provided: ${k.key}` });
    const r = await complete("hi");
    const e = r.errors?.[0] as GqlError | undefined;
    expect(e?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", upstreamStatus: 401 });
    expect(e?.message).toContain("Incorrect API key provided");
    expect(JSON.stringify(r.errors)).not.toContain(k.key);
    expect(fake().requests).toHaveLength(1);
    const err = apiError(await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }).catch((x: unknown) => x));
    expect(err.status).toBe(502);
    expect(JSON.stringify(err.error)).not.toContain(k.key);
    expect(err.message).not.toContain(k.key);
    const rows = await usageRows(t, sql`model_requested = ${model} and status = 'error'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(k.key);
  });

  it("fails a stream the provider closes before its end marker, billing the tokens already sent", async () => {
    scenario({ tokens: ["alpha ", "beta ", "gamma ", "delta"], truncateAfter: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("cut me off") });
    expect(streamedText(events(r))).toBe("alpha beta ");
    expect(r.errors[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    expect(r.errors[0]?.message).toContain("ended before completion");
    // Tokens were already delivered, so the gateway must not retry (it would repeat them).
    expect(fake().requests).toHaveLength(1);
    const row = (await usageRows(t, sql`model_requested = ${model} and status = 'error' and stream`)).at(-1)!;
    expect(row).toMatchObject({ error_code: "UPSTREAM_ERROR", tokens_estimated: true });
    expect(row.output_tokens).toBeGreaterThan(0);
    expect(Number(row.cost_micro_usd)).toBeGreaterThan(0);
  });
});

describe("an Anthropic model through the OpenAI-compatible REST surface", () => {
  it("takes an OpenAI request (system message, max_tokens) and answers in OpenAI's format", async () => {
    const fake = fakes.get("anthropic")!;
    fake.setScenario({ content: "Bonjour, je suis Claude.", usage: USAGE });
    const r = await sdk.chat.completions.create({
      model: "anthropic/claude-sonnet-4-5",
      messages: [
        { role: "system", content: "Answer in French." },
        { role: "user", content: "Who are you?" },
      ],
      max_tokens: 64,
      temperature: 0.2,
    });
    expect(r).toMatchObject({ object: "chat.completion", model: "anthropic/claude-sonnet-4-5" });
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices).toEqual([expect.objectContaining({ index: 0, finish_reason: "stop", message: expect.objectContaining({ role: "assistant", content: "Bonjour, je suis Claude." }) })]);
    expect(r.usage).toMatchObject({ prompt_tokens: 2000, completion_tokens: 501, total_tokens: 2501, prompt_tokens_details: { cached_tokens: 1000 } });
    // Upstream it was a Messages API call: system at the top level, user turn only in messages.
    expect(fake.requests.at(-1)!.body).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      temperature: 0.2,
      system: expect.anything(),
      messages: [{ role: "user" }],
    });
    expect(JSON.stringify(fake.requests.at(-1)!.body?.["system"])).toContain("Answer in French.");
  });
});
