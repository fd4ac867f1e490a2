import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import type { ChatRequest } from "../../domain/chat.js";
import { microsToUsd } from "../../domain/money.js";
import type { Principal } from "../auth/keys.js";
import type { CatalogueModel } from "../catalogue/index.js";
import { MIN_STREAM_OUTPUT, costMicros } from "./admission.js";
import type { CoverIndex } from "./cover.js";

interface Reading {
  limit: number;
  spent: number;
  /** Epoch ms when the period ends (spent then counts as 0); Infinity for TOTAL. */
  resetsAt: number;
  /** Epoch ms of the reading. */
  at: number;
  /** The poll that was last started when a statement or alert last updated it (0: the reading is a poll's). */
  notedIn: number;
}

export interface GaugeReading {
  /** limit − spent, micro-USD, with a period that has ended counted as reset. */
  left: number;
  limit: number;
  ageMs: number;
}

/**
 * The last known limit and spent of every BLOCK budget, so routing can skip a target that a
 * budget would refuse without a database round trip. Never used to admit anything: admission
 * checks the live rows. Fed by this instance's settlements and refusals at once, by THRESHOLD and
 * BLOCKED alerts from any instance, and by a poll of the budgets table (`budgetStateMs`).
 */
export class BudgetGauge {
  private readings = new Map<string, Reading>();
  private polls = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: () => number,
  ) {}

  get size(): number {
    return this.readings.size;
  }

  async refresh(): Promise<void> {
    const poll = ++this.polls;
    const rows = await this.db.rows<{ id: string; lim: string | number; spent: string | number; resets: string | number | null }>(
      sql`SELECT id, limit_micros AS lim, spent_micros AS spent, (extract(epoch FROM resets_at) * 1000)::float8 AS resets FROM budgets WHERE action = 'BLOCK'`,
    );
    const at = this.clock();
    const next = new Map<string, Reading>();
    for (const r of rows) {
      const reading: Reading = { limit: Number(r.lim), spent: Number(r.spent), resetsAt: r.resets === null ? Number.POSITIVE_INFINITY : Number(r.resets), at, notedIn: 0 };
      // A settlement noted while this poll was in flight may be newer (spent only grows within a period);
      // anything older yields to the table, so a spent corrected by hand is not held against routing.
      const known = this.readings.get(r.id);
      if (known && known.notedIn === poll && known.resetsAt === reading.resetsAt && known.spent > reading.spent) reading.spent = known.spent;
      next.set(r.id, reading);
    }
    this.readings = next;
  }

  /** A fresher figure from a statement or an alert; spent only grows within a period, so the larger wins. */
  note(id: string, limit: number, spent: number): void {
    const known = this.readings.get(id);
    const at = this.clock();
    if (!known) return; // not a BLOCK budget, or not polled yet: the next poll brings it
    known.limit = limit;
    if (known.resetsAt <= at) {
      // The period ended since the poll: the statement saw it reset, so its spent is the new period's.
      known.spent = spent;
      known.resetsAt = Number.POSITIVE_INFINITY;
    } else known.spent = Math.max(known.spent, spent);
    known.at = at;
    known.notedIn = this.polls;
  }

  read(id: string): GaugeReading | undefined {
    const r = this.readings.get(id);
    if (!r) return undefined;
    const now = this.clock();
    const spent = r.resetsAt <= now ? 0 : r.spent;
    return { left: r.limit - spent, limit: r.limit, ageMs: now - r.at };
  }
}

/** A request as routing sees it; `promptTokens` (an estimate) may be computed on first read. */
export interface RouteRequest {
  readonly req: ChatRequest;
  readonly principal: Principal;
  readonly promptTokens: number;
}

const usd = (micros: number) => `$${microsToUsd(micros).toFixed(6).replace(/0{1,4}$/, "")}`;

/**
 * Why `model` should not serve this request, judged from the gauge (no I/O): a BLOCK budget that
 * would cover the request there has, by the last known figures, less left than the least any
 * admission holds on that model (the estimated prompt plus MIN_STREAM_OUTPUT output tokens).
 * Null keeps the target.
 */
export function overBudgetReason(index: CoverIndex, gauge: BudgetGauge, model: CatalogueModel, r: RouteRequest): string | null {
  let need = -1;
  return index.findBudget(r.principal, r.req, model.id, (d) => {
    if (d.action !== "BLOCK") return null;
    const g = gauge.read(d.id);
    if (g === undefined) return null;
    if (need < 0) need = costMicros({ model, prompt: r.promptTokens, cap: model.maxOutputTokens }, Math.min(model.maxOutputTokens, MIN_STREAM_OUTPUT));
    if (g.left >= need) return null;
    const name = `${d.scope} budget${d.subject ? ` "${d.subject}"` : ""} (${d.period})`;
    return `over budget: ${name} has ${usd(Math.max(0, g.left))} left of ${usd(g.limit)} (as of ${(g.ageMs / 1000).toFixed(1)} s ago); this request needs at least ${usd(need)} on this model`;
  });
}
