import { boolean, doublePrecision, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Guardrail policies per scope. Null columns inherit from the next wider scope
 * (KEY → TEAM → GLOBAL → the `guardrails` section of switchboard.config.json).
 */
export const guardrailPolicies = pgTable(
  "guardrail_policies",
  {
    id: text("id").primaryKey(),
    scope: text("scope", { enum: ["GLOBAL", "TEAM", "KEY"] }).notNull(),
    /** Team or key id; "" for GLOBAL (so the unique index covers it). */
    subject: text("subject").notNull().default(""),
    piiInput: text("pii_input"),
    piiOutput: text("pii_output"),
    piiTypes: text("pii_types").array(),
    restoreInputPii: boolean("restore_input_pii"),
    injection: text("injection"),
    injectionThreshold: doublePrecision("injection_threshold"),
    updatedBy: text("updated_by"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("guardrail_policies_scope_subject_idx").on(t.scope, t.subject)],
);
