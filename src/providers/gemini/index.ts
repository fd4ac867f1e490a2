import type { ChatChunk, ChatResult } from "../../domain/chat.js";
import { ErrorCode, GatewayError, badInput } from "../../domain/errors.js";
import type { ProviderAdapter, ProviderTarget, SseEvent, StreamDecoder } from "../contract.js";
import { isRetryableStatus, streamError, truncated, upstreamError } from "../errors.js";
import { buildBody, mapFinish, mapUsage, readParts } from "./map.js";
import { ErrorBody, GenerateContentResponse, StreamChunk } from "./wire.js";
import type { GoogleError } from "./wire.js";

/** The key travels in a header, never in `?key=`, so it cannot end up in access logs or error messages. */
function headers(target: ProviderTarget, stream: boolean): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...target.headers,
  };
  if (target.apiKey) h["x-goog-api-key"] = target.apiKey;
  return h;
}

function url(target: ProviderTarget, stream: boolean): string {
  const base = target.baseUrl.replace(/\/+$/, "");
  const model = encodeURIComponent(target.upstreamModel);
  // Without alt=sse the stream endpoint answers one JSON array, written piece by piece.
  return stream ? `${base}/models/${model}:streamGenerateContent?alt=sse` : `${base}/models/${model}:generateContent`;
}

function invalid(target: ProviderTarget, what: string): GatewayError {
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: unexpected response shape (${what})`, { retryable: true });
}

const RETRYABLE_STATUS = new Set(["RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"]);

/** Google sends the same google.rpc.Status inside a 200 stream when generation fails midway. */
function inStreamError(target: ProviderTarget, e: GoogleError): GatewayError {
  const retryable = (e.status != null && RETRYABLE_STATUS.has(e.status)) || (e.code != null && isRetryableStatus(e.code));
  return streamError(target.provider, e.message ?? "stream error", e.status ?? undefined, { retryable });
}

/** `RetryInfo.retryDelay` is a protobuf Duration in JSON form: "12s", "0.5s". */
function retryDelayMs(e: GoogleError): number | undefined {
  for (const d of e.details ?? []) {
    if (d["@type"] !== "type.googleapis.com/google.rpc.RetryInfo") continue;
    const m = /^(\d+(?:\.\d+)?)s$/.exec(String(d["retryDelay"] ?? ""));
    if (m?.[1]) return Math.ceil(Number(m[1]) * 1000);
  }
  return undefined;
}

/**
 * Stateful per stream. Each SSE event is a whole GenerateContentResponse carrying only the new
 * text; usage is cumulative (the last one wins); a function call arrives whole in one event.
 */
export class GeminiStreamDecoder implements StreamDecoder {
  private modelSent = false;
  private calls = 0;
  /** Gemini has no terminal event: the chunk carrying finishReason (or a prompt block) is the end marker. */
  private finished = false;
  private lastUsage = "";

  constructor(private readonly target: ProviderTarget) {}

  end(): void {
    if (!this.finished) throw truncated(this.target);
  }

  onEvent(ev: SseEvent): ChatChunk[] {
    if (ev.data.trim() === "") return [];
    let json: unknown;
    try {
      json = JSON.parse(ev.data);
    } catch {
      throw invalid(this.target, "invalid JSON in stream");
    }
    const parsed = StreamChunk.safeParse(json);
    if (!parsed.success) throw invalid(this.target, "stream chunk");
    const chunk = parsed.data;
    if (chunk.error) throw inStreamError(this.target, chunk.error);

    const out: ChatChunk[] = [];
    if (!this.modelSent && chunk.modelVersion) {
      this.modelSent = true;
      out.push({ type: "model", model: chunk.modelVersion });
    }
    const candidate = chunk.candidates?.find((c) => (c.index ?? 0) === 0);
    if (candidate) {
      const { text, calls } = readParts(candidate.content?.parts ?? [], this.calls);
      if (text) out.push({ type: "text", text });
      for (const c of calls) out.push({ type: "tool_call", index: this.calls++, id: c.id, name: c.name, argumentsDelta: c.arguments });
    }
    if (chunk.usageMetadata) {
      const usage = mapUsage(chunk.usageMetadata);
      const key = JSON.stringify(usage);
      if (key !== this.lastUsage && key !== "{}") {
        this.lastUsage = key;
        out.push({ type: "usage", usage });
      }
    }
    if (!this.finished) {
      const raw = candidate?.finishReason;
      const blocked = chunk.promptFeedback?.blockReason;
      if (raw) {
        this.finished = true;
        out.push({ type: "finish", reason: mapFinish(raw, this.calls > 0), raw });
      } else if (blocked && !candidate) {
        this.finished = true;
        out.push({ type: "finish", reason: "CONTENT_FILTER", raw: blocked });
      }
    }
    return out;
  }
}

/** Google Gemini API (AI Studio keys), generateContent and streamGenerateContent over SSE. */
export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",
  tokenEstimateFactor: 1.08,
  unsupported(req, target) {
    const built = buildBody(req, target);
    return built.ok ? null : built.reason;
  },
  buildRequest(req, target, stream) {
    const built = buildBody(req, target);
    // The core asks unsupported() first; this only guards direct callers.
    if (!built.ok) throw badInput(`${target.provider}: ${built.reason}`);
    return { url: url(target, stream), headers: headers(target, stream), body: JSON.stringify(built.body) };
  },
  parseResponse(body, target): ChatResult {
    const parsed = GenerateContentResponse.safeParse(body);
    if (!parsed.success) throw invalid(target, "GenerateContentResponse");
    const r = parsed.data;
    const model = r.modelVersion ? { model: r.modelVersion } : {};
    const usage = r.usageMetadata ? { usage: mapUsage(r.usageMetadata) } : {};
    const candidate = r.candidates?.find((c) => (c.index ?? 0) === 0);
    if (!candidate) {
      // A prompt blocked by safety filters is an answer (nothing may be said), not a failure to retry.
      if (r.promptFeedback?.blockReason) return { content: "", toolCalls: [], finishReason: "CONTENT_FILTER", ...usage, ...model };
      throw invalid(target, "no candidates");
    }
    const { text, calls } = readParts(candidate.content?.parts ?? []);
    const finishReason = candidate.finishReason ? mapFinish(candidate.finishReason, calls.length > 0) : calls.length > 0 ? "TOOL_CALLS" : "STOP";
    return { content: text, toolCalls: calls, finishReason, ...usage, ...model };
  },
  createStreamDecoder(target) {
    return new GeminiStreamDecoder(target);
  },
  classifyError(status, bodyText, headers, target) {
    let retryAfterMs: number | undefined;
    try {
      const parsed = ErrorBody.safeParse(JSON.parse(bodyText));
      if (parsed.success) retryAfterMs = retryDelayMs(parsed.data.error);
    } catch {
      // not JSON (a proxy's HTML page): the status alone decides
    }
    return upstreamError(target.provider, status, bodyText, headers, retryAfterMs === undefined ? {} : { retryAfterMs });
  },
};
