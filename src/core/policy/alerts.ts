import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import type { SettledBudget, SettleItem } from "./sql.js";
import type { BudgetAlert, BudgetDef, PolicyOptions, Scope } from "./types.js";

export const ALERT_CHANNEL = "switchboard_budget_alerts";
/** A budget that keeps refusing raises at most one BLOCKED alert per this period (across instances). */
const BLOCK_ALERT_EVERY = "1 minute";

type Listener = (a: BudgetAlert) => void;

/**
 * Budget alerts: raised by exactly one instance (the one whose atomic statement crossed the
 * threshold or won the dedupe update), published with NOTIFY so subscribers on every instance
 * receive it from their own listener, and POSTed to the budget's webhook off the request path.
 */
export class AlertHub {
  private readonly listeners = new Set<Listener>();
  private unlisten: (() => Promise<void>) | undefined;
  private readonly webhooks: WebhookSender;
  /** Sees every alert delivered here, from any instance, before subscribers (the policy reads spending from it). */
  onAlert: Listener | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    opts: Pick<PolicyOptions, "webhookTimeoutMs" | "webhookAttempts">,
  ) {
    this.webhooks = new WebhookSender(log, opts.webhookTimeoutMs, opts.webhookAttempts);
  }

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(ALERT_CHANNEL, (payload) => {
      try {
        this.deliver(JSON.parse(payload) as BudgetAlert);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "unreadable budget alert notification");
      }
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.webhooks.close(1_000);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Never throws and never blocks a caller: alerts are a side channel. */
  publish(alert: BudgetAlert, webhookUrl: string | null): void {
    if (webhookUrl) this.webhooks.send(webhookUrl, alert);
    this.db.notify(ALERT_CHANNEL, JSON.stringify(alert)).catch((err: Error) => {
      // Without NOTIFY other instances miss it; this instance's subscribers still get it.
      this.log.warn({ err: err.message }, "budget alert NOTIFY failed; delivering locally only");
      this.deliver(alert);
    });
  }

  /** Threshold crossings of one settlement batch. Each crossing happens in exactly one statement. */
  onSettled(rows: SettledBudget[], items: SettleItem[]): void {
    for (const r of rows) {
      if (r.added <= 0) continue;
      const before = r.spent - r.added;
      for (const t of r.thresholds) {
        const mark = t * r.limit;
        if (before < mark && r.spent >= mark) {
          const requestId = items.find((i) => i.b.includes(r.id))?.h ?? null;
          this.publish(
            makeAlert("THRESHOLD", r, t, r.spent, `${r.scope} budget${r.subject ? ` ${r.subject}` : ""} (${r.period}) crossed ${Math.round(t * 100)}% of its limit`, requestId),
            r.webhook_url,
          );
        }
      }
    }
  }

  /** A request was refused or a stream cut by `def`. Deduplicated in the database across instances. */
  blocked(def: BudgetDef, requestId: string, what: string): void {
    this.db
      .rows<{ limit: number; spent: number; time_zone: string }>(
        sql`UPDATE budgets SET block_alerted_at = now()
            WHERE id = ${def.id} AND (block_alerted_at IS NULL OR block_alerted_at < now() - ${BLOCK_ALERT_EVERY}::interval)
            RETURNING limit_micros::float8 AS limit,
              (CASE WHEN resets_at IS NOT NULL AND resets_at <= now() THEN 0 ELSE spent_micros END)::float8 AS spent, time_zone`,
      )
      .then((rows) => {
        const r = rows[0];
        if (!r) return;
        const alert = makeAlert("BLOCKED", { ...def, limit: Number(r.limit) }, null, Number(r.spent), what, requestId);
        this.publish(alert, def.webhookUrl);
      })
      .catch((err: Error) => this.log.warn({ err: err.message }, "could not raise a BLOCKED budget alert"));
  }

  private deliver(a: BudgetAlert): void {
    this.onAlert?.(a);
    for (const fn of this.listeners) {
      try {
        fn(a);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "budget alert subscriber failed");
      }
    }
  }
}

export function makeAlert(
  kind: BudgetAlert["kind"],
  b: { id: string; scope: string; subject: string; period: string; limit: number },
  threshold: number | null,
  spent: number,
  message: string,
  requestId: string | null,
): BudgetAlert {
  return {
    id: randomUUID(),
    kind,
    budgetId: b.id,
    scope: b.scope as Scope,
    subject: b.subject === "" ? null : b.subject,
    period: b.period as BudgetAlert["period"],
    threshold,
    limitMicros: b.limit,
    spentMicros: spent,
    message,
    requestId,
    at: new Date().toISOString(),
  };
}

/** POSTs alerts as JSON with retries and backoff; bounded queue, never awaited by a request. */
class WebhookSender {
  private readonly inflight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private static readonly MAX_INFLIGHT = 200;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
    private readonly attempts: number,
  ) {}

  send(url: string, alert: BudgetAlert): void {
    if (this.inflight.size >= WebhookSender.MAX_INFLIGHT) {
      this.log.warn({ url: redactUrl(url) }, "budget webhook backlog full; alert not posted");
      return;
    }
    const p = this.deliver(url, alert).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async close(graceMs: number): Promise<void> {
    if (this.inflight.size === 0) return;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.controller.abort();
  }

  private async deliver(url: string, alert: BudgetAlert): Promise<void> {
    const body = JSON.stringify({ type: "budget_alert", alert });
    for (let i = 0; i < this.attempts; i++) {
      if (this.controller.signal.aborted) return;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "switchboard-budget-alerts" },
          body,
          signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.timeoutMs)]),
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          this.log.warn({ url: redactUrl(url), status: res.status }, "budget webhook refused the alert");
          return;
        }
      } catch {
        // network error or timeout: retry below
      }
      if (i + 1 < this.attempts) await new Promise((r) => setTimeout(r, 250 * 2 ** i).unref());
    }
    this.log.warn({ url: redactUrl(url), attempts: this.attempts }, "budget webhook failed; alert dropped");
  }
}

/** Webhook URLs may carry tokens in their query; logs keep only the origin and path. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}
