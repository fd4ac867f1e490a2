import { sql } from "drizzle-orm";
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** API keys: only the SHA-256 of the secret is stored; `prefix` lets people tell keys apart. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull().unique(),
    role: text("role", { enum: ["ADMIN", "MEMBER"] }).notNull(),
    userId: text("user_id").notNull(),
    teamId: text("team_id"),
    /** Catalogue ids this key may call; null = all. */
    allowedModels: text("allowed_models").array(),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_user_idx").on(t.userId), index("api_keys_team_idx").on(t.teamId)],
);

/** The model catalogue. Prices are integer micro-USD per million tokens (never floats). */
export const models = pgTable("models", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull(),
  upstreamModel: text("upstream_model").notNull(),
  displayName: text("display_name"),
  contextWindow: integer("context_window").notNull(),
  maxOutputTokens: integer("max_output_tokens").notNull(),
  inputPriceMicros: bigint("input_price_micros", { mode: "number" }).notNull(),
  outputPriceMicros: bigint("output_price_micros", { mode: "number" }).notNull(),
  cachedInputPriceMicros: bigint("cached_input_price_micros", { mode: "number" }),
  capabilities: text("capabilities").array().notNull().default(sql`'{}'::text[]`),
  enabled: boolean("enabled").notNull().default(true),
  demo: boolean("demo").notNull().default(false),
  /** seed | config | admin: where the current row came from. */
  source: text("source").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const aliases = pgTable("aliases", {
  name: text("name").primaryKey(),
  target: text("target").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One row per request, whatever its ending. Written in batches off the hot path. */
export const usageRecords = pgTable(
  "usage_records",
  {
    id: text("id").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    keyId: text("key_id"),
    userId: text("user_id"),
    teamId: text("team_id"),
    transport: text("transport").notNull(),
    stream: boolean("stream").notNull(),
    modelRequested: text("model_requested").notNull(),
    modelServed: text("model_served"),
    provider: text("provider"),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    cachedInputTokens: integer("cached_input_tokens").notNull().default(0),
    reasoningTokens: integer("reasoning_tokens").notNull().default(0),
    /** True when the provider reported no usage and we counted with the tokenizer. */
    tokensEstimated: boolean("tokens_estimated").notNull().default(false),
    costMicroUsd: bigint("cost_micro_usd", { mode: "number" }).notNull(),
    ttftMs: doublePrecision("ttft_ms"),
    itlMs: doublePrecision("itl_ms"),
    latencyMs: doublePrecision("latency_ms").notNull(),
    status: text("status", { enum: ["ok", "error", "cancelled"] }).notNull(),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    finishReason: text("finish_reason"),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    endUser: text("end_user"),
    attempts: jsonb("attempts").notNull().default(sql`'[]'::jsonb`),
    tokensPerSecond: doublePrecision("tokens_per_second"),
    /** Guardrail outcome: redactions, injection score, finding types and counts (never values); null when nothing ran or found. */
    guardrails: jsonb("guardrails").$type<{ redactions: number; injectionScore: number | null; findings: Record<string, number> }>(),
  },
  (t) => [
    index("usage_created_idx").on(t.createdAt),
    index("usage_key_created_idx").on(t.keyId, t.createdAt),
    index("usage_user_created_idx").on(t.userId, t.createdAt),
  ],
);

/** Small key/value facts about this database (e.g. that the first admin key was created). */
export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
export * from "./schema-routing.js";
export * from "./schema-policy.js";
export * from "./schema-observability.js";
export * from "./schema-guard.js";
