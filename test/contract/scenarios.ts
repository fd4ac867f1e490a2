import type { Scenario as AnthropicScenario } from "../fakes/anthropic.js";
import type { Scenario as GeminiScenario } from "../fakes/gemini.js";
import type { Scenario as OpenAIScenario } from "../fakes/openai.js";
import type { NeutralScenario } from "./harness.js";

// Neutral scenarios in each provider's own terms: shared by the contract suite and the e2e tests,
// so "the same answer from every provider" means the same thing in both.

function wireCommon(n: NeutralScenario) {
  const { content, tokens, toolCalls, argChunkSize, comments, errorAfter, dieAfter, truncateAfter, delayMs, itlMs, status, headers, hang } = n;
  const { crlf, splitBytes, splitDelayMs } = n;
  const picked = {
    ...{ content, tokens, toolCalls, argChunkSize, comments, errorAfter, dieAfter, truncateAfter, delayMs, itlMs, status, headers, hang },
    ...{ crlf, splitBytes, splitDelayMs },
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

const OPENAI_FINISH = { STOP: "stop", LENGTH: "length", CONTENT_FILTER: "content_filter" } as const;
export function toOpenAI(n: NeutralScenario): OpenAIScenario {
  return {
    ...wireCommon(n),
    ...(n.finish ? { finishReason: OPENAI_FINISH[n.finish] } : {}),
    ...(n.usage ? { usage: { promptTokens: n.usage.input, completionTokens: n.usage.output, cachedTokens: n.usage.cached ?? 0 } } : {}),
    ...(n.streamError ? { streamError: { type: n.streamError.retryable ? "server_error" : "invalid_request_error", message: n.streamError.message } } : {}),
    ...(n.errorMessage ? { errorBody: { message: n.errorMessage } } : {}),
  };
}

const ANTHROPIC_FINISH = { STOP: "end_turn", LENGTH: "max_tokens", CONTENT_FILTER: "refusal" } as const;
export function toAnthropic(n: NeutralScenario): AnthropicScenario {
  const u = n.usage;
  return {
    ...wireCommon(n),
    ...(n.finish ? { finishReason: ANTHROPIC_FINISH[n.finish] } : {}),
    // Anthropic reports cache reads beside, not inside, input_tokens.
    ...(u ? { usage: { inputTokens: u.input - (u.cached ?? 0), cacheReadTokens: u.cached ?? 0, outputTokens: u.output } } : {}),
    ...(n.streamError ? { streamError: { type: n.streamError.retryable ? "overloaded_error" : "invalid_request_error", message: n.streamError.message } } : {}),
    ...(n.errorMessage ? { errorBody: { message: n.errorMessage } } : {}),
  };
}

const GEMINI_FINISH = { STOP: "STOP", LENGTH: "MAX_TOKENS", CONTENT_FILTER: "SAFETY" } as const;
export function toGemini(n: NeutralScenario): GeminiScenario {
  // A Gemini function call arrives whole, so there is no fragment size to choose.
  const { argChunkSize: _whole, ...common } = wireCommon(n);
  return {
    ...common,
    ...(n.finish ? { finishReason: GEMINI_FINISH[n.finish] } : {}),
    // promptTokenCount includes the cached part, as our Usage does.
    ...(n.usage ? { usage: { promptTokens: n.usage.input, completionTokens: n.usage.output, cachedTokens: n.usage.cached ?? 0 } } : {}),
    ...(n.streamError
      ? { streamError: n.streamError.retryable ? { code: 503, status: "UNAVAILABLE", message: n.streamError.message } : { code: 400, status: "INVALID_ARGUMENT", message: n.streamError.message } }
      : {}),
    ...(n.errorMessage ? { errorBody: { message: n.errorMessage } } : {}),
  };
}
