import { sql, type SQL } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { makeAlert, type AlertHub } from "./alerts.js";
import type { BudgetDef } from "./types.js";

function scopeFilter(d: BudgetDef): SQL {
  switch (d.scope) {
    case "KEY":
      return sql`key_id = ${d.subject}`;
    case "USER":
      return sql`user_id = ${d.subject}`;
    case "TEAM":
      return sql`team_id = ${d.subject}`;
    case "MODEL":
      return sql`model_served = ${d.subject}`;
    case "TAG":
      return sql`${d.subject} = ANY(tags)`;
    case "GLOBAL":
      return sql`true`;
  }
}

/**
 * Spike rule of a budget: tokens in the last `spikeWindowMinutes` above `spikeMultiplier` times
 * the usual tokens per window (measured over the baseline hours before it) raise a SPIKE alert.
 * With no baseline there is no "usual" rate, so nothing is raised. Every instance evaluates the
 * rules; a conditional update on the budget row lets only one of them alert per window.
 */
export async function checkSpikes(db: Database, hub: AlertHub, log: Logger, defs: readonly BudgetDef[], baselineHours: number): Promise<number> {
  let raised = 0;
  for (const d of defs) {
    if (!d.spikeMultiplier || !d.spikeWindowMinutes) continue;
    const win = d.spikeWindowMinutes;
    try {
      const [r] = await db.rows<{ recent: number | string | null; base: number | string | null }>(sql`
        SELECT
          sum(input_tokens + output_tokens) FILTER (WHERE created_at > now() - ${win} * interval '1 minute') AS recent,
          sum(input_tokens + output_tokens) FILTER (WHERE created_at <= now() - ${win} * interval '1 minute') AS base
        FROM usage_records
        WHERE created_at > now() - ${win} * interval '1 minute' - ${baselineHours} * interval '1 hour' AND ${scopeFilter(d)}`);
      const recent = Number(r?.recent ?? 0);
      const base = Number(r?.base ?? 0);
      if (base <= 0 || recent <= 0) continue;
      const usual = (base / (baselineHours * 60)) * win;
      if (recent <= usual * d.spikeMultiplier) continue;
      const won = await db.rows<{ limit: number | string; spent: number | string }>(sql`
        UPDATE budgets SET spike_alerted_at = now()
        WHERE id = ${d.id} AND (spike_alerted_at IS NULL OR spike_alerted_at < now() - ${win} * interval '1 minute')
        RETURNING limit_micros AS limit, (CASE WHEN resets_at IS NOT NULL AND resets_at <= now() THEN 0 ELSE spent_micros END) AS spent`);
      const w = won[0];
      if (!w) continue;
      const ratio = Math.round((recent / usual) * 10) / 10;
      hub.publish(
        makeAlert(
          "SPIKE",
          { ...d, limit: Number(w.limit) },
          null,
          Number(w.spent),
          `${recent} tokens in the last ${win} min, ${ratio}× the usual ${Math.round(usual)} (${d.scope}${d.subject ? ` ${d.subject}` : ""})`,
          null,
        ),
        d.webhookUrl,
      );
      raised++;
    } catch (err) {
      log.warn({ err: (err as Error).message, budget: d.id }, "spike rule evaluation failed");
    }
  }
  return raised;
}
