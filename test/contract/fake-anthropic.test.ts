import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createParser } from "eventsource-parser";
import { scenarioHeader, startFakeAnthropic } from "../fakes/anthropic.js";
import type { FakeAnthropic, Scenario } from "../fakes/anthropic.js";

// The fake is only worth its name if it speaks Anthropic's documented wire format; these pin it.
type Json = Record<string, unknown>;
const KEY = "sk-ant-fake-key";
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => fake.reset());

function post(body: Json, scenario?: Scenario, headers: Record<string, string> = {}): Promise<Response> {
  const h = { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json", ...(scenario ? scenarioHeader(scenario) : {}), ...headers };
  return fetch(`${fake.url}/messages`, { method: "POST", headers: h, body: JSON.stringify(body) });
}
const msg = (extra: Json = {}): Json => ({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...extra });

async function events(res: Response): Promise<{ event: string | undefined; data: Json }[]> {
  const out: { event: string | undefined; data: Json }[] = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event, data: JSON.parse(e.data) as Json }) });
  parser.feed(await res.text());
  return out;
}

describe("fake Anthropic upstream", () => {
  it("streams the documented event sequence, event names matching data types", async () => {
    const res = await post(msg({ stream: true }), {
      tokens: ["Hel", "lo"],
      toolCalls: [{ id: "toolu_1", name: "f", arguments: { a: 1 } }],
      usage: { inputTokens: 5, cacheReadTokens: 7, cacheCreationTokens: 2, outputTokens: 9 },
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const evs = await events(res);
    for (const e of evs) expect(e.event).toBe(e.data["type"]);
    expect(evs.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(evs[0]?.data["message"]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: null,
      usage: { input_tokens: 5, cache_read_input_tokens: 7, cache_creation_input_tokens: 2, output_tokens: 1 },
    });
    expect(evs[6]?.data).toEqual({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} } });
    expect(evs[7]?.data).toEqual({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } });
    expect(evs.at(-2)?.data).toEqual({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } });
  });

  it("sends an overloaded `event: error` mid-stream", async () => {
    const evs = await events(await post(msg({ stream: true }), { tokens: ["a", "b", "c"], errorAfter: 1 }));
    expect(evs.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
  });

  it.each<[string, Json, Record<string, string>, number, string]>([
    ["a missing key", msg(), { "x-api-key": "" }, 401, "x-api-key header is required"],
    ["a wrong key", msg(), { "x-api-key": "sk-ant-other" }, 401, "invalid x-api-key"],
    ["a missing anthropic-version", msg(), { "anthropic-version": "" }, 400, "anthropic-version"],
    ["a missing max_tokens", { model: "m", messages: [{ role: "user", content: "x" }] }, {}, 400, "max_tokens: Field required"],
    ["an OpenAI-only field", msg({ stream_options: { include_usage: true } }), {}, 400, "stream_options: Extra inputs are not permitted"],
    ["a system role message", msg({ messages: [{ role: "system", content: "x" }] }), {}, 400, "messages.0.role"],
    ["temperature above 1", msg({ temperature: 1.2 }), {}, 400, "temperature"],
    ["an empty text block", msg({ messages: [{ role: "user", content: [{ type: "text", text: "" }] }] }), {}, 400, "non-empty"],
    [
      "a tool_result without its tool_use",
      msg({ messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_x", content: "r" }] }] }),
      {},
      400,
      "toolu_x",
    ],
  ])("rejects %s like Anthropic does", async (_name, body, headers, status, message) => {
    const h = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ""));
    const res = await fetch(`${fake.url}/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...("x-api-key" in headers ? {} : { "x-api-key": KEY }),
        ...("anthropic-version" in headers ? {} : { "anthropic-version": "2023-06-01" }),
        ...h,
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    const err = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(err.type).toBe("error");
    expect(err.error.message).toContain(message);
    expect(err.request_id).toMatch(/^req_/);
  });

  it("answers a non-stream message with thinking, text and tool_use blocks", async () => {
    const res = await post(msg(), { thinking: "hmm", content: "Sure.", toolCalls: [{ id: "toolu_2", name: "g", arguments: { b: 2 } }], usage: { outputTokens: 4 } });
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "thinking", thinking: "hmm" }, { type: "text", text: "Sure." }, { type: "tool_use", id: "toolu_2", name: "g", input: { b: 2 } }],
      stop_reason: "tool_use",
      usage: { output_tokens: 4 },
    });
  });
});
