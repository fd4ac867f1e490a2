import type { ChatChunk, ChatResult, ToolCall } from "../../domain/chat.js";
import { ErrorCode, GatewayError } from "../../domain/errors.js";
import type { ProviderAdapter, ProviderTarget, SseEvent, StreamDecoder } from "../contract.js";
import { streamError, truncated, upstreamError } from "../errors.js";
import { buildBody, mapStop, mapUsage, unsupportedReason } from "./map.js";
import { Message, STREAM_EVENT_TYPES, StreamEvent, type WireUsage } from "./wire.js";

const DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
/** The Messages API version this adapter speaks; newer behaviour is opt-in per version, so it is pinned. */
export const ANTHROPIC_VERSION = "2023-06-01";

function headers(target: ProviderTarget): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", "anthropic-version": ANTHROPIC_VERSION, ...target.headers };
  if (target.apiKey) h["x-api-key"] = target.apiKey;
  return h;
}

function url(target: ProviderTarget): string {
  return `${(target.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, "")}/messages`;
}

function invalid(target: ProviderTarget, what: string): GatewayError {
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: unexpected response shape (${what})`, { retryable: true });
}

interface OpenTool {
  ordinal: number;
  /** Whether any argument text went out; a call without input still owes the client `{}`. */
  sentArgs: boolean;
  input: unknown;
}

/**
 * Anthropic streams typed events around indexed content blocks. Tool calls are numbered by their
 * order among tool calls (what our chunks promise), not by block index, which counts text and
 * thinking blocks too.
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  private usage: WireUsage = {};
  private readonly tools = new Map<number, OpenTool>();
  private modelSent = false;
  /** message_stop, or at least a stop_reason: without either the stream was cut. */
  private finished = false;

  constructor(private readonly target: ProviderTarget) {}

  end(): void {
    if (!this.finished) throw truncated(this.target);
  }

  onEvent(ev: SseEvent): ChatChunk[] {
    if (ev.data === "") return [];
    let json: unknown;
    try {
      json = JSON.parse(ev.data);
    } catch {
      throw invalid(this.target, "invalid JSON in stream");
    }
    const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
    if (typeof type !== "string") throw invalid(this.target, "stream event without type");
    if (type === "message_stop") this.finished = true;
    // ping, message_stop and event types Anthropic adds later carry nothing we map.
    if (!STREAM_EVENT_TYPES.has(type)) return [];
    const parsed = StreamEvent.safeParse(json);
    if (!parsed.success) throw invalid(this.target, `${type} event`);
    return this.handle(parsed.data);
  }

  private handle(e: StreamEvent): ChatChunk[] {
    const out: ChatChunk[] = [];
    switch (e.type) {
      case "message_start": {
        if (!this.modelSent && e.message.model) {
          this.modelSent = true;
          out.push({ type: "model", model: e.message.model });
        }
        // output_tokens here is a placeholder (usually 1), not a count; the real one comes in message_delta.
        this.mergeUsage({ ...e.message.usage, output_tokens: null }, out);
        break;
      }
      case "content_block_start": {
        const b = e.content_block;
        if (b.type === "text" && b.text) out.push({ type: "text", text: b.text });
        if (b.type === "tool_use") {
          const ordinal = this.tools.size;
          this.tools.set(e.index, { ordinal, sentArgs: false, input: b.input });
          out.push({ type: "tool_call", index: ordinal, ...(b.id ? { id: b.id } : {}), ...(b.name ? { name: b.name } : {}), argumentsDelta: "" });
        }
        break;
      }
      case "content_block_delta": {
        const d = e.delta;
        if (d.type === "text_delta" && d.text) out.push({ type: "text", text: d.text });
        if (d.type === "input_json_delta" && d.partial_json) {
          const tool = this.tools.get(e.index);
          if (!tool) throw invalid(this.target, "input_json_delta outside a tool_use block");
          tool.sentArgs = true;
          out.push({ type: "tool_call", index: tool.ordinal, argumentsDelta: d.partial_json });
        }
        // thinking_delta, signature_delta, citations_delta: not part of the unified answer.
        break;
      }
      case "content_block_stop": {
        const tool = this.tools.get(e.index);
        if (tool && !tool.sentArgs) {
          tool.sentArgs = true;
          out.push({ type: "tool_call", index: tool.ordinal, argumentsDelta: JSON.stringify(tool.input ?? {}) });
        }
        break;
      }
      case "message_delta": {
        const reason = e.delta?.stop_reason;
        if (reason) {
          this.finished = true;
          out.push({ type: "finish", reason: mapStop(reason), raw: reason });
        }
        // Counts here are cumulative totals, so they replace what message_start said.
        if (e.usage) this.mergeUsage(e.usage, out);
        break;
      }
      case "error":
        throw streamError(this.target.provider, e.error?.message ?? "stream error", e.error?.type ?? undefined);
    }
    return out;
  }

  private mergeUsage(u: WireUsage, out: ChatChunk[]): void {
    const known = Object.fromEntries(Object.entries(u).filter(([, v]) => v != null)) as WireUsage;
    if (Object.keys(known).length === 0) return;
    this.usage = { ...this.usage, ...known };
    out.push({ type: "usage", usage: mapUsage(this.usage) });
  }
}

/** Anthropic Messages API (`POST /v1/messages`). */
export const anthropicAdapter: ProviderAdapter = {
  kind: "anthropic",
  tokenEstimateFactor: 1.1,
  unsupported(req) {
    return unsupportedReason(req);
  },
  buildRequest(req, target, stream) {
    return { url: url(target), headers: headers(target), body: JSON.stringify(buildBody(req, target, stream)) };
  },
  parseResponse(body, target): ChatResult {
    const parsed = Message.safeParse(body);
    if (!parsed.success) throw invalid(target, "message");
    const m = parsed.data;
    let content = "";
    const toolCalls: ToolCall[] = [];
    for (const b of m.content) {
      if (b.type === "text") content += b.text ?? "";
      else if (b.type === "tool_use") {
        toolCalls.push({ id: b.id ?? `toolu_${toolCalls.length}`, name: b.name ?? "", arguments: JSON.stringify(b.input ?? {}) });
      }
    }
    return {
      content,
      toolCalls,
      finishReason: m.stop_reason ? mapStop(m.stop_reason) : "STOP",
      ...(m.usage ? { usage: mapUsage(m.usage) } : {}),
      ...(m.model ? { model: m.model } : {}),
    };
  },
  createStreamDecoder(target) {
    return new AnthropicStreamDecoder(target);
  },
  classifyError(status, bodyText, headers, target) {
    return upstreamError(target.provider, status, bodyText, headers);
  },
};
