import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";

/**
 * All configuration: environment plus an optional `switchboard.config.json`, parsed once at start.
 * Nothing else in the codebase reads process.env.
 */

/** OTEL_TRACES_SAMPLER values (the spec's names); the ratio samplers read OTEL_TRACES_SAMPLER_ARG. */
export const SAMPLERS = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** OTEL_EXPORTER_OTLP_HEADERS: comma-separated key=value pairs, values percent-encoded (W3C Baggage syntax). */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? "").split(",")) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    const key = pair.slice(0, i).trim().toLowerCase();
    const value = pair.slice(i + 1).trim();
    if (!key) continue;
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value; // not percent-encoded after all: taken as written
    }
  }
  return out;
}

const ProviderKindSchema = z.enum(["openai", "openai-compatible", "azure", "anthropic", "gemini"]);

const TimeoutsSchema = z
  .object({
    connectMs: z.number().int().positive().optional(),
    firstByteMs: z.number().int().positive().optional(),
    idleMs: z.number().int().positive().optional(),
  })
  .strict();

const ProviderSchema = z
  .object({
    kind: ProviderKindSchema,
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    /** Name of an environment variable holding the key (keeps secrets out of the file). */
    apiKeyEnv: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Upstream model names this provider serves; each becomes `<provider>/<model>` in the catalogue. */
    models: z.array(z.string().min(1)).default([]),
    /** Azure only. */
    apiVersion: z.string().optional(),
    timeouts: TimeoutsSchema.optional(),
  })
  .strict();

const ModelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*\/.+$/i, 'model ids look like "provider/model"'),
    inputPricePerMTok: z.number().nonnegative().optional(),
    outputPricePerMTok: z.number().nonnegative().optional(),
    cachedInputPricePerMTok: z.number().nonnegative().optional(),
    contextWindow: z.number().int().positive().optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    capabilities: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const PII_TYPE = z.enum(["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "SECRET", "PERSON", "ADDRESS", "DATE_OF_BIRTH"]);
/** Guardrail defaults (the policy under every GLOBAL/TEAM/KEY policy stored in the database). */
const GuardrailsSchema = z
  .object({
    piiInput: z.enum(["OFF", "REDACT", "BLOCK"]).default("REDACT"),
    piiOutput: z.enum(["OFF", "REDACT", "BLOCK"]).default("REDACT"),
    /** Credentials and payment data by default: distinctive, validated, never needed by a model. */
    piiTypes: z.array(PII_TYPE).default(["SECRET", "CREDIT_CARD", "IBAN", "US_SSN"]),
    restoreInputPii: z.boolean().default(true),
    injection: z.enum(["OFF", "FLAG", "BLOCK"]).default("FLAG"),
    injectionThreshold: z.number().min(0).max(1).default(0.5),
    /** Input checks slower than this fail closed (GUARDRAIL_BLOCKED) under REDACT/BLOCK policies. */
    timeBudgetMs: z.number().positive().default(200),
    /** Policy-change check interval (NOTIFY does the work at once; this is the safety net). */
    pollMs: z.number().int().min(50).max(600_000).default(5_000),
  })
  .strict()
  .prefault({});

const FileSchema = z
  .object({
    $schema: z.string().optional(),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "provider names are letters, digits, _ . -"), ProviderSchema).default({}),
    models: z.array(ModelSchema).default([]),
    aliases: z.record(z.string(), z.string()).default({}),
    demo: z.object({ enabled: z.boolean().optional() }).strict().default({}),
    limits: z
      .object({
        maxBodyBytes: z.number().int().positive().default(4 * 1024 * 1024),
        maxMessages: z.number().int().positive().default(2048),
      })
      .strict()
      .default({ maxBodyBytes: 4 * 1024 * 1024, maxMessages: 2048 }),
    usage: z
      .object({
        flushIntervalMs: z.number().int().positive().default(250),
        batchSize: z.number().int().positive().default(500),
        /** Unwritten records past which new requests are refused (503 OVERLOADED) until the backlog drains. */
        maxQueued: z.number().int().positive().default(100_000),
      })
      .strict()
      .refine((u) => u.maxQueued >= u.batchSize, { message: "usage.maxQueued must be at least usage.batchSize", path: ["maxQueued"] })
      .default({ flushIntervalMs: 250, batchSize: 500, maxQueued: 100_000 }),
    shutdown: z.object({ drainMs: z.number().int().nonnegative().default(10_000) }).strict().default({ drainMs: 10_000 }),
    timeouts: TimeoutsSchema.default({}),
    logging: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        /** Store prompt and answer bodies (after redaction) in the request log. */
        bodies: z.boolean().default(false),
        /** Per-team override of `bodies`, by team id. */
        teams: z.record(z.string(), z.object({ bodies: z.boolean() }).strict()).default({}),
      })
      .strict()
      .default({ level: "info", bodies: false, teams: {} }),
    retention: z
      .object({
        /** Raw usage records (the request log), in days. */
        usageDays: z.number().int().positive().default(30),
        /** Stored bodies, in days (never longer than usageDays). */
        bodiesDays: z.number().int().positive().default(7),
        /** Hourly rollups, in days. */
        hourlyRollupDays: z.number().int().positive().default(90),
        /** Daily rollups, in days. */
        dailyRollupDays: z.number().int().positive().default(730),
        /** How often pruning and partition upkeep run. */
        intervalMinutes: z.number().positive().default(60),
      })
      .strict()
      .default({ usageDays: 30, bodiesDays: 7, hourlyRollupDays: 90, dailyRollupDays: 730, intervalMinutes: 60 }),
    guardrails: GuardrailsSchema,
    routing: z
      .object({
        /** Rule-change check interval (PGlite; every 10th on Postgres, where NOTIFY does the work). */
        pollMs: z.number().int().min(50).max(60_000).optional(),
        /** Failover before the first token: attempts across targets, total time, backoff, longest retry-after waited for. */
        retry: z
          .object({
            maxAttempts: z.number().int().min(1).max(10).optional(),
            maxTotalMs: z.number().int().positive().optional(),
            backoffMs: z.number().int().nonnegative().optional(),
            maxRetryAfterMs: z.number().int().nonnegative().optional(),
          })
          .strict()
          .optional(),
        /** Per-target circuit breaker (see src/core/routing/health.ts for each field). */
        breaker: z
          .object({
            failureThreshold: z.number().int().positive().optional(),
            errorRateThreshold: z.number().gt(0).max(1).optional(),
            minSamples: z.number().int().positive().optional(),
            windowMs: z.number().int().positive().optional(),
            cooldownMs: z.number().int().positive().optional(),
            maxCooldownMs: z.number().int().positive().optional(),
            probeTimeoutMs: z.number().int().positive().optional(),
            rateLimitCooldownMs: z.number().int().nonnegative().optional(),
            maxRateLimitCooldownMs: z.number().int().nonnegative().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    policy: z
      .object({
        /** Budget holds not renewed for this long are released (bounds how long a crashed instance's holds linger). */
        holdTtlMs: z.number().int().min(200).max(3_600_000).optional(),
        sweepIntervalMs: z.number().int().min(50).max(600_000).optional(),
        reloadIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
        /** How often routing's view of budget spending is re-read (skipping over-budget targets). */
        budgetStateMs: z.number().int().min(50).max(3_600_000).optional(),
        /** How long a request that fits once running requests settle waits before BUDGET_EXCEEDED. */
        waitForHoldsMs: z.number().int().min(0).max(120_000).optional(),
        /** Output tokens a stream holds up front and per extension step. */
        streamStepTokens: z.number().int().min(16).max(1_000_000).optional(),
        spikeIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
        spikeBaselineHours: z.number().positive().max(24 * 90).optional(),
        webhookTimeoutMs: z.number().int().positive().max(60_000).optional(),
        webhookAttempts: z.number().int().min(1).max(10).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL").optional(),
  SWITCHBOARD_DATA_DIR: z.string().default("./.switchboard"),
  SWITCHBOARD_CONFIG: z.string().optional(),
  SWITCHBOARD_ADMIN_KEY: z.string().min(16, "SWITCHBOARD_ADMIN_KEY must be at least 16 characters").optional(),
  SWITCHBOARD_METRICS_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_COMPRESSION: z.enum(["gzip", "none"]).optional(),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: z.enum(["gzip", "none"]).optional(),
  // Spans are written as protobuf only (the protocol's default); a collector set up for grpc listens on
  // another port and would refuse every export, so that is said at startup rather than in warnings.
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal("http/protobuf", { error: "only http/protobuf is supported" }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.literal("http/protobuf", { error: "only http/protobuf is supported" }).optional(),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS).default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("switchboard"),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_BASE_URL: z.url().optional(),
});

export type ProviderKindConfig = z.infer<typeof ProviderKindSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type TimeoutsConfig = z.infer<typeof TimeoutsSchema>;
export type RoutingConfig = z.infer<typeof FileSchema>["routing"];
export type PolicyConfig = z.infer<typeof FileSchema>["policy"];
export type GuardrailsConfig = z.infer<typeof GuardrailsSchema>;

export interface ProviderConfig {
  name: string;
  kind: ProviderKindConfig;
  baseUrl: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  models: string[];
  apiVersion: string | undefined;
  timeouts: TimeoutsConfig;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminKey: string | undefined;
  metricsToken: string | undefined;
  providers: Record<string, ProviderConfig>;
  models: ModelConfig[];
  aliases: Record<string, string>;
  demoEnabled: boolean;
  limits: { maxBodyBytes: number; maxMessages: number };
  usage: { flushIntervalMs: number; batchSize: number; maxQueued: number };
  shutdown: { drainMs: number };
  timeouts: TimeoutsConfig;
  routing: RoutingConfig;
  /** Budgets and rate limits (src/core/policy); unset fields take the defaults there. */
  policy: PolicyConfig;
  /** Guardrail defaults and limits (src/core/guard). */
  guardrails: GuardrailsConfig;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  observability: ObservabilityConfig;
}

export interface ObservabilityConfig {
  /** Store request bodies (redacted) by default; `bodiesByTeam` overrides per team id. */
  bodies: boolean;
  bodiesByTeam: Record<string, boolean>;
  retention: { usageDays: number; bodiesDays: number; hourlyRollupDays: number; dailyRollupDays: number; intervalMinutes: number };
  /** OTLP/HTTP base URL; traces are exported only when set. */
  otlpEndpoint: string | undefined;
  tracing: { tracesEndpoint: string | undefined; headers: Record<string, string>; gzip: boolean; sampler: SamplerName; samplerArg: number | undefined };
  serviceName: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function describe(err: z.ZodError, where: string): string {
  const lines = err.issues.map((i) => `  - ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  return `Invalid configuration in ${where}:\n${lines.join("\n")}`;
}

const DEFAULT_BASE: Record<ProviderKindConfig, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
  gemini: "https://generativelanguage.googleapis.com/v1beta",
  azure: "",
  "openai-compatible": "",
};

/**
 * Reads env and the config file. Throws ConfigError with one readable line per problem.
 * `overrides` lets tests and the bench replace the file's content without touching disk.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, fileOverride?: unknown): Config {
  // An empty variable (`DATABASE_URL=` in a .env file) means unset, not an invalid value.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const envParsed = EnvSchema.safeParse(present);
  if (!envParsed.success) throw new ConfigError(describe(envParsed.error, "environment"));
  const e = envParsed.data;

  let raw: unknown = fileOverride;
  let where = "config override";
  if (raw === undefined) {
    const path = e.SWITCHBOARD_CONFIG ?? (existsSync("switchboard.config.json") ? "switchboard.config.json" : undefined);
    if (path) {
      where = resolve(path);
      try {
        raw = JSON.parse(readFileSync(path, "utf8"));
      } catch (err) {
        throw new ConfigError(`Cannot read ${where}: ${(err as Error).message}`);
      }
    } else raw = {};
  }
  const fileParsed = FileSchema.safeParse(raw);
  if (!fileParsed.success) throw new ConfigError(describe(fileParsed.error, where));
  const f = fileParsed.data;

  const providers: Record<string, ProviderConfig> = {};
  // The three hosted providers are always listed; one without a key answers UPSTREAM_ERROR saying so.
  const builtin: [string, ProviderKindConfig, string | undefined, string | undefined][] = [
    ["openai", "openai", e.OPENAI_API_KEY, e.OPENAI_BASE_URL],
    ["anthropic", "anthropic", e.ANTHROPIC_API_KEY, e.ANTHROPIC_BASE_URL],
    ["gemini", "gemini", e.GEMINI_API_KEY, e.GEMINI_BASE_URL],
  ];
  for (const [name, kind, apiKey, baseUrl] of builtin) {
    providers[name] = { name, kind, baseUrl: baseUrl ?? DEFAULT_BASE[kind], apiKey, headers: {}, models: [], apiVersion: undefined, timeouts: {} };
  }
  const problems: string[] = [];
  for (const [name, p] of Object.entries(f.providers)) {
    if (name === "demo") {
      problems.push(`  - providers.demo: "demo" is the built-in demo provider's name`);
      continue;
    }
    const prev = providers[name];
    const apiKey = p.apiKey ?? (p.apiKeyEnv ? present[p.apiKeyEnv] : undefined) ?? prev?.apiKey;
    if (p.apiKeyEnv && !present[p.apiKeyEnv] && !p.apiKey) problems.push(`  - providers.${name}.apiKeyEnv: environment variable ${p.apiKeyEnv} is not set`);
    const baseUrl = p.baseUrl ?? prev?.baseUrl ?? DEFAULT_BASE[p.kind];
    if (!baseUrl) problems.push(`  - providers.${name}.baseUrl: required for kind "${p.kind}"`);
    providers[name] = {
      name,
      kind: p.kind,
      baseUrl,
      apiKey,
      headers: p.headers,
      models: p.models,
      apiVersion: p.apiVersion,
      timeouts: p.timeouts ?? {},
    };
  }
  for (const m of f.models) {
    const provider = m.id.slice(0, m.id.indexOf("/"));
    if (!providers[provider] && provider !== "demo") problems.push(`  - models: "${m.id}" names unknown provider "${provider}"`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration in ${where}:\n${problems.join("\n")}`);

  const anyRealKey = Object.values(providers).some((p) => p.apiKey !== undefined || p.kind === "openai-compatible");
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.SWITCHBOARD_DATA_DIR,
    adminKey: e.SWITCHBOARD_ADMIN_KEY,
    metricsToken: e.SWITCHBOARD_METRICS_TOKEN,
    providers,
    models: f.models,
    aliases: f.aliases,
    demoEnabled: f.demo.enabled ?? !anyRealKey,
    limits: f.limits,
    usage: f.usage,
    shutdown: f.shutdown,
    timeouts: f.timeouts,
    routing: f.routing,
    policy: f.policy,
    guardrails: f.guardrails,
    logLevel: e.LOG_LEVEL ?? f.logging.level,
    observability: {
      bodies: f.logging.bodies,
      bodiesByTeam: Object.fromEntries(Object.entries(f.logging.teams).map(([team, t]) => [team, t.bodies])),
      retention: f.retention,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      tracing: {
        tracesEndpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        // The signal-specific settings win over the general ones, as the OTLP exporter spec says.
        headers: { ...parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS), ...parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
        gzip: (e.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? e.OTEL_EXPORTER_OTLP_COMPRESSION) === "gzip",
        sampler: e.OTEL_TRACES_SAMPLER,
        samplerArg: e.OTEL_TRACES_SAMPLER_ARG,
      },
      serviceName: e.OTEL_SERVICE_NAME,
    },
  };
}
