import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient, subscribeAll } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { CompleteDocument, CompletionStreamDocument, type CompletionStreamSubscription } from "../generated/graphql.js";
import { sql } from "drizzle-orm";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
let fake: FakeOpenAI;
let t: TestApp;

export function localConfig(url: string) {
  return {
    providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
    models: [
      {
        id: "local/gpt-4o-mini",
        inputPricePerMTok: 0.15,
        outputPricePerMTok: 0.6,
        cachedInputPricePerMTok: 0.075,
        contextWindow: 128000,
        maxOutputTokens: 1000,
        capabilities: ["chat", "streaming", "tools", "json"],
      },
    ],
    aliases: { fast: "local/gpt-4o-mini" },
  };
}

const input = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "local/gpt-4o-mini",
  messages: [{ role: "USER" as const, content }],
  ...extra,
});

type Ev = CompletionStreamSubscription["completionStream"];
const text = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? e.completionStream.content : "")).join("");
const done = (events: CompletionStreamSubscription[]) => {
  const last = events.at(-1)?.completionStream as Ev | undefined;
  return last?.__typename === "CompletionDone" ? last.completion : undefined;
};

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({ file: localConfig(fake.url) });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
afterEach(() => fake.reset());

describe("complete mutation", () => {
  it("answers through @apollo/client with provider usage, exact cost and a usage record", async () => {
    fake.setScenario({ content: "Paris is the capital.", usage: { promptTokens: 1000, completionTokens: 2000, cachedTokens: 400 } });
    const client = apolloClient(t.url, t.adminKey);
    const { data } = await client.mutate({ mutation: CompleteDocument, variables: { input: input("Capital of France?", { tags: ["geo"] }) } });
    const c = data!.complete;
    expect(c.content).toBe("Paris is the capital.");
    expect(c.finishReason).toBe("STOP");
    expect(c.usage).toMatchObject({ inputTokens: 1000, outputTokens: 2000, totalTokens: 3000, cachedInputTokens: 400, estimated: false });
    // 600 fresh input × 0.15 + 400 cached × 0.075 + 2000 output × 0.6 = 90 + 30 + 1200 micro-USD
    expect(c.costUsd).toBeCloseTo(0.00132, 10);
    expect(c.attempts).toMatchObject([{ model: "local/gpt-4o-mini", provider: "local", outcome: "OK", error: null, errorCode: null }]);
    // The upstream got the upstream model name and its own key, never ours.
    const sent = fake.requests.at(-1)!;
    expect(sent.body).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Capital of France?" }] });
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const [row] = await usageRows(t, sql`id = ${c.id}`);
    expect(row).toMatchObject({ status: "ok", stream: false, transport: "graphql", provider: "local", model_requested: "local/gpt-4o-mini", input_tokens: 1000, output_tokens: 2000, tags: ["geo"], user_id: "admin" });
    expect(Number(row!.cost_micro_usd)).toBe(1320);
  });

  it("resolves an alias to its model", async () => {
    const client = apolloClient(t.url, t.adminKey);
    const { data } = await client.mutate({ mutation: CompleteDocument, variables: { input: { ...input("hi"), model: "fast" } } });
    expect(data!.complete.model).toBe("local/gpt-4o-mini");
    expect(data!.complete.requestedModel).toBe("fast");
  });

  it("maps an upstream HTTP error to UPSTREAM_ERROR with the provider's status and message, without the key", async () => {
    fake.setScenario({ status: 400, errorBody: { message: `context too long for key ${UPSTREAM_KEY}`, code: "context_length_exceeded" } });
    const client = apolloClient(t.url, t.adminKey);
    const err = await client.mutate({ mutation: CompleteDocument, variables: { input: input("x") } }).then(
      () => undefined,
      (e: unknown) => e as { errors?: { message: string; extensions: Record<string, unknown> }[] },
    );
    const e = err?.errors?.[0];
    expect(e?.extensions.code).toBe("UPSTREAM_ERROR");
    expect(e?.extensions.upstreamStatus).toBe(400);
    expect(e?.message).toContain("context too long");
    expect(e?.message).not.toContain(UPSTREAM_KEY);
    const rows = await usageRows(t, sql`error_code = 'UPSTREAM_ERROR'`);
    expect(rows.at(-1)).toMatchObject({ status: "error", input_tokens: 0, output_tokens: 0 });
    expect(JSON.stringify(rows)).not.toContain(UPSTREAM_KEY);
  });
});

