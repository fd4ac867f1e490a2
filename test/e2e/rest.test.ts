import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { usageRows } from "../helpers/db.js";

const UPSTREAM_KEY = "sk-upstream-rest-0123456789";
let fake: FakeOpenAI;
let t: TestApp;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
      models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, maxOutputTokens: 500, capabilities: ["chat", "streaming", "tools", "json"] }],
    },
  });
  client = new OpenAI({ apiKey: t.adminKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
afterEach(() => fake.reset());

describe("OpenAI-compatible REST with the official openai SDK", () => {
  it("lists the catalogue at GET /v1/models", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("local/gpt-4o-mini");
  });

  it("retrieves one model at GET /v1/models/{id} (models.retrieve), 404 for an unknown one", async () => {
    const m = await client.models.retrieve("local/gpt-4o-mini");
    expect(m).toMatchObject({ id: "local/gpt-4o-mini", object: "model", owned_by: "local" });
    const err = await client.models.retrieve("local/nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers a non-streamed chat completion in OpenAI's format, with the same usage record", async () => {
    fake.setScenario({ content: "Bonjour!", usage: { promptTokens: 10, completionTokens: 3 } });
    const r = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "developer", content: "be brief" }, { role: "user", content: "hello in French" }], max_tokens: 20 });
    expect(r.choices[0]!.message.content).toBe("Bonjour!");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    expect(fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 20, messages: [{ role: "system" }, { role: "user" }] });
    const [row] = await usageRows(t, sql`transport = 'rest' and status = 'ok'`);
    expect(row).toMatchObject({ input_tokens: 10, output_tokens: 3, stream: false });
  });

  it("streams with stream_options.include_usage: deltas, finish reason, then a usage-only chunk", async () => {
    fake.setScenario({ content: "un deux trois quatre", usage: { promptTokens: 7, completionTokens: 4 }, splitBytes: 3 });
    const stream = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "count in French" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("un deux trois quatre");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 4 });
  });

  it("streams tool calls the SDK can reassemble", async () => {
    fake.setScenario({ toolCalls: [{ id: "call_9", name: "lookup", arguments: { q: "switchboard" } }] });
    const stream = client.chat.completions.stream({
      model: "local/gpt-4o-mini",
      messages: [{ role: "user", content: "look it up" }],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: "call_9", function: { name: "lookup", arguments: '{"q":"switchboard"}' } });
  });

  it("raises the SDK's typed errors with OpenAI status codes", async () => {
    const bad = new OpenAI({ apiKey: "sb-wrong", baseURL: `${t.url}/v1`, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const unknown = await client.chat.completions.create({ model: "local/gpt-4o-mni", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("did you mean");
    const unsupported = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }], n: 2 }).catch((e: unknown) => e);
    expect(unsupported).toBeInstanceOf(OpenAI.BadRequestError);
    fake.setScenario({ status: 503 });
    const down = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    expect((down as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it("reports a mid-stream upstream failure inside the stream after the first token", async () => {
    fake.setScenario({ content: "a b c d e f", errorAfter: 2 });
    const stream = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(text).toBe("a b");
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it("aborts the upstream when the SDK client aborts", async () => {
    fake.setScenario({ content: Array.from({ length: 100 }, (_, i) => `w${i}`).join(" "), itlMs: 50 });
    const ac = new AbortController();
    const stream = await client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true }, { signal: ac.signal });
    let n = 0;
    await (async () => {
      for await (const _ of stream) if (++n === 3) ac.abort();
    })().catch(() => undefined);
    await fake.waitFor(() => fake.aborted === 1, 2000);
    await expect.poll(async () => (await usageRows(t, sql`transport = 'rest' and status = 'cancelled'`)).length, { timeout: 3000 }).toBe(1);
  });
});
