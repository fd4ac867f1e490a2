import type { ChatChunk, ChatResult } from "../../domain/chat.js";
import { ErrorCode, GatewayError } from "../../domain/errors.js";
import type { ProviderAdapter, ProviderTarget, SseEvent, StreamDecoder } from "../contract.js";
import { streamError, truncated, upstreamError } from "../errors.js";
import { buildBody, mapFinish, mapUsage } from "./map.js";
import { ChatCompletion, ChatCompletionChunk } from "./wire.js";

function headers(target: ProviderTarget): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...target.headers };
  if (target.apiKey) {
    if (target.kind === "azure") h["api-key"] = target.apiKey;
    else h.authorization = `Bearer ${target.apiKey}`;
  }
  return h;
}

function url(target: ProviderTarget): string {
  const base = target.baseUrl.replace(/\/+$/, "");
  if (target.kind === "azure") {
    // Azure addresses a deployment, not a model: {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…
    const version = encodeURIComponent(target.apiVersion ?? "2024-10-21");
    return `${base}/openai/deployments/${encodeURIComponent(target.upstreamModel)}/chat/completions?api-version=${version}`;
  }
  return `${base}/chat/completions`;
}

function invalid(target: ProviderTarget, what: string): GatewayError {
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: unexpected response shape (${what})`, { retryable: true });
}

class OpenAIStreamDecoder implements StreamDecoder {
  private modelSent = false;
  /** `[DONE]` or a finish_reason: some compatible servers omit one of the two, none omits both. */
  private finished = false;
  constructor(private readonly target: ProviderTarget) {}

  onEvent(ev: SseEvent): ChatChunk[] {
    const data = ev.data;
    if (data === "[DONE]") {
      this.finished = true;
      return [];
    }
    if (data === "") return [];
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw invalid(this.target, "invalid JSON in stream");
    }
    const parsed = ChatCompletionChunk.safeParse(json);
    if (!parsed.success) throw invalid(this.target, "stream chunk");
    const chunk = parsed.data;
    if (chunk.error) throw streamError(this.target.provider, chunk.error.message, chunk.error.type ?? undefined);
    const out: ChatChunk[] = [];
    if (!this.modelSent && chunk.model) {
      this.modelSent = true;
      out.push({ type: "model", model: chunk.model });
    }
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0) continue;
      const d = choice.delta;
      if (d?.content) out.push({ type: "text", text: d.content });
      if (d?.refusal) out.push({ type: "text", text: d.refusal });
      for (const tc of d?.tool_calls ?? []) {
        out.push({
          type: "tool_call",
          index: tc.index,
          ...(tc.id ? { id: tc.id } : {}),
          ...(tc.function?.name ? { name: tc.function.name } : {}),
          argumentsDelta: tc.function?.arguments ?? "",
        });
      }
      if (choice.finish_reason) {
        this.finished = true;
        out.push({ type: "finish", reason: mapFinish(choice.finish_reason), raw: choice.finish_reason });
      }
    }
    if (chunk.usage) out.push({ type: "usage", usage: mapUsage(chunk.usage) });
    return out;
  }

  end(): void {
    if (!this.finished) throw truncated(this.target);
  }
}

/** OpenAI Chat Completions; also Azure OpenAI and any OpenAI-compatible server (vLLM, Ollama, Groq…). */
export const openaiAdapter: ProviderAdapter = {
  kind: "openai",
  tokenEstimateFactor: 1,
  unsupported() {
    return null;
  },
  buildRequest(req, target, stream) {
    return { url: url(target), headers: headers(target), body: JSON.stringify(buildBody(req, target, stream)) };
  },
  parseResponse(body, target): ChatResult {
    const parsed = ChatCompletion.safeParse(body);
    if (!parsed.success) throw invalid(target, "chat.completion");
    const r = parsed.data;
    const choice = r.choices[0];
    const toolCalls = (choice?.message.tool_calls ?? []).map((c, i) => ({
      id: c.id ?? `call_${i}`,
      name: c.function?.name ?? "",
      arguments: c.function?.arguments ?? "",
    }));
    return {
      content: choice?.message.content ?? choice?.message.refusal ?? "",
      toolCalls,
      finishReason: choice?.finish_reason ? mapFinish(choice.finish_reason) : "STOP",
      ...(r.usage ? { usage: mapUsage(r.usage) } : {}),
      ...(r.model ? { model: r.model } : {}),
    };
  },
  createStreamDecoder(target) {
    return new OpenAIStreamDecoder(target);
  },
  classifyError(status, bodyText, headers, target) {
    return upstreamError(target.provider, status, bodyText, headers);
  },
};
