export const SCOPES = ["KEY", "USER", "TEAM", "MODEL", "TAG", "GLOBAL"] as const;
export type Scope = (typeof SCOPES)[number];
export const PERIODS = ["DAY", "MONTH", "TOTAL"] as const;
export type Period = (typeof PERIODS)[number];
export type BudgetAction = "BLOCK" | "ALERT_ONLY";

/** What the in-memory index keeps of a budget: enough to find it, never its running totals. */
export interface BudgetDef {
  id: string;
  scope: Scope;
  /** '' for GLOBAL. */
  subject: string;
  period: Period;
  action: BudgetAction;
  webhookUrl: string | null;
  spikeMultiplier: number | null;
  spikeWindowMinutes: number | null;
}

export interface LimitDef {
  id: string;
  scope: Scope;
  subject: string;
  rpm: number | null;
  tpm: number | null;
}

/** A budget as stored, with its running totals (micro-USD) and the period reset applied. */
export interface BudgetView {
  id: string;
  scope: Scope;
  subject: string;
  period: Period;
  limitMicros: number;
  spentMicros: number;
  reservedMicros: number;
  remainingMicros: number;
  resetsAt: Date | null;
  thresholds: number[];
  action: BudgetAction;
  timeZone: string;
  webhookUrl: string | null;
  spikeMultiplier: number | null;
  spikeWindowMinutes: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RateLimitView {
  id: string;
  scope: Scope;
  subject: string;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  /** Use of the last 60 seconds, as every instance sees it. */
  requestsInWindow: number;
  tokensInWindow: number;
  createdAt: Date;
  updatedAt: Date;
}

export type AlertKind = "THRESHOLD" | "BLOCKED" | "SPIKE";

/** One budget alert, as published to every instance and POSTed to the budget's webhook. */
export interface BudgetAlert {
  id: string;
  kind: AlertKind;
  budgetId: string;
  scope: Scope;
  /** null for GLOBAL. */
  subject: string | null;
  period: Period;
  /** The fraction crossed (THRESHOLD); null otherwise. */
  threshold: number | null;
  limitMicros: number;
  spentMicros: number;
  message: string;
  /** The request that crossed or was refused, when one did. */
  requestId: string | null;
  at: string;
}

export interface PolicyOptions {
  /** Holds not renewed for this long are released by any instance's sweeper (crash recovery bound). */
  holdTtlMs: number;
  /** How often expired holds are swept. */
  sweepIntervalMs: number;
  /** Backstop reload of the budget/limit index when a NOTIFY was missed. */
  reloadIntervalMs: number;
  /**
   * How often the spent/limit figures routing uses to skip over-budget targets are re-read (one
   * SELECT, only while some BLOCK budget exists). This instance's own settlements and refusals,
   * and threshold alerts from any instance, update them sooner.
   */
  budgetStateMs: number;
  /**
   * A request that would fit once running requests settle (their holds exceed what they end up
   * costing) waits up to this long before BUDGET_EXCEEDED, instead of being refused at once.
   */
  waitForHoldsMs: number;
  /** Output tokens a stream holds at admission and adds per extension (growing with the output). */
  streamStepTokens: number;
  /** How often spike rules are evaluated. */
  spikeIntervalMs: number;
  /** The "usual rate" of a spike rule is measured over this many hours before the window. */
  spikeBaselineHours: number;
  webhookTimeoutMs: number;
  webhookAttempts: number;
}

export const defaultPolicyOptions: PolicyOptions = {
  holdTtlMs: 30_000,
  sweepIntervalMs: 5_000,
  reloadIntervalMs: 30_000,
  budgetStateMs: 1_000,
  waitForHoldsMs: 2_000,
  streamStepTokens: 256,
  spikeIntervalMs: 60_000,
  spikeBaselineHours: 24,
  webhookTimeoutMs: 5_000,
  webhookAttempts: 4,
};
