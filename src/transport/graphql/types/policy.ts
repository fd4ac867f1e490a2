import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars.js";

export enum BudgetScope {
  KEY = "KEY",
  USER = "USER",
  TEAM = "TEAM",
  MODEL = "MODEL",
  TAG = "TAG",
  GLOBAL = "GLOBAL",
}
registerEnumType(BudgetScope, { name: "BudgetScope", description: "What a budget or rate limit applies to; `subject` names the key, user, team, model or tag." });

export enum BudgetPeriod {
  DAY = "DAY",
  MONTH = "MONTH",
  TOTAL = "TOTAL",
}
registerEnumType(BudgetPeriod, { name: "BudgetPeriod", description: "DAY and MONTH restart at local midnight in the budget's time zone; TOTAL never resets." });

export enum BudgetAction {
  BLOCK = "BLOCK",
  ALERT_ONLY = "ALERT_ONLY",
}
registerEnumType(BudgetAction, { name: "BudgetAction", description: "At the limit: refuse requests (BLOCK) or only raise alerts (ALERT_ONLY)." });

export enum BudgetAlertKind {
  THRESHOLD = "THRESHOLD",
  BLOCKED = "BLOCKED",
  SPIKE = "SPIKE",
}
registerEnumType(BudgetAlertKind, { name: "BudgetAlertKind" });

@ObjectType({ description: "A spending limit and where it stands. Money in USD (stored as integer micro-USD)." })
export class Budget {
  @Field(() => ID)
  id!: string;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true, description: "Key id, user id, team id, model id or tag; null for GLOBAL." })
  subject!: string | null;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => Float)
  limitUsd!: number;

  @Field(() => Float, { description: "Settled spending in the current period." })
  spentUsd!: number;

  @Field(() => Float, { description: "Held by requests running now; becomes spent (their actual cost) or is released when they end." })
  reservedUsd!: number;

  @Field(() => Float, { description: "limit − spent − reserved, never below 0: what new requests can still hold." })
  remainingUsd!: number;

  @Field(() => DateTimeScalar, { nullable: true, description: "End of the current period; null for TOTAL." })
  resetsAt!: Date | null;

  @Field(() => [Float], { description: "Fractions of the limit whose crossing raises an alert." })
  alertThresholds!: number[];

  @Field(() => BudgetAction)
  action!: BudgetAction;

  @Field(() => String, { description: "IANA time zone of the period boundaries." })
  timeZone!: string;

  @Field(() => String, { nullable: true, description: "Alerts are POSTed here as JSON. Admins only; null for members." })
  webhookUrl!: string | null;

  @Field(() => Float, { nullable: true, description: "Spike rule: alert when tokens in the window exceed this multiple of the usual rate." })
  spikeMultiplier!: number | null;

  @Field(() => Int, { nullable: true })
  spikeWindowMinutes!: number | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@InputType({ description: "Creates or replaces the budget of (scope, subject, period); spending so far is kept." })
export class BudgetInput {
  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true, description: "Required except for GLOBAL." })
  subject?: string | null;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => Float, { description: "USD, 0 to 1e9." })
  limitUsd!: number;

  @Field(() => [Float], { nullable: true, description: "Default [0.5, 0.8, 1.0]." })
  alertThresholds?: number[] | null;

  @Field(() => BudgetAction, { nullable: true, description: "Default BLOCK." })
  action?: BudgetAction | null;

  @Field(() => String, { nullable: true, description: "IANA name; default UTC." })
  timeZone?: string | null;

  @Field(() => String, { nullable: true, description: "http(s) URL that receives this budget's alerts as JSON POSTs (retried)." })
  webhookUrl?: string | null;

  @Field(() => Float, { nullable: true, description: "Spike rule multiple (> 1); set with spikeWindowMinutes." })
  spikeMultiplier?: number | null;

  @Field(() => Int, { nullable: true, description: "Spike rule window, 1-1440 minutes." })
  spikeWindowMinutes?: number | null;
}

@ObjectType({ description: "Requests and tokens per minute, shared by every gateway instance (sliding 60 s window)." })
export class RateLimit {
  @Field(() => ID)
  id!: string;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => Int, { nullable: true })
  requestsPerMinute!: number | null;

  @Field(() => Float, { nullable: true })
  tokensPerMinute!: number | null;

  @Field(() => Int, { description: "Requests admitted in the last 60 s." })
  requestsInWindow!: number;

  @Field(() => Float, { description: "Tokens counted in the last 60 s." })
  tokensInWindow!: number;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@InputType({ description: "Creates or replaces the rate limit of (scope, subject)." })
export class RateLimitInput {
  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => Int, { nullable: true })
  requestsPerMinute?: number | null;

  @Field(() => Int, { nullable: true })
  tokensPerMinute?: number | null;
}

@ObjectType()
export class BudgetAlert {
  @Field(() => ID)
  id!: string;

  @Field(() => BudgetAlertKind)
  kind!: BudgetAlertKind;

  @Field(() => ID)
  budgetId!: string;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => Float, { nullable: true, description: "The fraction crossed (THRESHOLD)." })
  threshold!: number | null;

  @Field(() => Float)
  limitUsd!: number;

  @Field(() => Float)
  spentUsd!: number;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: "The request that crossed the threshold or was refused." })
  requestId!: string | null;

  @Field(() => DateTimeScalar)
  at!: Date;
}

@ObjectType()
export class AdmissionBudget {
  @Field(() => Budget)
  budget!: Budget;

  @Field(() => Boolean, { description: "This budget alone would admit the request now." })
  fits!: boolean;

  @Field(() => Float, { description: "limit − spent − reserved (may be negative for ALERT_ONLY budgets)." })
  availableUsd!: number;
}

@ObjectType()
export class AdmissionRateLimit {
  @Field(() => RateLimit)
  rateLimit!: RateLimit;

  @Field(() => Boolean)
  fits!: boolean;

  @Field(() => Int, { nullable: true })
  retryAfterMs!: number | null;
}

@ObjectType({ description: "A dry run of admission: nothing is held, counted or sent upstream." })
export class Admission {
  @Field(() => Boolean)
  admitted!: boolean;

  @Field(() => String, { nullable: true, description: "BUDGET_EXCEEDED or RATE_LIMITED when not admitted." })
  code!: string | null;

  @Field(() => Int, { nullable: true })
  retryAfterMs!: number | null;

  @Field(() => Float, { description: "The hold admission would place now, USD." })
  holdUsd!: number;

  @Field(() => Float, { description: "The least hold that admits it (streams may start on less and grow their hold)." })
  minimumHoldUsd!: number;

  @Field(() => Int)
  promptTokens!: number;

  @Field(() => Int, { description: "Output tokens the hold covers on the priciest candidate." })
  outputTokensHeld!: number;

  @Field(() => [String], { description: "Models the hold is sized for (failover targets included)." })
  candidates!: string[];

  @Field(() => [AdmissionBudget])
  budgets!: AdmissionBudget[];

  @Field(() => [AdmissionRateLimit])
  rateLimits!: AdmissionRateLimit[];
}
