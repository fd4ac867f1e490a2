import { setTimeout as sleep } from "node:timers/promises";
import { messageText, type ChatChunk, type ChatRequest } from "../../domain/chat.js";
import { ErrorCode, GatewayError } from "../../domain/errors.js";
import type { ProviderAdapter } from "../contract.js";

/** Pace of the demo model: about what a small hosted model streams at. */
const FIRST_TOKEN_MS = 120;
const TOKEN_GAP_MS = 15;

/** A deterministic answer built from the prompt, so playground runs are reproducible. */
export function demoAnswer(req: ChatRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === "user");
  const prompt = last ? messageText(last).trim() : "";
  const excerpt = prompt.length > 120 ? `${prompt.slice(0, 117)}...` : prompt;
  return (
    `This is Switchboard's built-in demo model. You said: "${excerpt}". ` +
    "Configure a real provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or an OpenAI-compatible server) " +
    "and this answer will come from a real model, metered, budgeted and logged the same way."
  );
}

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

async function* demoStream(req: ChatRequest, _target: unknown, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  const pieces = words(demoAnswer(req));
  const limit = req.maxTokens ?? Number.POSITIVE_INFINITY;
  yield { type: "model", model: "echo" };
  await sleep(FIRST_TOKEN_MS, undefined, { signal }).catch(() => undefined);
  let sent = 0;
  for (const p of pieces) {
    if (signal.aborted) throw new GatewayError(ErrorCode.CLIENT_CLOSED, "request aborted");
    if (sent >= limit) {
      yield { type: "finish", reason: "LENGTH" };
      return;
    }
    yield { type: "text", text: p };
    sent++;
    await sleep(TOKEN_GAP_MS, undefined, { signal }).catch(() => undefined);
  }
  yield { type: "finish", reason: "STOP" };
}

/** Built-in zero-cost provider so a fresh `npm start` can be tried end to end with no key. */
export const demoAdapter: ProviderAdapter = {
  kind: "demo",
  tokenEstimateFactor: 1,
  unsupported(req) {
    if (req.tools?.length) return "the demo model does not call tools";
    if (req.responseFormat && req.responseFormat.type !== "text") return "the demo model has no JSON mode";
    return null;
  },
  buildRequest() {
    throw new Error("demo provider has no HTTP form");
  },
  parseResponse() {
    throw new Error("demo provider has no HTTP form");
  },
  createStreamDecoder() {
    throw new Error("demo provider has no HTTP form");
  },
  classifyError(status) {
    return new GatewayError(ErrorCode.UPSTREAM_ERROR, `demo ${status}`);
  },
  local: demoStream,
};
