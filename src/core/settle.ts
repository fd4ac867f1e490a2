import type { ChatRequest, FinishReason, ToolCall, Usage } from "../domain/chat.js";
import type { GatewayError } from "../domain/errors.js";
import type { Principal } from "./auth/keys.js";
import type { Resolved } from "./catalogue/index.js";
import { countCompletion, countPrompt } from "./metering/tokens.js";
import type { UsageRecord } from "./metering/usage-writer.js";

export interface Attempt {
  model: string;
  provider: string;
  outcome: "ok" | "error" | "cancelled";
  error: string | null;
  errorCode: string | null;
  latencyMs: number;
}

export interface CompletionMetrics {
  ttftMs: number | null;
  itlMs: number | null;
  latencyMs: number;
  tokensPerSecond: number | null;
}

export type MeteredUsage = Usage & { estimated: boolean };

/**
 * Provider-reported usage is the truth. Missing fields are counted: the prompt with the tokenizer
 * (as sent, i.e. after redaction), the output from what was actually received, so a cut stream is
 * still billed. A request that failed before the provider produced anything is billed nothing.
 */
export function meterUsage(
  sent: ChatRequest,
  served: Resolved,
  reported: Partial<Usage> | undefined,
  content: string,
  toolCalls: ToolCall[],
  nothingSent: boolean,
): MeteredUsage {
  const factor = served.adapter.tokenEstimateFactor;
  let estimated = false;
  let inputTokens = tokenCount(reported?.inputTokens);
  if (inputTokens === undefined) {
    estimated = true;
    inputTokens = nothingSent ? 0 : Math.ceil(countPrompt(sent.messages, sent.tools ? JSON.stringify(sent.tools) : undefined) * factor);
  }
  let outputTokens = tokenCount(reported?.outputTokens);
  if (outputTokens === undefined) {
    estimated = true;
    outputTokens = Math.ceil(countCompletion(content, toolCalls) * factor);
  }
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: tokenCount(reported?.cachedInputTokens) ?? 0,
    reasoningTokens: tokenCount(reported?.reasoningTokens) ?? 0,
    estimated,
  };
}

const MAX_TOKENS = 2 ** 31 - 1;

/**
 * A provider-reported count as the usage columns (integer) take it: an OpenAI-compatible server may
 * report 12.0, 12.5 or a nonsense 1e12, and a value Postgres refuses would fail its usage batch on every
 * retry. Negative or non-finite counts are treated as not reported (the count is estimated instead).
 */
function tokenCount(n: number | undefined): number | undefined {
  if (n === undefined || !Number.isFinite(n) || n < 0) return undefined;
  return Math.min(Math.round(n), MAX_TOKENS);
}

export interface RecordInput {
  id: string;
  startedAt: number;
  principal: Principal;
  transport: string;
  stream: boolean;
  requested: string;
  served: Resolved | null;
  status: "ok" | "error" | "cancelled";
  usage: MeteredUsage;
  costMicros: number;
  metrics: CompletionMetrics;
  finishReason: FinishReason | null;
  attempts: Attempt[];
  error?: GatewayError | undefined;
  tags: string[];
  endUser: string | null;
  /** Guardrail outcome (types and counts only, never values). */
  guardrails?: { redactions: number; injectionScore: number | null; findings: Record<string, number> } | undefined;
  /** The request as sent upstream (redacted) and the text the client received; stored only where body logging is on. */
  request?: ChatRequest | undefined;
  response?: string | undefined;
}

export function usageRecord(r: RecordInput): UsageRecord {
  const p = r.principal;
  return {
    id: r.id,
    createdAt: new Date(r.startedAt),
    keyId: p.keyId,
    userId: p.userId,
    teamId: p.teamId,
    transport: r.transport,
    stream: r.stream,
    modelRequested: r.requested.slice(0, 256),
    modelServed: r.served?.model.id ?? null,
    provider: r.served?.target.provider ?? null,
    inputTokens: r.usage.inputTokens,
    outputTokens: r.usage.outputTokens,
    cachedInputTokens: r.usage.cachedInputTokens,
    reasoningTokens: r.usage.reasoningTokens,
    tokensEstimated: r.usage.estimated,
    costMicroUsd: r.costMicros,
    ttftMs: r.metrics.ttftMs,
    itlMs: r.metrics.itlMs,
    latencyMs: r.metrics.latencyMs,
    status: r.status,
    errorCode: r.error?.code ?? null,
    errorMessage: r.error ? r.error.message.slice(0, 1000) : null,
    finishReason: r.finishReason,
    tags: r.tags,
    endUser: r.endUser,
    attempts: r.attempts,
    tokensPerSecond: r.metrics.tokensPerSecond,
    guardrails: guardrailSummary(r.guardrails),
    request: r.request,
    response: r.response,
  };
}

export const zeroUsage = (): MeteredUsage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, estimated: false });

function guardrailSummary(g: RecordInput["guardrails"]): UsageRecord["guardrails"] {
  if (!g || (g.redactions === 0 && g.injectionScore === null && Object.keys(g.findings).length === 0)) return null;
  return { redactions: g.redactions, injectionScore: g.injectionScore, findings: g.findings };
}
