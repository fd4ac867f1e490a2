/**
 * Stable error codes shared by every transport. GraphQL puts them in `extensions.code`;
 * REST maps them to OpenAI-style status codes and error types.
 */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  BUDGET_EXCEEDED: "BUDGET_EXCEEDED",
  RATE_LIMITED: "RATE_LIMITED",
  GUARDRAIL_BLOCKED: "GUARDRAIL_BLOCKED",
  UPSTREAM_ERROR: "UPSTREAM_ERROR",
  NO_ROUTE: "NO_ROUTE",
  CLIENT_CLOSED: "CLIENT_CLOSED",
  SHUTTING_DOWN: "SHUTTING_DOWN",
  /** This instance cannot take more work now (its usage records are not being written); retry, here later or elsewhere. */
  OVERLOADED: "OVERLOADED",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface GatewayErrorOptions {
  /** Another target may succeed where this one failed (429, 5xx, timeouts, resets). */
  retryable?: boolean;
  /** HTTP status the upstream answered with, when there was one. */
  upstreamStatus?: number;
  retryAfterMs?: number;
  /** Safe, non-secret details for clients (e.g. suggestions for an unknown model). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type the core throws. Anything else reaching a transport is masked as INTERNAL_SERVER_ERROR. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: GatewayErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "GatewayError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.upstreamStatus = opts.upstreamStatus;
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details;
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new GatewayError(ErrorCode.BAD_USER_INPUT, message, details ? { details } : {});
