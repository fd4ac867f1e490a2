import type { ServerResponse } from "node:http";
import { ErrorCode, type GatewayError } from "../../domain/errors.js";
import { sendJson } from "../http-util.js";

/** Our codes as OpenAI's status, error type and code, so the official SDKs raise the right exception class. */
export function openaiError(err: GatewayError): { status: number; body: unknown; headers: Record<string, string> } {
  let status = 500;
  let type = "server_error";
  let code: string = err.code.toLowerCase();
  switch (err.code) {
    case ErrorCode.UNAUTHENTICATED:
      status = 401;
      type = "invalid_request_error";
      code = "invalid_api_key";
      break;
    case ErrorCode.FORBIDDEN:
      status = 403;
      type = "permission_error";
      break;
    case ErrorCode.BAD_USER_INPUT:
      status = 400;
      type = "invalid_request_error";
      break;
    case ErrorCode.NOT_FOUND:
      status = 404;
      type = "invalid_request_error";
      break;
    case ErrorCode.BUDGET_EXCEEDED:
      status = 429;
      type = "insufficient_quota";
      break;
    case ErrorCode.RATE_LIMITED:
      status = 429;
      type = "rate_limit_error";
      code = "rate_limit_exceeded";
      break;
    case ErrorCode.GUARDRAIL_BLOCKED:
      status = 400;
      type = "invalid_request_error";
      code = "content_policy_violation";
      break;
    case ErrorCode.UPSTREAM_ERROR: {
      const s = err.upstreamStatus;
      status = s === 429 || s === 503 || s === 529 || (s === undefined && err.retryable) ? 503 : 502;
      type = "upstream_error";
      break;
    }
    case ErrorCode.NO_ROUTE:
    case ErrorCode.SHUTTING_DOWN:
    case ErrorCode.OVERLOADED:
      status = 503;
      type = "server_error";
      break;
    case ErrorCode.CLIENT_CLOSED:
      status = 499;
      type = "invalid_request_error";
      break;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      break;
  }
  const headers: Record<string, string> = {};
  if (err.retryAfterMs !== undefined) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
    headers["retry-after-ms"] = String(err.retryAfterMs);
  }
  const message = err.code === ErrorCode.INTERNAL_SERVER_ERROR ? "internal error" : err.message;
  return { status, headers, body: { error: { message, type, param: (err.details?.param as string | undefined) ?? null, code } } };
}

export function sendOpenAIError(res: ServerResponse, err: GatewayError): void {
  const { status, body, headers } = openaiError(err);
  sendJson(res, status, body, headers);
}
