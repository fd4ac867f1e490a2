import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { budgets, rateLimits } from "../../db/schema.js";
import type { ChatRequest } from "../../domain/chat.js";
import type { Principal } from "../auth/keys.js";
import type { Resolved } from "../catalogue/index.js";
import type { BudgetDef, LimitDef, Scope } from "./types.js";

/** Budgets and limits that apply to one request. */
export interface Cover {
  budgets: BudgetDef[];
  limits: LimitDef[];
}

type ByScope<T> = Record<Scope, Map<string, T[]>>;
const emptyByScope = <T>(): ByScope<T> => ({ KEY: new Map(), USER: new Map(), TEAM: new Map(), MODEL: new Map(), TAG: new Map(), GLOBAL: new Map() });

export const CHANGE_CHANNEL = "switchboard_policy";

/**
 * The budgets and rate limits, indexed in memory by scope and subject, so that a request no
 * budget or limit covers costs a few Map lookups and no database round trip. Reloaded on NOTIFY
 * from any instance and, as a backstop for lost notifications, on a timer.
 */
export class CoverIndex {
  private budgets = emptyByScope<BudgetDef>();
  private limits = emptyByScope<LimitDef>();
  private all: { budgets: BudgetDef[]; limits: LimitDef[] } = { budgets: [], limits: [] };
  private empty = true;
  private generation = 0;
  private applied = 0;
  /** Called after each reload (the policy drops caches that depend on limit values). */
  onReload: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  get budgetDefs(): readonly BudgetDef[] {
    return this.all.budgets;
  }

  get limitDefs(): readonly LimitDef[] {
    return this.all.limits;
  }

  async reload(): Promise<void> {
    const gen = ++this.generation;
    const [b, l] = await Promise.all([
      this.db.db
        .select({
          id: budgets.id,
          scope: budgets.scope,
          subject: budgets.subject,
          period: budgets.period,
          action: budgets.action,
          webhookUrl: budgets.webhookUrl,
          spikeMultiplier: budgets.spikeMultiplier,
          spikeWindowMinutes: budgets.spikeWindowMinutes,
        })
        .from(budgets),
      this.db.db
        .select({ id: rateLimits.id, scope: rateLimits.scope, subject: rateLimits.subject, rpm: rateLimits.requestsPerMinute, tpm: rateLimits.tokensPerMinute })
        .from(rateLimits),
    ]);
    // A slower, older reload must not overwrite a newer one's result; an older one that finishes first
    // still applies, since the caller awaiting it wants its write seen.
    if (gen < this.applied) return;
    this.applied = gen;
    const nb = emptyByScope<BudgetDef>();
    const nl = emptyByScope<LimitDef>();
    for (const d of b) push(nb[d.scope], d.subject, d);
    for (const d of l) push(nl[d.scope], d.subject, d);
    this.budgets = nb;
    this.limits = nl;
    this.all = { budgets: b, limits: l };
    this.empty = b.length === 0 && l.length === 0;
    this.onReload?.();
  }

  reloadSoon(): void {
    this.reload().catch((err: Error) => this.log.error({ err: err.message }, "policy index reload failed"));
  }

  /**
   * Budgets covering the request (MODEL budgets of every candidate, since failover may serve any
   * of them) and limits covering it (MODEL limits of the first candidate only: a rate limit counts
   * calls, and counting backups that are never called would throttle them for nothing).
   * Null when nothing applies: the request needs no database work at all.
   */
  cover(p: Principal, req: ChatRequest, candidates: readonly Resolved[]): Cover | null {
    if (this.empty) return null;
    // Arrays are allocated only once something matches: the common miss allocates nothing.
    const c: { budgets: BudgetDef[] | null; limits: LimitDef[] | null } = { budgets: null, limits: null };
    this.collect(c, "GLOBAL", "");
    this.collect(c, "KEY", p.keyId);
    this.collect(c, "USER", p.userId);
    if (p.teamId !== null) this.collect(c, "TEAM", p.teamId);
    if (req.tags) for (let i = 0; i < req.tags.length; i++) if (req.tags.indexOf(req.tags[i]!) === i) this.collect(c, "TAG", req.tags[i]!);
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i]!.model.id;
      let seen = false;
      for (let j = 0; j < i; j++) if (candidates[j]!.model.id === id) seen = true;
      if (seen) continue;
      const mb = this.budgets.MODEL.get(id);
      if (mb) (c.budgets ??= []).push(...mb);
      if (i === 0) {
        const ml = this.limits.MODEL.get(id);
        if (ml) (c.limits ??= []).push(...ml);
      }
    }
    if (c.budgets === null && c.limits === null) return null;
    return { budgets: c.budgets ?? [], limits: c.limits ?? [] };
  }

  /**
   * The first non-null answer of `visit` over the budgets that would cover this request if
   * `modelId` served it (every scope but other models' MODEL budgets). Allocates nothing.
   */
  findBudget(p: Principal, req: ChatRequest, modelId: string, visit: (d: BudgetDef) => string | null): string | null {
    if (this.empty) return null;
    const b = this.budgets;
    const r =
      visitAll(b.MODEL.get(modelId), visit) ??
      visitAll(b.GLOBAL.get(""), visit) ??
      visitAll(b.KEY.get(p.keyId), visit) ??
      visitAll(b.USER.get(p.userId), visit) ??
      (p.teamId !== null ? visitAll(b.TEAM.get(p.teamId), visit) : null);
    if (r !== null || !req.tags) return r;
    for (const t of req.tags) {
      const x = visitAll(b.TAG.get(t), visit);
      if (x !== null) return x;
    }
    return null;
  }

  private collect(c: { budgets: BudgetDef[] | null; limits: LimitDef[] | null }, scope: Scope, subject: string): void {
    const b = this.budgets[scope].get(subject);
    if (b) (c.budgets ??= []).push(...b);
    const l = this.limits[scope].get(subject);
    if (l) (c.limits ??= []).push(...l);
  }
}

function visitAll(defs: BudgetDef[] | undefined, visit: (d: BudgetDef) => string | null): string | null {
  if (defs) for (const d of defs) {
    const r = visit(d);
    if (r !== null) return r;
  }
  return null;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
