import { sql } from "drizzle-orm";
import { bigint, doublePrecision, index, integer, pgTable, text, timestamp, unique } from "drizzle-orm/pg-core";

/**
 * Budgets: definition and running totals on one row, so the hold statement can lock the row and
 * check `spent + reserved + hold <= limit` atomically. Money is integer micro-USD.
 * `subject` is '' for GLOBAL so that (scope, subject, period) stays unique without NULL tricks.
 */
export const budgets = pgTable(
  "budgets",
  {
    id: text("id").primaryKey(),
    scope: text("scope", { enum: ["KEY", "USER", "TEAM", "MODEL", "TAG", "GLOBAL"] }).notNull(),
    subject: text("subject").notNull(),
    period: text("period", { enum: ["DAY", "MONTH", "TOTAL"] }).notNull(),
    limitMicros: bigint("limit_micros", { mode: "number" }).notNull(),
    spentMicros: bigint("spent_micros", { mode: "number" }).notNull().default(0),
    /** Sum of the live holds on this budget (see budget_holds). */
    reservedMicros: bigint("reserved_micros", { mode: "number" }).notNull().default(0),
    /** Fractions of the limit that raise an alert when spending crosses them. */
    thresholds: doublePrecision("thresholds").array().notNull().default(sql`'{0.5,0.8,1}'::double precision[]`),
    action: text("action", { enum: ["BLOCK", "ALERT_ONLY"] }).notNull().default("BLOCK"),
    timeZone: text("time_zone").notNull().default("UTC"),
    /** End of the current period (null for TOTAL); spent restarts at 0 once it has passed. */
    resetsAt: timestamp("resets_at", { withTimezone: true }),
    webhookUrl: text("webhook_url"),
    spikeMultiplier: doublePrecision("spike_multiplier"),
    spikeWindowMinutes: integer("spike_window_minutes"),
    spikeAlertedAt: timestamp("spike_alerted_at", { withTimezone: true }),
    blockAlertedAt: timestamp("block_alerted_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("budgets_scope_subject_period_key").on(t.scope, t.subject, t.period)],
);

/**
 * One row per admitted request that holds money: the amount is reserved on every budget in
 * `budget_ids`. The live instance keeps pushing `expires_at` forward; a sweeper releases rows
 * whose instance stopped doing so (crashed), so reserved money is never stuck.
 */
export const budgetHolds = pgTable(
  "budget_holds",
  {
    id: text("id").primaryKey(),
    instanceId: text("instance_id").notNull(),
    budgetIds: text("budget_ids").array().notNull(),
    amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budget_holds_expires_idx").on(t.expiresAt), index("budget_holds_instance_idx").on(t.instanceId)],
);

/**
 * Rate limits with their shared sliding window: per-second slots of the last minute as three
 * aligned arrays, kept on the limit's own row so one locked read-check-write serves every instance.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    id: text("id").primaryKey(),
    scope: text("scope", { enum: ["KEY", "USER", "TEAM", "MODEL", "TAG", "GLOBAL"] }).notNull(),
    subject: text("subject").notNull(),
    requestsPerMinute: integer("requests_per_minute"),
    tokensPerMinute: bigint("tokens_per_minute", { mode: "number" }),
    winSlots: bigint("win_slots", { mode: "number" }).array().notNull().default(sql`'{}'::bigint[]`),
    winRequests: bigint("win_requests", { mode: "number" }).array().notNull().default(sql`'{}'::bigint[]`),
    winTokens: bigint("win_tokens", { mode: "number" }).array().notNull().default(sql`'{}'::bigint[]`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("rate_limits_scope_subject_key").on(t.scope, t.subject)],
);
