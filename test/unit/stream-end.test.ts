import { describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../src/providers/anthropic/index.js";
import type { ProviderTarget } from "../../src/providers/contract.js";
import { openaiAdapter } from "../../src/providers/openai/index.js";

const target = (kind: ProviderTarget["kind"]): ProviderTarget => ({ provider: "p", kind, baseUrl: "http://x", apiKey: "k", headers: {}, upstreamModel: "m" });

describe("a stream that closes before its end marker is an error, not a short success", () => {
  it("OpenAI: no finish_reason and no [DONE]", () => {
    const d = openaiAdapter.createStreamDecoder(target("openai"));
    d.onEvent({ event: undefined, data: JSON.stringify({ choices: [{ index: 0, delta: { content: "par" } }] }) });
    expect(() => d.end()).toThrow(/ended before completion/);
    const ok = openaiAdapter.createStreamDecoder(target("openai"));
    ok.onEvent({ event: undefined, data: JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) });
    expect(() => ok.end()).not.toThrow();
  });

  it("Anthropic: no message_stop and no stop_reason", () => {
    const d = anthropicAdapter.createStreamDecoder(target("anthropic"));
    d.onEvent({ event: "content_block_delta", data: JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } }) });
    expect(() => d.end()).toThrow(/ended before completion/);
    d.onEvent({ event: "message_stop", data: JSON.stringify({ type: "message_stop" }) });
    expect(() => d.end()).not.toThrow();
  });
});
