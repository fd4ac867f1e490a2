import { ErrorCode, GatewayError } from "../domain/errors.js";
import type { ResponseHeaders } from "./contract.js";

/** Seconds or an HTTP date, as `retry-after` allows; `retry-after-ms` (OpenAI, Azure) wins when present. */
export function parseRetryAfter(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const v = headers.get("retry-after");
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.ceil(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Retryable means another attempt (same or next target) may succeed: rate limits, overload,
 * server errors, timeouts. Client errors (bad request, auth, not found, context too long) are final.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status === 529 || status >= 500;
}

/** Pulls a human message out of a JSON error body of any common shape, falling back to a bounded excerpt. */
export function extractMessage(bodyText: string): { message: string; type?: string; code?: string; requestId?: string } {
  try {
    const j = JSON.parse(bodyText) as unknown;
    const err = (j as { error?: unknown }).error ?? j;
    // Anthropic puts its request id beside the error; support asks for it, and it is no secret.
    const rid = (j as { request_id?: unknown }).request_id;
    const requestId = typeof rid === "string" ? { requestId: rid } : {};
    if (typeof err === "string") return { message: err, ...requestId };
    if (err && typeof err === "object") {
      const o = err as Record<string, unknown>;
      const message = typeof o.message === "string" ? o.message : JSON.stringify(o).slice(0, 500);
      return {
        message,
        ...(typeof o.type === "string" ? { type: o.type } : {}),
        ...(typeof o.code === "string" ? { code: o.code } : typeof o.status === "string" ? { code: o.status } : {}),
        ...requestId,
      };
    }
  } catch {
    // not JSON: fall through
  }
  const t = bodyText.trim();
  return { message: t ? t.slice(0, 500) : "no error body" };
}

export function upstreamError(
  provider: string,
  status: number,
  bodyText: string,
  headers: ResponseHeaders,
  opts: {
    retryable?: boolean;
    /** Used only when the response carries no retry-after header (Google puts the delay in the body). */
    retryAfterMs?: number;
  } = {},
): GatewayError {
  const { message, type, code, requestId } = extractMessage(bodyText);
  const retryAfterMs = parseRetryAfter(headers) ?? opts.retryAfterMs;
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${provider} ${status}: ${message}`, {
    retryable: opts.retryable ?? isRetryableStatus(status),
    upstreamStatus: status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    details: {
      providerStatus: status,
      ...(type ? { providerType: type } : {}),
      ...(code ? { providerCode: code } : {}),
      ...(requestId ? { providerRequestId: requestId } : {}),
    },
  });
}

/** An error the provider sent inside a 200 stream (OpenAI `data: {"error":…}`, Anthropic `event: error`). */
export function streamError(provider: string, message: string, type?: string, opts: { retryable?: boolean } = {}): GatewayError {
  const retryable =
    opts.retryable ?? (type === "overloaded_error" || type === "api_error" || type === "rate_limit_error" || type === "server_error");
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${provider}: ${message}`, {
    retryable,
    details: type ? { providerType: type } : {},
  });
}

/** The connection closed cleanly before the provider's end-of-stream marker. */
export function truncated(target: { provider: string }): GatewayError {
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: stream ended before completion`, { retryable: true });
}
