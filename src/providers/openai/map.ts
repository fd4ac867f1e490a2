import type { ChatMessage, ChatRequest, FinishReason, Usage } from "../../domain/chat.js";
import type { ProviderTarget } from "../contract.js";
import type { WireUsage } from "./wire.js";

const FINISH: Record<string, FinishReason> = {
  stop: "STOP",
  length: "LENGTH",
  tool_calls: "TOOL_CALLS",
  function_call: "TOOL_CALLS",
  content_filter: "CONTENT_FILTER",
};

export function mapFinish(raw: string): FinishReason {
  return FINISH[raw] ?? "STOP";
}

export function mapUsage(u: NonNullable<WireUsage>): Partial<Usage> {
  const out: Partial<Usage> = {};
  if (u.prompt_tokens != null) out.inputTokens = u.prompt_tokens;
  if (u.completion_tokens != null) out.outputTokens = u.completion_tokens;
  const cached = u.prompt_tokens_details?.cached_tokens;
  if (cached != null) out.cachedInputTokens = cached;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (reasoning != null) out.reasoningTokens = reasoning;
  return out;
}

function wireMessage(m: ChatMessage): Record<string, unknown> {
  const content =
    typeof m.content === "string"
      ? m.content
      : m.content.map((p) =>
          p.type === "text"
            ? { type: "text", text: p.text }
            : { type: "image_url", image_url: { url: p.url, ...(p.detail ? { detail: p.detail } : {}) } },
        );
  const out: Record<string, unknown> = { role: m.role, content };
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
    if (content === "") out.content = null;
  }
  if (m.toolCallId) out.tool_call_id = m.toolCallId;
  if (m.name) out.name = m.name;
  return out;
}

/**
 * OpenAI proper and Azure take `max_completion_tokens` (required by reasoning models);
 * generic OpenAI-compatible servers (vLLM, Ollama, Groq) only reliably know `max_tokens`.
 */
export function buildBody(req: ChatRequest, target: ProviderTarget, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: target.upstreamModel,
    messages: req.messages.map(wireMessage),
  };
  if (req.maxTokens !== undefined) body[target.kind === "openai-compatible" ? "max_tokens" : "max_completion_tokens"] = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop?.length) body.stop = req.stop;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      type: "function",
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  if (req.toolChoice !== undefined) {
    body.tool_choice = typeof req.toolChoice === "string" ? req.toolChoice : { type: "function", function: { name: req.toolChoice.name } };
  }
  if (req.responseFormat) {
    const f = req.responseFormat;
    body.response_format =
      f.type === "json_schema"
        ? { type: "json_schema", json_schema: { name: f.name, schema: f.schema, ...(f.strict !== undefined ? { strict: f.strict } : {}) } }
        : { type: f.type };
  }
  if (req.user !== undefined) body.user = req.user;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}
