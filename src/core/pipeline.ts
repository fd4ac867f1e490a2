import type { ChatRequest, Usage } from "../domain/chat.js";
import type { GatewayError } from "../domain/errors.js";
import type { Principal } from "./auth/keys.js";
import type { CatalogueModel, Resolved } from "./catalogue/index.js";
import type { UsageRecord } from "./metering/usage-writer.js";

/**
 * The seams of one request, in the order the gateway calls them (DESIGN.md "Flow of one request"):
 *   guard.begin → router.plan → policy.admit → attempts (router.report per attempt)
 *   → output transform → admission.extend while streaming → admission.settle → observer.end.
 * Each has a pass-through default so the gateway runs with none of them configured.
 */

export type RequestKind = "CODE" | "TEXT";

export interface RoutePlan {
  /** The rule that decided, or null when the requested model is served directly. */
  rule: { id: string; name: string } | null;
  requestKind: RequestKind;
  /** Callable targets in the order to try them (already filtered for health and capabilities). */
  candidates: Resolved[];
}

export interface AttemptReport {
  ok: boolean;
  /** Time to first token of a successful attempt. */
  ttftMs?: number | undefined;
  /** Whole-call latency of a successful non-streamed attempt (kept apart from TTFT). */
  latencyMs?: number | undefined;
  error?: GatewayError | undefined;
}

export interface Router {
  /** Pure and in memory: no I/O on the request path. Throws NO_ROUTE / BAD_USER_INPUT. */
  plan(req: ChatRequest, principal: Principal): RoutePlan;
  /** Health feedback after each attempt (circuit breakers, latency stats, 429 cool-downs). */
  report(target: Resolved, outcome: AttemptReport): void;
}

export interface AdmissionInput {
  requestId: string;
  principal: Principal;
  req: ChatRequest;
  plan: RoutePlan;
  /** Prompt tokens counted with the tokenizer (computed once, on first call). */
  promptTokens(): number;
  /** Streamed requests can be cut (extend() is called), so their hold may start small; whole ones cannot. */
  stream: boolean;
}

/** Holds placed for one request. */
export interface Admission {
  /** Micro-dollars held at admission. */
  readonly heldMicros: number;
  /**
   * A budget in dollars covers this request: extend() then needs the output counted with the
   * tokenizer (characters / 4 undercounts CJK text, hex, code). Absent or false: a count of deltas will do.
   */
  readonly holdsMoney?: boolean;
  /**
   * Output is growing: `outputTokens` so far on `model`. Returns true (synchronously, with no
   * I/O) while the current hold covers it; a Promise when the hold must be extended. A false
   * result ends the stream with BUDGET_EXCEEDED.
   */
  extend(outputTokens: number, model: CatalogueModel): boolean | Promise<boolean>;
  /** Replace the holds with the actual cost. Called exactly once, whatever the ending. */
  settle(actualMicros: number, usage: Usage, model: CatalogueModel | null): void;
}

export interface Policy {
  /** Rate limits and budget holds. Throws RATE_LIMITED / BUDGET_EXCEEDED. */
  admit(input: AdmissionInput): Promise<Admission> | Admission;
}

/** Per-request output transform (redaction, placeholder restoration) applied to streamed text. */
export interface OutputTransform {
  /** Text that may be released now; the rest is held back until it can no longer become PII. */
  push(text: string): string;
  /** Everything still held, at the end of the stream. */
  flush(): string;
  /**
   * A whole answer at once (not streamed): what push(text) + flush() return, without working out
   * what a stream would have to hold back.
   */
  whole(text: string): string;
  /**
   * Forgets what is held without releasing it: the text of a failed attempt, which never reached the
   * client, must not open the next attempt's answer after failover.
   */
  discard(): void;
  /**
   * When placeholders are restored: everything released so far as it was before restoring, so the
   * caller's own values stay redacted in a stored body. Undefined when nothing is restored.
   */
  readonly redacted?: string | undefined;
  /**
   * A fresh transform for one tool call's arguments (JSON text, streamed on its own): the same
   * types, placeholders and finding counts; restored values are JSON-escaped. Absent: tool-call
   * arguments pass unchanged.
   */
  toolArguments?(): OutputTransform;
}

export interface GuardSession {
  /** The request to send upstream (redacted as the policy says). */
  request: ChatRequest;
  redactions: number;
  injectionScore: number | null;
  /** Types and counts of findings; never values. */
  findings: Record<string, number>;
  output: OutputTransform | null;
}

export interface Guard {
  /** Throws GUARDRAIL_BLOCKED (also when a detector fails under a REDACT/BLOCK policy). */
  begin(req: ChatRequest, principal: Principal): GuardSession | Promise<GuardSession>;
}

export interface AttemptSpan {
  end(outcome: "ok" | "error" | "cancelled", error?: GatewayError): void;
}

export interface RequestObservation {
  attempt(target: Resolved): AttemptSpan;
  /** The request's usage record, as written. */
  end(record: UsageRecord): void;
}

export interface Observer {
  start(info: { id: string; principal: Principal; model: string; transport: string; stream: boolean; traceparent?: string | undefined }): RequestObservation;
}

export const noopObserver: Observer = {
  start: () => ({ attempt: () => ({ end: () => undefined }), end: () => undefined }),
};

export const passThroughGuard: Guard = {
  begin: (req) => ({ request: req, redactions: 0, injectionScore: null, findings: {}, output: null }),
};

const freeAdmission: Admission = { heldMicros: 0, extend: () => true, settle: () => undefined };
export const openPolicy: Policy = { admit: () => freeAdmission };
