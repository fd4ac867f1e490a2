import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Routing rules (DESIGN.md "Routing input"). Conditions and targets are JSON: they are only ever
 * read whole, validated by the core on write and compiled in memory on load.
 */
export const routingRules = pgTable(
  "routing_rules",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    priority: integer("priority").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** RuleCondition: { models?, kinds?, tagsAny?, users?, teams?, keys?, minPromptTokens?, maxPromptTokens?, hasTools?, hasImages? }. */
    when: jsonb("when").notNull().default(sql`'{}'::jsonb`),
    /** [{ model, weight }] in the rule's order. */
    targets: jsonb("targets").notNull(),
    strategy: text("strategy", { enum: ["FALLBACK", "WEIGHTED", "LEAST_LATENCY", "LEAST_COST"] }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("routing_rules_priority_idx").on(t.priority, t.createdAt)],
);
