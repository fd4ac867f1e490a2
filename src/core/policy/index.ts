import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { budgets as budgetsTable, rateLimits as rateLimitsTable } from "../../db/schema.js";
import type { Usage } from "../../domain/chat.js";
import { ErrorCode, GatewayError, badInput } from "../../domain/errors.js";
import { microsToUsd } from "../../domain/money.js";
import type { Principal } from "../auth/keys.js";
import type { Catalogue, CatalogueModel } from "../catalogue/index.js";
import type { Admission, AdmissionInput, Policy } from "../pipeline.js";
import { HeldAdmission, maxTokensThatFit, sizeHold, type HoldHost, type Sizing } from "./admission.js";
import {
  MemberScope,
  readBudgets,
  readRateLimits,
  upsertBudget,
  upsertRateLimit,
  validateBudgetInput,
  validateRateLimitInput,
  validateSubject,
  validateTimeZone,
  type BudgetInput,
  type RateLimitInput,
} from "./admin.js";
import { AlertHub } from "./alerts.js";
import { CHANGE_CHANNEL, CoverIndex, type Cover } from "./cover.js";
import { BudgetGauge, overBudgetReason, type RouteRequest } from "./gauge.js";
import { retryAfter, type AdmissionReport } from "./report.js";
import { Settler } from "./settler.js";
import { checkSpikes } from "./spike.js";
import { admitStatement, extendStatement, normaliseAdmit, normaliseBudget, renewStatement, sweepStatement, type AdmitRow, type BudgetState, type ExtendRow } from "./sql.js";
import { defaultPolicyOptions, type BudgetAlert, type BudgetView, type PolicyOptions, type RateLimitView, type Scope } from "./types.js";

export type { AdmissionReport } from "./report.js";
export type { BudgetInput, RateLimitInput } from "./admin.js";
export * from "./types.js";

export interface PolicyDeps {
  db: Database;
  log: Logger;
  catalogue: Catalogue;
  options?: Partial<PolicyOptions>;
  /** Milliseconds since the epoch; rate-limit windows follow it (tests may shift it). */
  clock?: () => number;
}

const FREE: Admission = { heldMicros: 0, extend: () => true, settle: () => undefined };

const usd = (micros: number) => `$${microsToUsd(micros).toFixed(6).replace(/0{1,4}$/, "")}`;

/**
 * Budgets and rate limits (DESIGN.md "Money"). A request that nothing covers costs a few Map
 * lookups. A covered one costs one statement at admission (rate-limit windows + holds on every
 * covering budget, all or nothing), one per extension step while it streams, and one batched,
 * off-path statement at settlement.
 */
