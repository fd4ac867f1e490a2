import { bigint, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Request bodies (prompt as sent upstream, i.e. after redaction, and the answer as the client got it),
 * stored only when body logging is on for the request's team. On Postgres the table is partitioned
 * by day like usage_records (see drizzle/*_usage_partitions.sql), so retention drops whole days.
 */
export const requestBodies = pgTable(
  "request_bodies",
  {
    id: text("id").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    userId: text("user_id"),
    request: jsonb("request").notNull(),
    response: text("response"),
  },
  (t) => [index("request_bodies_created_idx").on(t.createdAt)],
);

/**
 * Additive metrics of one rollup row. Latency histograms use fixed log buckets (4 per octave, see
 * core/observability/histogram.ts), so rows merge by adding counts and percentiles come out within
 * ~9 % whatever the range. They are stored sparse: one bigint per non-empty bucket, `(bucket << 32) | count`,
 * so a row holding a handful of requests stays a few hundred bytes.
 */
function rollupMetrics() {
  return {
    requests: bigint("requests", { mode: "number" }).notNull(),
    errors: bigint("errors", { mode: "number" }).notNull(),
    cancelled: bigint("cancelled", { mode: "number" }).notNull(),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull(),
    cachedInputTokens: bigint("cached_input_tokens", { mode: "number" }).notNull(),
    reasoningTokens: bigint("reasoning_tokens", { mode: "number" }).notNull(),
    costMicroUsd: bigint("cost_micro_usd", { mode: "number" }).notNull(),
    ttftCount: bigint("ttft_count", { mode: "number" }).notNull(),
    ttftSumMs: doublePrecision("ttft_sum_ms").notNull(),
    itlCount: bigint("itl_count", { mode: "number" }).notNull(),
    itlSumMs: doublePrecision("itl_sum_ms").notNull(),
    latencySumMs: doublePrecision("latency_sum_ms").notNull(),
    ttftHist: bigint("ttft_hist", { mode: "number" }).array().notNull(),
    itlHist: bigint("itl_hist", { mode: "number" }).array().notNull(),
    latencyHist: bigint("latency_hist", { mode: "number" }).array().notNull(),
  };
}

/** Key columns every cube has. Absent ids are stored as '' so the primary key can hold them. */
function rollupKey() {
  return {
    /** 'hour' or 'day' (UTC): each record lands in one row of each grain. */
    grain: text("grain", { enum: ["hour", "day"] }).notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    model: text("model").notNull(),
    provider: text("provider").notNull(),
    status: text("status").notNull(),
  };
}

/** Cube by model/provider/status: small, answers every question that names no user, team, key or tag. */
export const usageRollupModel = pgTable("usage_rollup_model", { ...rollupKey(), ...rollupMetrics() }, (t) => [
  primaryKey({ name: "usage_rollup_model_pk", columns: [t.grain, t.bucket, t.model, t.provider, t.status] }),
]);

/** Cube with user, team and key: for grouping or filtering by them, and for members (always filtered to themselves). */
export const usageRollupPrincipal = pgTable(
  "usage_rollup_principal",
  {
    ...rollupKey(),
    userId: text("user_id").notNull(),
    teamId: text("team_id").notNull(),
    keyId: text("key_id").notNull(),
    ...rollupMetrics(),
  },
  (t) => [
    primaryKey({ name: "usage_rollup_principal_pk", columns: [t.grain, t.bucket, t.userId, t.teamId, t.keyId, t.model, t.provider, t.status] }),
    index("usage_rollup_principal_user_idx").on(t.grain, t.userId, t.bucket),
    index("usage_rollup_principal_team_idx").on(t.grain, t.teamId, t.bucket),
    index("usage_rollup_principal_key_idx").on(t.grain, t.keyId, t.bucket),
  ],
);

/** Cube by tag and model (one row per record and tag; '' for untagged records): admins' tag questions. */
export const usageRollupModelTag = pgTable("usage_rollup_model_tag", { ...rollupKey(), tag: text("tag").notNull(), ...rollupMetrics() }, (t) => [
  primaryKey({ name: "usage_rollup_model_tag_pk", columns: [t.grain, t.bucket, t.tag, t.model, t.provider, t.status] }),
]);

/**
 * Cube by tag with the principal columns: tag questions that also name users, teams or keys (and every
 * member's). The largest cube when tags vary independently of keys.
 */
export const usageRollupTag = pgTable(
  "usage_rollup_tag",
  {
    ...rollupKey(),
    tag: text("tag").notNull(),
    userId: text("user_id").notNull(),
    teamId: text("team_id").notNull(),
    keyId: text("key_id").notNull(),
    ...rollupMetrics(),
  },
  (t) => [
    primaryKey({ name: "usage_rollup_tag_pk", columns: [t.grain, t.bucket, t.tag, t.userId, t.teamId, t.keyId, t.model, t.provider, t.status] }),
    index("usage_rollup_tag_tag_idx").on(t.grain, t.tag, t.bucket),
    index("usage_rollup_tag_user_idx").on(t.grain, t.userId, t.bucket),
  ],
);
