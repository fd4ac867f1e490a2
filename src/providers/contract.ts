import type { ChatChunk, ChatRequest, ChatResult } from "../domain/chat.js";
import type { GatewayError } from "../domain/errors.js";

export type ProviderKind = "openai" | "openai-compatible" | "azure" | "anthropic" | "gemini" | "demo";

/** Everything an adapter needs to address one upstream model. Built by the core from config + catalogue. */
export interface ProviderTarget {
  /** Configured provider name ("openai", "local", "groq"); the prefix of catalogue ids. */
  provider: string;
  kind: ProviderKind;
  baseUrl: string;
  /** Secret: adapters put it in a header and nowhere else. */
  apiKey: string | undefined;
  headers: Record<string, string>;
  /** The model name the upstream knows ("gpt-4o-mini"), i.e. the catalogue id without the provider prefix. */
  upstreamModel: string;
  /** Azure only: the api-version query parameter. */
  apiVersion?: string | undefined;
  /** The model's output cap from the catalogue; providers that require a max (Anthropic) send it when the request has none. */
  maxOutputTokens?: number | undefined;
}

export interface HttpCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One server-sent event as eventsource-parser hands it over. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/**
 * Stateful per stream: feed it events in order, it returns the chunks they carry.
 * It throws a GatewayError for an in-band error event.
 */
export interface StreamDecoder {
  onEvent(ev: SseEvent): ChatChunk[];
  /**
   * The body ended cleanly. Throws when the provider's end-of-stream marker never came, so a
   * connection closed early is an error (and billed for what arrived), never a short success.
   */
  end(): void;
}

export interface ResponseHeaders {
  get(name: string): string | undefined;
}

/**
 * A provider adapter is pure translation: no I/O, no clocks, no budgets.
 * `providers/http.ts` does the I/O with these functions; tests drive them from recorded fixtures.
 */
export interface ProviderAdapter {
  readonly kind: ProviderKind;
  /** OpenAI-family models count with o200k exactly; others are estimated from it with this factor. */
  readonly tokenEstimateFactor: number;
  /** A message naming the first option this provider cannot honour, or null. Never drop options silently. */
  unsupported(req: ChatRequest, target: ProviderTarget): string | null;
  buildRequest(req: ChatRequest, target: ProviderTarget, stream: boolean): HttpCall;
  parseResponse(body: unknown, target: ProviderTarget): ChatResult;
  createStreamDecoder(target: ProviderTarget): StreamDecoder;
  /** Map a non-2xx answer to a GatewayError; keep the provider's message, never the key. */
  classifyError(status: number, bodyText: string, headers: ResponseHeaders, target: ProviderTarget): GatewayError;
  /**
   * Adapters that do not speak HTTP (the built-in demo) stream in process instead.
   * When present, http.ts calls it and ignores the other functions.
   */
  local?: (req: ChatRequest, target: ProviderTarget, signal: AbortSignal) => AsyncIterable<ChatChunk>;
}