export class PolicyEngine implements Policy, HoldHost {
  readonly instanceId = randomUUID();
  readonly index: CoverIndex;
  readonly alerts: AlertHub;
  /** Last known spending of BLOCK budgets, for routing (never for admission). */
  readonly gauge: BudgetGauge;
  private readonly settler: Settler;
  private readonly opts: PolicyOptions;
  private readonly clock: () => number;
  private readonly db: Database;
  private readonly log: Logger;
  /** RPM limits known to be full until a time: refused here without a round trip (counts only grow within a window). */
  private rpmFullUntil = new Map<string, number>();
  private readonly refusals = new WeakMap<HeldAdmission, BudgetState[]>();
  private liveHolds = 0;
  /**
   * Admissions waiting for running requests to settle, oldest first. A settlement here wakes as
   * many as it settled (not all: a herd would re-run the statement for nothing); settlements on
   * other instances are noticed by polling with backoff.
   */
  private waiters: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: PolicyDeps) {
    this.db = deps.db;
    this.log = deps.log.child({ component: "policy" });
    this.opts = { ...defaultPolicyOptions, ...deps.options };
    this.clock = deps.clock ?? Date.now;
    this.index = new CoverIndex(this.db, this.log);
    this.gauge = new BudgetGauge(this.db, this.clock);
    this.index.onReload = () => {
      this.rpmFullUntil.clear();
      this.refreshGauge();
    };
    this.alerts = new AlertHub(this.db, this.log, this.opts);
    this.alerts.onAlert = (a) => {
      if (a.kind !== "SPIKE") this.gauge.note(a.budgetId, a.limitMicros, a.spentMicros);
    };
    this.settler = new Settler(this.db, this.log, (rows, items) => {
      for (const wake of this.waiters.splice(0, items.length)) wake();
      for (const r of rows) this.gauge.note(r.id, r.limit, r.spent);
      this.alerts.onSettled(rows, items);
    });
  }

  async start(): Promise<void> {
    await this.index.reload();
    await this.gauge.refresh();
    this.unlisten = await this.db.listen(CHANGE_CHANNEL, () => this.index.reloadSoon());
    await this.alerts.start();
    const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
      const t = setInterval(() => void fn().catch((err: Error) => this.log.warn({ err: err.message }, what)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(50, Math.floor(this.opts.holdTtlMs / 3)), () => this.renew(), "hold renewal failed");
    every(this.opts.sweepIntervalMs, () => this.sweep(), "hold sweep failed");
    every(this.opts.reloadIntervalMs, () => this.index.reload(), "policy index reload failed");
    every(this.opts.budgetStateMs, () => (this.index.budgetDefs.some((b) => b.action === "BLOCK") ? this.gauge.refresh() : Promise.resolve()), "budget state refresh failed");
    every(this.opts.spikeIntervalMs, () => this.checkSpikes(), "spike check failed");
  }

  /** Waits for every settlement queued so far to be written. */
  flush(timeoutMs?: number): Promise<boolean> {
    return this.settler.flush(timeoutMs);
  }

  /** Shutdown, before the database closes: write pending settlements (bounded), stop timers and listeners. */
  async close(timeoutMs = 10_000): Promise<void> {
    await this.settler.close(timeoutMs);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([this.unlisten?.(), this.alerts.stop()]);
  }

  // ---- the seam --------------------------------------------------------------------------

  admit(input: AdmissionInput): Admission | Promise<Admission> {
    const cover = this.index.cover(input.principal, input.req, input.plan.candidates);
    if (cover === null) return FREE;
    return this.admitCovered(input, cover);
  }

  private async admitCovered(input: AdmissionInput, cover: Cover): Promise<Admission> {
    const started = this.clock();
    this.checkFullRpm(cover, started);
    const sizing = sizeHold(input, this.opts.streamStepTokens);
    const money = cover.budgets.length > 0;
    const params = {
      budgetIds: cover.budgets.map((b) => b.id),
      limitIds: cover.limits.map((l) => l.id),
      tokens: sizing.tpmTokens,
      minMicros: money ? sizing.minMicros : 0,
      desiredMicros: money ? sizing.desiredMicros : 0,
      holdId: input.requestId,
      instanceId: this.instanceId,
      ttlMs: this.opts.holdTtlMs,
      apply: true,
    };
    for (let attempt = 0; ; attempt++) {
      const now = this.clock();
      const slot = Math.floor(now / 1000);
      const row = normaliseAdmit((await this.db.rows<AdmitRow>(admitStatement({ ...params, slot })))[0]);
      if (row.ok) {
        if (money) this.liveHolds++;
        return new HeldAdmission(this, input.requestId, cover, sizing, slot, this.opts.streamStepTokens, row.granted);
      }
      if (!row.lim_ok) throw this.rateLimited(row, sizing, now, cover);
      for (const b of row.budgets ?? []) this.gauge.note(b.id, b.limit, b.spent);
      const blocking = (row.budgets ?? []).filter((b) => b.action === "BLOCK" && b.limit - b.spent - b.reserved < params.minMicros);
      if (blocking.length === 0) throw new GatewayError(ErrorCode.BUDGET_EXCEEDED, "a budget refused this request");
      // Fits once running requests settle for less than they hold: wait for that rather than refuse.
      const waitable = blocking.every((b) => b.limit - b.spent >= params.minMicros && b.reserved > 0);
      if (waitable && this.clock() - started < this.opts.waitForHoldsMs) {
        await this.nextSettlement(Math.min(1_000, 50 * 2 ** attempt) * (0.75 + Math.random() / 2));
        continue;
      }
      throw this.budgetExceeded(blocking, sizing, input, cover, waitable);
    }
  }

  private nextSettlement(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }

  private checkFullRpm(cover: Cover, now: number): void {
    if (this.rpmFullUntil.size === 0) return;
    for (const l of cover.limits) {
      const until = this.rpmFullUntil.get(l.id);
      if (until === undefined) continue;
      if (until <= now) this.rpmFullUntil.delete(l.id);
      else throw rateLimitError(l.scope, l.subject, `${l.rpm} requests per minute`, until - now);
    }
  }

  private rateLimited(row: AdmitRow, sizing: Sizing, now: number, cover: Cover): GatewayError {
    let worst: { ms: number; what: string; def: Cover["limits"][number] } | undefined;
    for (const w of row.limits ?? []) {
      const def = cover.limits.find((l) => l.id === w.id);
      if (!def) continue;
      // More tokens than the limit allows in a whole minute: waiting cannot help, so it is no rate limit to retry.
      if (w.tpm !== null && sizing.tpmTokens > w.tpm) {
        return new GatewayError(
          ErrorCode.RATE_LIMITED,
          `this request needs ~${sizing.tpmTokens} tokens, more than the limit of ${w.tpm} tokens per minute for ${def.scope}${def.subject ? ` "${def.subject}"` : ""} allows at all; shorten the prompt or lower maxTokens`,
          { retryable: false, details: { scope: def.scope, subject: def.subject || null, requestTokens: sizing.tpmTokens, tokensPerMinute: w.tpm } },
        );
      }
      const r = retryAfter(w, sizing.tpmTokens, now);
      if (r.rpmMs !== null) {
        this.rpmFullUntil.set(w.id, now + r.rpmMs);
        if (!worst || r.rpmMs > worst.ms) worst = { ms: r.rpmMs, what: `${w.rpm} requests per minute`, def };
      }
      if (r.tpmMs !== null && (!worst || r.tpmMs > worst.ms)) worst = { ms: r.tpmMs, what: `${w.tpm} tokens per minute`, def };
    }
    if (!worst) return rateLimitError("GLOBAL", "", "a rate limit", 1_000);
    return rateLimitError(worst.def.scope, worst.def.subject, worst.what, worst.ms);
  }

  private budgetExceeded(blocking: BudgetState[], sizing: Sizing, input: AdmissionInput, cover: Cover, waited: boolean): GatewayError {
    const b = blocking.reduce((m, x) => (x.limit - x.spent - x.reserved < m.limit - m.spent - m.reserved ? x : m), blocking[0]!);
    const def = cover.budgets.find((d) => d.id === b.id)!;
    const left = Math.max(0, b.limit - b.spent - b.reserved);
    const name = `${def.scope} budget${def.subject ? ` "${def.subject}"` : ""} (${def.period})`;
    let message = waited
      ? `${name} is held by running requests: ${usd(left)} free of ${usd(b.limit)}, this request needs ${usd(sizing.minMicros)}; retry shortly`
      : `${name} has ${usd(left)} left of ${usd(b.limit)}; this request needs ${usd(sizing.minMicros)} held`;
    const details: Record<string, unknown> = { budgetId: b.id, scope: def.scope, subject: def.subject || null, remainingUsd: microsToUsd(left), requiredUsd: microsToUsd(sizing.minMicros) };
    if (!input.stream && !waited) {
      const fit = maxTokensThatFit(sizing, left);
      if (fit > 0) {
        message += ` (prompt plus up to ${sizing.outputTokens} output tokens); a maxTokens of at most ${fit} would fit`;
        details.maxTokensThatFit = fit;
      }
    }
    for (const x of blocking) {
      const d = cover.budgets.find((c) => c.id === x.id);
      if (d) this.alerts.blocked(d, input.requestId, `request refused: ${message}`);
    }
    return new GatewayError(ErrorCode.BUDGET_EXCEEDED, message, { details, retryable: waited, ...(waited ? { retryAfterMs: 1_000 } : {}) });
  }

  /**
   * Routing's exclude hook (no I/O): why `model` should not serve this request — a BLOCK budget
   * that would cover it there has, by the gauge's last figures, less left than the least any
   * admission holds on that model (the estimated prompt plus MIN_STREAM_OUTPUT output tokens).
   * Null keeps the target. Admission still decides on the live rows; this only steers failover
   * away from a target whose budget would refuse the whole request.
   */
  overBudget(model: CatalogueModel, r: RouteRequest): string | null {
    return this.gauge.size === 0 ? null : overBudgetReason(this.index, this.gauge, model, r);
  }

  private refreshGauge(): void {
    this.gauge.refresh().catch((err: Error) => this.log.warn({ err: err.message }, "budget state refresh failed"));
  }

  // ---- HoldHost: the database work of a held admission ---------------------------------------

  async extendHold(a: HeldAdmission, minMicros: number, desiredMicros: number): Promise<number | null> {
    const [raw] = await this.db.rows<ExtendRow>(extendStatement(a.id, minMicros, desiredMicros, this.opts.holdTtlMs));
    if (raw?.ok) return Number(raw.granted);
    if (raw && !raw.held) this.log.warn({ requestId: a.id }, "hold was released before its stream ended (expired?); the stream is cut");
    if (raw?.budgets) {
      const states = raw.budgets.map(normaliseBudget);
      for (const b of states) this.gauge.note(b.id, b.limit, b.spent);
      this.refusals.set(a, states);
    }
    return null;
  }

  cutOff(a: HeldAdmission): void {
    const states = this.refusals.get(a) ?? [];
    for (const s of states) {
      if (s.action !== "BLOCK" || s.limit - s.spent - s.reserved > 0) continue;
      const d = a.cover.budgets.find((c) => c.id === s.id);
      if (d) this.alerts.blocked(d, a.id, `stream cut: ${d.scope} budget${d.subject ? ` "${d.subject}"` : ""} (${d.period}) exhausted`);
    }
  }

  settleHold(a: HeldAdmission, actualMicros: number, usage: Usage, model: CatalogueModel | null): void {
    if (a.holdsMoney) {
      this.liveHolds--;
      this.settler.settle({ h: a.id, a: actualMicros, m: model?.id ?? "", b: a.cover.budgets.map((b) => b.id) });
    }
    const tpm = a.cover.limits.filter((l) => l.tpm !== null);
    if (tpm.length > 0) {
      this.settler.fixTokens({ l: tpm.map((l) => l.id), s: a.slot, d: usage.inputTokens + usage.outputTokens - a.sizing.tpmTokens });
    }
  }

  // ---- background --------------------------------------------------------------------------

  private async renew(): Promise<void> {
    if (this.liveHolds > 0) await this.db.rows(renewStatement(this.instanceId, this.opts.holdTtlMs));
  }

  /** Releases expired holds (of instances that stopped renewing them). Returns how many. */
  async sweep(): Promise<number> {
    const [r] = await this.db.rows<{ holds: number }>(sweepStatement());
    const n = Number(r?.holds ?? 0);
    if (n > 0) this.log.warn({ holds: n }, "released expired budget holds (an instance stopped renewing them)");
    return n;
  }

  checkSpikes(): Promise<number> {
    return checkSpikes(this.db, this.alerts, this.log, this.index.budgetDefs, this.opts.spikeBaselineHours);
  }

  // ---- dry run -----------------------------------------------------------------------------

  /** Query.admission: what admit() would decide now. Locks nothing, holds nothing. */
  async evaluate(input: AdmissionInput): Promise<AdmissionReport> {
    const cover = this.index.cover(input.principal, input.req, input.plan.candidates) ?? { budgets: [], limits: [] };
    const sizing = sizeHold(input, this.opts.streamStepTokens);
    const now = this.clock();
    const money = cover.budgets.length > 0;
    const row = normaliseAdmit(
      (
        await this.db.rows<AdmitRow>(
          admitStatement({
            budgetIds: cover.budgets.map((b) => b.id),
            limitIds: cover.limits.map((l) => l.id),
            slot: Math.floor(now / 1000),
            tokens: sizing.tpmTokens,
            minMicros: money ? sizing.minMicros : 0,
            desiredMicros: money ? sizing.desiredMicros : 0,
            holdId: input.requestId,
            instanceId: this.instanceId,
            ttlMs: 0,
            apply: false,
          }),
        )
      )[0],
    );
    const budgets = (row.budgets ?? []).map((b) => ({
      id: b.id,
      availableMicros: b.limit - b.spent - b.reserved,
      fits: b.action === "ALERT_ONLY" || b.limit - b.spent - b.reserved >= sizing.minMicros,
    }));
    const limits = (row.limits ?? []).map((w) => {
      const r = retryAfter(w, sizing.tpmTokens, now);
      const ms = Math.max(r.rpmMs ?? 0, r.tpmMs ?? 0);
      return { id: w.id, fits: r.rpmMs === null && r.tpmMs === null, retryAfterMs: ms > 0 ? ms : null };
    });
    const code = !row.lim_ok ? ErrorCode.RATE_LIMITED : !row.would ? ErrorCode.BUDGET_EXCEEDED : null;
    return {
      admitted: row.would,
      code,
      retryAfterMs: code === ErrorCode.RATE_LIMITED ? Math.max(0, ...limits.map((l) => l.retryAfterMs ?? 0)) : null,
      holdMicros: money && row.would ? row.granted : money ? sizing.desiredMicros : 0,
      minimumHoldMicros: money ? sizing.minMicros : 0,
      promptTokens: sizing.promptTokens,
      outputTokensHeld: sizing.outputTokens,
      candidates: input.plan.candidates.map((c) => c.model.id),
      budgets,
      limits,
    };
  }

  // ---- administration ------------------------------------------------------------------------

  async setBudget(input: BudgetInput): Promise<BudgetView> {
    validateBudgetInput(input);
    const subject = await validateSubject(this.db, this.deps.catalogue, input.scope, input.subject);
    const tz = await validateTimeZone(this.db, input.timeZone ?? "UTC");
    const id = await upsertBudget(this.db, input, subject, tz);
    await this.changed();
    return (await readBudgets(this.db, { ids: [id] }))[0]!;
  }

  async deleteBudget(id: string): Promise<void> {
    const rows = await this.db.db.delete(budgetsTable).where(eq(budgetsTable.id, id)).returning({ id: budgetsTable.id });
    if (rows.length === 0) throw badInput(`unknown budget "${id}"`);
    await this.changed();
  }

  async setRateLimit(input: RateLimitInput): Promise<RateLimitView> {
    validateRateLimitInput(input);
    const subject = await validateSubject(this.db, this.deps.catalogue, input.scope, input.subject);
    const id = await upsertRateLimit(this.db, input, subject);
    await this.changed();
    return (await readRateLimits(this.db, this.clock(), { ids: [id] }))[0]!;
  }

  async deleteRateLimit(id: string): Promise<void> {
    const rows = await this.db.db.delete(rateLimitsTable).where(eq(rateLimitsTable.id, id)).returning({ id: rateLimitsTable.id });
    if (rows.length === 0) throw badInput(`unknown rate limit "${id}"`);
    await this.changed();
  }

  /** Budgets the principal may read: all for admins, those covering their own requests for members. */
  async listBudgets(p: Principal, where: { ids?: string[]; scope?: Scope; subject?: string } = {}): Promise<BudgetView[]> {
    const all = await readBudgets(this.db, where);
    if (p.role === "ADMIN") return all;
    const mine = await MemberScope.of(this.db, p);
    return all.filter((b) => mine.covers(b.scope, b.subject));
  }

  async listRateLimits(p: Principal, where: { ids?: string[] } = {}): Promise<RateLimitView[]> {
    const all = await readRateLimits(this.db, this.clock(), where);
    if (p.role === "ADMIN") return all;
    const mine = await MemberScope.of(this.db, p);
    return all.filter((l) => mine.covers(l.scope, l.subject));
  }

  /** Live alerts the principal may see; returns the unsubscribe function. */
  async subscribeAlerts(p: Principal, fn: (a: BudgetAlert) => void): Promise<() => void> {
    if (p.role === "ADMIN") return this.alerts.subscribe(fn);
    const mine = await MemberScope.of(this.db, p);
    return this.alerts.subscribe((a) => {
      if (!mine.covers(a.scope, a.subject)) return;
      // A shared budget's alert may name a teammate's (or anyone's) request: members see only their own budgets' request ids.
      fn(a.scope === "USER" || a.scope === "KEY" ? a : { ...a, requestId: null });
    });
  }

  private async changed(): Promise<void> {
    await this.index.reload();
    // Routing on this instance sees the change's limits at once (the index reload's refresh runs unawaited).
    await this.gauge.refresh().catch((err: Error) => this.log.warn({ err: err.message }, "budget state refresh failed"));
    await this.db.notify(CHANGE_CHANNEL, "changed").catch((err: Error) => this.log.warn({ err: err.message }, "policy change NOTIFY failed; other instances reload on their timer"));
  }
}

function rateLimitError(scope: string, subject: string, what: string, ms: number): GatewayError {
  const retryAfterMs = Math.max(1, Math.ceil(ms));
  return new GatewayError(ErrorCode.RATE_LIMITED, `rate limit of ${what} reached for ${scope}${subject ? ` "${subject}"` : ""}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
    retryable: true,
    retryAfterMs,
    details: { scope, subject: subject || null },
  });
}
