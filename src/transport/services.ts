import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { KeyStore } from "../core/auth/keys.js";
import type { Catalogue } from "../core/catalogue/index.js";
import type { Routing } from "../core/routing/index.js";
import type { Gateway } from "../core/gateway.js";
import type { Guardrails } from "../core/guard/index.js";
import type { UsageWriter } from "../core/metering/usage-writer.js";
import type { Observability } from "../core/observability/index.js";
import type { PolicyEngine } from "../core/policy/index.js";
import type { Database } from "../db/client.js";

/** What the transports may use: the core facades. Built once by app.ts. */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  gateway: Gateway;
  catalogue: Catalogue;
  keys: KeyStore;
  usage: UsageWriter;
  /** Routing rules, explainRoute and per-target health. */
  routing: Routing;
  /** Metrics, traces and logs per request; usage analytics, the request log, retention. */
  observability: Observability;
  /** Budgets, rate limits, admission dry runs and budget alerts. */
  policy: PolicyEngine;
  /** PII redaction, injection scoring, guardrail policies and inspect dry runs. */
  guardrails: Guardrails;
}
