import { describe, it, expect, afterEach, beforeAll, afterAll } from "vitest";
import { createParser } from "eventsource-parser";
import { startFakeOpenAI, scenarioHeader } from "../fakes/openai.js";
import type { FakeOpenAI, Scenario } from "../fakes/openai.js";

let fake: FakeOpenAI;
const KEY = "sk-test";

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, models: ["gpt-4o", "gpt-4o-mini", "o3"] });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
});

type Json = Record<string, unknown>;

function post(body: Json, scenario?: Scenario, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  if (scenario) Object.assign(headers, scenarioHeader(scenario));
  return fetch(`${fake.url}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body), signal });
}

const chat = (extra: Json = {}): Json => ({ model: "gpt-4o", messages: [{ role: "user", content: "hi there" }], ...extra });

/** Reads the raw body chunk by chunk, keeping each network read so tests can see how bytes arrived. */
async function readRaw(res: Response): Promise<{ text: string; reads: Uint8Array[] }> {
  const reads: Uint8Array[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads.push(value);
  }
  return { text: Buffer.concat(reads).toString("utf8"), reads };
}

function parseSse(text: string): { data: string[]; comments: string[] } {
  const data: string[] = [];
  const comments: string[] = [];
  const parser = createParser({ onEvent: (e) => data.push(e.data), onComment: (c) => comments.push(c) });
  parser.feed(text);
  return { data, comments };
}

const jsonEvents = (data: string[]): Json[] => data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as Json);
type Choice = { delta: Json; finish_reason: string | null };
const choices = (e: Json): Choice[] => (e["choices"] as Choice[] | undefined) ?? [];
const contentOf = (events: Json[]): string =>
  events.flatMap(choices).map((c) => (typeof c.delta["content"] === "string" ? c.delta["content"] : "")).join("");

describe("fake OpenAI upstream", () => {
  it("answers a non-stream completion in OpenAI's shape", async () => {
    fake.setScenario({ content: "Bonjour, ça va ?", usage: { promptTokens: 7, cachedTokens: 3 } });
    const res = await post(chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o",
      choices: [{ index: 0, message: { role: "assistant", content: "Bonjour, ça va ?", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: {
        prompt_tokens: 7,
        completion_tokens: 4,
        total_tokens: 11,
        prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(body["id"]).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(typeof body["created"]).toBe("number");
    expect(body["system_fingerprint"]).toMatch(/^fp_[0-9a-f]{10}$/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", body: chat() });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("returns tool calls non-streamed with null content", async () => {
    fake.setScenario({ toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }] });
    const body = (await (await post(chat())).json()) as Json;
    expect(body["choices"]).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
  });

  it("streams role chunk, deltas, finish chunk, usage chunk and [DONE]", async () => {
    fake.setScenario({ content: "one two three" });
    const res = await post(chat({ stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const { data } = parseSse((await readRaw(res)).text);
    expect(data.at(-1)).toBe("[DONE]");
    const events = jsonEvents(data);
    expect(events).toHaveLength(6);
    for (const e of events) {
      expect(e).toMatchObject({ object: "chat.completion.chunk", model: "gpt-4o", id: events[0]?.["id"] });
      expect(e).toHaveProperty("usage");
    }
    expect(choices(events[0] as Json)).toEqual([{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }]);
    expect(events.slice(1, 4).map((e) => choices(e)[0]?.delta)).toEqual([{ content: "one" }, { content: " two" }, { content: " three" }]);
    expect(events.slice(0, 5).every((e) => e["usage"] === null)).toBe(true);
    expect(choices(events[4] as Json)).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
    expect(events[5]).toMatchObject({ choices: [], usage: { completion_tokens: 3, total_tokens: expect.any(Number) as number } });
  });

  it("omits usage without include_usage, and with noUsage", async () => {
    for (const [extra, scenario] of [[{}, {}], [{ stream_options: { include_usage: true } }, { noUsage: true }]] as const) {
      const { data } = parseSse((await readRaw(await post(chat({ stream: true, ...extra }), scenario))).text);
      const events = jsonEvents(data);
      expect(events.some((e) => "usage" in e)).toBe(false);
      expect(events.every((e) => choices(e).length === 1)).toBe(true);
    }
  });

  it("streams tool calls as a header delta followed by argument fragments", async () => {
    const args = '{"city":"Zürich","unit":"c"}';
    fake.setScenario({ toolCalls: [{ id: "call_a", name: "get_weather", arguments: args }], argChunkSize: 5 });
    const events = jsonEvents(parseSse((await readRaw(await post(chat({ stream: true })))).text).data);
    const first = choices(events[0] as Json)[0]?.delta;
    expect(first).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }],
      refusal: null,
    });
    const frags = events.slice(1, -1).map((e) => {
      const tc = (choices(e)[0]?.delta["tool_calls"] as { index: number; function: { arguments: string } }[])[0];
      expect(tc?.index).toBe(0);
      return tc?.function.arguments ?? "";
    });
    expect(frags.length).toBeGreaterThan(3);
    expect(frags.join("")).toBe(args);
    expect(choices(events.at(-1) as Json)[0]?.finish_reason).toBe("tool_calls");
  });

  it("splitBytes cuts through UTF-8 characters and events yet reassembles byte-exactly", async () => {
    const content = "Café ☕ naïve 🎉🇫🇷 — done.";
    const fixed: Scenario = { content, id: "chatcmpl-fixed", created: 1, systemFingerprint: "fp_x", crlf: true, comments: true };
    const whole = await readRaw(await post(chat({ stream: true }), fixed));
    const split = await readRaw(await post(chat({ stream: true }), { ...fixed, splitBytes: 3 }));
    expect(split.text).toBe(whole.text);
    expect(split.text).toContain("\r\n\r\n");
    expect(split.reads.length).toBeGreaterThan(10);
    // At least one read must end mid-character, otherwise the test proves nothing about decoders.
    const midChar = split.reads.some((r) => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(r);
        return false;
      } catch {
        return true;
      }
    });
    expect(midChar).toBe(true);
    const parsed = parseSse(split.text);
    expect(parsed.comments.length).toBeGreaterThan(0);
    expect(contentOf(jsonEvents(parsed.data))).toBe(content);
  });

  it("counts a client abort mid-stream and stops writing", async () => {
    const ac = new AbortController();
    const res = await post(chat({ stream: true }), { tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), itlMs: 20 }, ac.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await fake.waitFor((f) => f.active === 1);
    ac.abort();
    await fake.waitFor((f) => f.aborted === 1 && f.active === 0);
    expect(fake.disconnects).toBe(1);
  });

  it("does not count a completed stream as aborted", async () => {
    await readRaw(await post(chat({ stream: true })));
    await fake.waitFor((f) => f.active === 0);
    expect(fake.aborted).toBe(0);
  });

  it("sends an in-stream error after n deltas", async () => {
    const { data } = parseSse((await readRaw(await post(chat({ stream: true }), { content: "a b c d", errorAfter: 2 }))).text);
    expect(data).not.toContain("[DONE]");
    const events = jsonEvents(data);
    expect(contentOf(events)).toBe("a b");
    expect(events.at(-1)).toEqual({ error: { message: expect.any(String) as string, type: "server_error", param: null, code: null } });
  });

  it("destroys the socket after n deltas with dieAfter", async () => {
    const res = await post(chat({ stream: true }), { content: "a b c d", dieAfter: 1 });
    await expect(readRaw(res)).rejects.toThrow();
    expect(fake.aborted).toBe(0);
  });

  it("answers HTTP errors in OpenAI's format with custom headers", async () => {
    fake.setScenario({ status: 429, headers: { "retry-after": "2" } });
    const res = await post(chat());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({ error: { message: expect.any(String) as string, type: "requests", param: null, code: "rate_limit_exceeded" } });

    const res400 = await post(chat(), { status: 400, errorBody: { code: "context_length_exceeded", param: "messages" } });
    expect(res400.status).toBe(400);
    expect(await res400.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } });
  });

  it("consumes queued scenarios before the default", async () => {
    fake.enqueue({ status: 503 }, { status: 500 });
    expect((await post(chat())).status).toBe(503);
    expect((await post(chat())).status).toBe(500);
    expect((await post(chat())).status).toBe(200);
  });

  it("rejects a bad or missing API key", async () => {
    const wrong = await fetch(`${fake.url}/models`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key", param: null } });
    const missing = await fetch(`${fake.url}/models`);
    expect(missing.status).toBe(401);
  });

  it("lists models", async () => {
    const res = await fetch(`${fake.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await res.json()).toEqual({
      object: "list",
      data: ["gpt-4o", "gpt-4o-mini", "o3"].map((id) => ({ id, object: "model", created: expect.any(Number) as number, owned_by: "system" })),
    });
  });

  it("hangs until the client gives up", async () => {
    const ac = new AbortController();
    const pending = post(chat(), { hang: true }, ac.signal);
    await fake.waitFor((f) => f.requests.length === 1);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await fake.waitFor((f) => f.disconnects === 1);
  });
});