describe("completionStream subscription (graphql-ws)", () => {
  it("streams deltas then one CompletionDone carrying provider usage from the usage-only final chunk", async () => {
    fake.setScenario({ content: "one two three four five", usage: { promptTokens: 12, completionTokens: 5 }, itlMs: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("count") });
    expect(r.errors).toEqual([]);
    expect(text(r.events)).toBe("one two three four five");
    const c = done(r.events)!;
    expect(c.content).toBe("one two three four five");
    expect(c.usage).toMatchObject({ inputTokens: 12, outputTokens: 5, estimated: false });
    expect(c.costUsd).toBeGreaterThan(0);
    expect(c.metrics.ttftMs).toBeGreaterThan(0);
    expect(c.metrics.itlMs).not.toBeNull();
    expect(fake.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [row] = await usageRows(t, sql`id = ${c.id}`);
    expect(row).toMatchObject({ status: "ok", stream: true, input_tokens: 12, output_tokens: 5, finish_reason: "STOP" });
    expect(row!.ttft_ms).toBeGreaterThan(0);
  });

  it("reassembles multi-byte characters split across TCP writes, with CRLF and keep-alive comments", async () => {
    const content = "héllo wörld 👋🏽 — 日本語 ok";
    fake.setScenario({ content, splitBytes: 1, crlf: true, comments: true });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("unicode") });
    expect(r.errors).toEqual([]);
    expect(text(r.events)).toBe(content);
    expect(done(r.events)!.content).toBe(content);
  });

  it("counts tokens itself when the server reports no usage, so a stream is never free", async () => {
    fake.setScenario({ content: "a reasonably long answer with several words in it", noUsage: true });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("no usage please") });
    const c = done(r.events)!;
    expect(c.usage.estimated).toBe(true);
    expect(c.usage.inputTokens).toBeGreaterThan(3);
    expect(c.usage.outputTokens).toBe(9);
    expect(c.costUsd).toBeGreaterThan(0);
  });

  it("streams tool-call argument deltas and returns the whole call", async () => {
    fake.setScenario({ toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Zürich", unit: "c" } }], argChunkSize: 3 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, {
      input: input("weather?", { tools: [{ name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }] }),
    });
    const deltas = r.events.map((e) => e.completionStream).filter((e) => e.__typename === "CompletionDelta" && e.toolCall);
    expect(deltas.length).toBeGreaterThan(3);
    const c = done(r.events)!;
    expect(c.finishReason).toBe("TOOL_CALLS");
    expect(c.toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: JSON.stringify({ city: "Zürich", unit: "c" }) }]);
  });

  it("ends with a typed error when the upstream fails mid-stream, and records the tokens already sent", async () => {
    fake.setScenario({ content: "alpha beta gamma delta epsilon", errorAfter: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("fail midway") });
    expect(text(r.events)).toBe("alpha beta");
    expect(r.errors[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    const rows = await usageRows(t, sql`status = 'error' and stream`);
    const row = rows.at(-1)!;
    expect(row.error_code).toBe("UPSTREAM_ERROR");
    expect(row.output_tokens).toBe(2);
    expect(row.tokens_estimated).toBe(true);
    expect(Number(row.cost_micro_usd)).toBeGreaterThan(0);
  });

  it("aborts the upstream at once when the client completes the subscription", async () => {
    fake.setScenario({ content: Array.from({ length: 200 }, (_, i) => `w${i}`).join(" "), itlMs: 100 });
    const started = Date.now();
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("slow") }, { stopAfter: 2 });
    expect(r.events.length).toBe(2);
    await fake.waitFor(() => fake.aborted === 1, 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.active).toBe(0);
    await expect.poll(async () => (await usageRows(t, sql`status = 'cancelled'`)).length, { timeout: 3000 }).toBeGreaterThan(0);
    const row = (await usageRows(t, sql`status = 'cancelled'`)).at(-1)!;
    expect(row.error_code).toBe("CLIENT_CLOSED");
    expect(row.output_tokens).toBeGreaterThan(0);
  });

  it("a complete mutation sent over graphql-ws stops upstream when the socket closes, and is recorded as cancelled", async () => {
    fake.setScenario({ content: "never sent", hang: true });
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${t.adminKey}` }, retryAttempts: 0, lazy: false });
    const sub = client.iterate({ query: `mutation($input: CompletionInput!) { complete(input: $input) { id } }`, variables: { input: input("over the socket") } });
    const pending = sub.next().catch(() => undefined);
    await fake.waitFor(() => fake.requests.length === 1, 2000);
    await client.dispose();
    await fake.waitFor(() => fake.disconnects === 1, 2000);
    await pending;
    await expect.poll(async () => (await usageRows(t, sql`status = 'cancelled' and error_code = 'CLIENT_CLOSED' and stream = false`)).length, { timeout: 3000 }).toBe(1);
  });
});
