import type { ChatRequest } from "../../domain/chat.js";
import { ErrorCode, GatewayError, isGatewayError } from "../../domain/errors.js";
import type { Principal } from "../auth/keys.js";
import type { Catalogue, CatalogueModel, Resolved } from "../catalogue/index.js";
import type { AttemptReport, RequestKind, RoutePlan, Router } from "../pipeline.js";
import { candidateProblem } from "../validate.js";
import { RequestFacts, type CompiledRule, type CompiledTarget, type RuleSet } from "./compiled.js";
import type { CircuitState, HealthBoard } from "./health.js";
import type { RouteStrategy, RoutingRule } from "./rules.js";

/** Router names may route to router names; deeper than this is refused (cycles are refused when rules are saved). */
const MAX_DEPTH = 4;
/** Output size LEAST_COST assumes when the request sets no maxTokens. */
export const ASSUMED_OUTPUT_TOKENS = 512;

export interface RuleRouterOptions {
  /** Source of randomness for WEIGHTED (tests pin it). */
  random?: () => number;
  /**
   * Extra reason to skip a target of a rule for this request (a budget that would refuse it on that
   * model is spent); null keeps it. Called on the request path: must be synchronous, with no I/O.
   * When every target is skipped this way they are all kept, so the request gets the policy's own
   * refusal (BUDGET_EXCEEDED) rather than NO_ROUTE.
   */
  exclude?: (model: CatalogueModel, request: { readonly req: ChatRequest; readonly principal: Principal; readonly promptTokens: number }) => string | null;
}

export interface CandidateNote {
  model: string;
  provider: string | null;
  kept: boolean;
  reason: string;
  circuit: CircuitState | null;
}

export interface RouteExplanation {
  requestKind: RequestKind;
  promptTokens: number;
  rule: RoutingRule | null;
  /** Every target considered, in the order they would be tried; skipped ones say why. */
  candidates: CandidateNote[];
  /** The error the request would get, when it would be refused. */
  error: GatewayError | null;
}

/** Targets collected for a plan: usable ones, unhealthy ones (tried only when nothing healthy is left), and excluded ones (kept only when all are). */
interface Picked {
  out: Resolved[];
  blocked: Resolved[];
  excluded: Resolved[];
}

/**
 * Rules first, then the requested model directly. Planning is synchronous and in memory: one pass
 * over the enabled rules in priority order, then the winner's targets ordered by its strategy and
 * filtered by capability and health. explain() runs the same code and keeps the reasons.
 */
export class RuleRouter implements Router {
  private readonly random: () => number;

  constructor(
    private readonly catalogue: Catalogue,
    private readonly rules: () => RuleSet,
    readonly health: HealthBoard,
    private readonly opts: RuleRouterOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  plan(req: ChatRequest, principal: Principal): RoutePlan {
    const f = new RequestFacts(req, principal, this.rules());
    const rule = f.match(req.model, null);
    if (rule === null) return lazyKind(null, [this.direct(f)], f);
    const p: Picked = { out: [], blocked: [], excluded: [] };
    this.collect(f, rule, [rule], p, null, "");
    const out = p.out;
    if (out.length === 0) {
      if (p.blocked.length > 0) out.push(this.soonest(p.blocked));
      else if (p.excluded.length > 0) out.push(...p.excluded);
      else throw this.explain(req, principal).error ?? new GatewayError(ErrorCode.NO_ROUTE, `rule "${rule.rule.name}" has no usable target`);
    }
    return lazyKind(rule.rule, out, f);
  }

  report(target: Resolved, outcome: AttemptReport): void {
    if (outcome.ok) this.health.success(target.model.id, outcome.ttftMs, outcome.latencyMs);
    else if (outcome.error) this.health.failure(target.model.id, outcome.error);
  }

  /** The dry run: same decision as plan(), with reasons, and no health state taken (no trial slot claimed). */
  explain(req: ChatRequest, principal: Principal): RouteExplanation {
    const f = new RequestFacts(req, principal, this.rules());
    const rule = f.match(req.model, null);
    const notes: CandidateNote[] = [];
    const base = { requestKind: f.kind, promptTokens: f.promptTokens, rule: rule?.rule ?? null, candidates: notes };
    if (rule === null) {
      try {
        const r = this.direct(f);
        notes.push(this.note(r, true, "no rule matched: the requested model is served directly"));
        return { ...base, error: null };
      } catch (e) {
        const err = isGatewayError(e) ? e : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "internal error");
        notes.push({ model: req.model, provider: null, kept: false, reason: err.message, circuit: null });
        return { ...base, error: err };
      }
    }
    const p: Picked = { out: [], blocked: [], excluded: [] };
    this.collect(f, rule, [rule], p, notes, "");
    const out = p.out;
    const keep = (r: Resolved, why: string) => {
      const note = notes.find((n) => n.model === r.model.id && !n.kept);
      if (note) {
        note.kept = true;
        note.reason = `${note.reason}; ${why}`;
      }
      out.push(r);
    };
    let error: GatewayError | null = null;
    if (out.length === 0 && p.blocked.length > 0) keep(this.soonest(p.blocked), "every target is unhealthy, so this one (available soonest) is tried anyway");
    else if (out.length === 0 && p.excluded.length > 0) {
      for (const r of p.excluded) keep(r, "every target is excluded, so admission decides");
      error = new GatewayError(ErrorCode.BUDGET_EXCEEDED, `every target of rule "${rule.rule.name}" is over budget: ${notes.map((n) => `${n.model}: ${n.reason}`).join("; ")}`);
    }
    if (out.length === 0) error = new GatewayError(ErrorCode.NO_ROUTE, `no target of rule "${rule.rule.name}" can serve this request: ${notes.map((n) => `${n.model}: ${n.reason}`).join("; ")}`);
    return { ...base, error };
  }

  /** No rule matched: the requested model or alias itself, or a refusal saying why not. */
  private direct(f: RequestFacts): Resolved {
    const name = f.req.model;
    if (f.set.routerNames.has(name) && this.catalogue.get(f.idOf(name)) === undefined) {
      throw new GatewayError(ErrorCode.NO_ROUTE, `no routing rule for "${name}" matches this request`);
    }
    const resolved = this.catalogue.resolve(name);
    const problem = candidateProblem(f.req, resolved, f.principal);
    if (problem) throw problem;
    return resolved;
  }

  private collect(f: RequestFacts, c: CompiledRule, path: CompiledRule[], p: Picked, notes: CandidateNote[] | null, via: string): void {
    const order = this.order(f, c);
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      if (t.kind === "router") {
        const sub = path.length <= MAX_DEPTH ? f.match(t.name, path) : null;
        if (sub === null) {
          notes?.push({ model: t.name, provider: null, kept: false, reason: `${via}no rule routes "${t.name}" for this request`, circuit: null });
          continue;
        }
        this.collect(f, sub, [...path, sub], p, notes, notes ? `${via}via "${t.name}" (rule "${sub.rule.name}"): ` : "");
        continue;
      }
      const id = t.kind === "alias" ? f.idOf(t.name) : t.name;
      this.consider(f, id, p, notes, notes ? via + this.why(f, c, t, i) : "");
    }
  }

  private consider(f: RequestFacts, id: string, p: Picked, notes: CandidateNote[] | null, why: string): void {
    const { out, blocked } = p;
    const skip = (reason: string, provider: string | null = null): void => void notes?.push({ model: id, provider, kept: false, reason, circuit: null });
    for (const r of out) if (r.model.id === id) return skip("already a candidate", r.target.provider);
    for (const r of blocked) if (r.model.id === id) return skip("already considered", r.target.provider);
    for (const r of p.excluded) if (r.model.id === id) return skip("already considered", r.target.provider);
    const model = this.catalogue.get(id);
    if (model === undefined) return skip("unknown model: not in the catalogue");
    if (!model.enabled) return skip("disabled", model.provider);
    const unavailable = this.catalogue.unavailableReason(id);
    if (unavailable !== null) return skip(`unavailable: ${unavailable}`, model.provider);
    const r = this.catalogue.resolve(id);
    const problem = candidateProblem(f.req, r, f.principal);
    if (problem !== null) return skip(problem.message, model.provider);
    const excluded = this.opts.exclude?.(model, f) ?? null;
    if (excluded !== null) {
      p.excluded.push(r);
      return skip(excluded, model.provider);
    }
    // Only the first choice claims a half-open target's trial slot: a later one is tried only if the first fails.
    const gate = this.health.gate(id, notes === null && out.length === 0);
    if (gate === "OK" || gate === "TRIAL") {
      out.push(r);
      notes?.push(this.note(r, true, gate === "TRIAL" ? `${why}; circuit half-open: this request is the trial` : why));
      return;
    }
    blocked.push(r);
    if (notes) {
      const s = this.health.snapshot(id);
      const reason =
        gate === "COOLING"
          ? `cooling down after a 429 until ${s.cooldownUntil?.toISOString() ?? "now"}`
          : gate === "PROBING"
            ? "circuit half-open: a trial request is already running"
            : `circuit open until ${s.openUntil?.toISOString() ?? "now"} after ${s.consecutiveFailures} failures (last: ${s.lastError ?? "?"})`;
      notes.push(this.note(r, false, reason));
    }
  }

  private note(r: Resolved, kept: boolean, reason: string): CandidateNote {
    return { model: r.model.id, provider: r.target.provider, kept, reason, circuit: this.health.snapshot(r.model.id).circuit };
  }

  /** Targets in the order the strategy tries them. FALLBACK allocates nothing. */
  private order(f: RequestFacts, c: CompiledRule): readonly CompiledTarget[] {
    const targets = c.targets;
    if (targets.length < 2) return targets;
    switch (c.rule.strategy) {
      case "FALLBACK":
        return targets;
      case "WEIGHTED": {
        // Weighted shuffle without replacement (Efraimidis–Spirakis): key = u^(1/w), highest first; weight 0 goes last.
        const keyed = targets.map((t, i) => ({ t, i, k: t.weight > 0 ? this.random() ** (1 / t.weight) : -1 }));
        keyed.sort((a, b) => b.k - a.k || a.i - b.i);
        return keyed.map((x) => x.t);
      }
      case "LEAST_LATENCY":
        return sortBy(targets, (t) => {
          if (t.kind === "router") return Number.POSITIVE_INFINITY;
          // Never measured sorts first, so a new target gets measured.
          return this.health.latencyRank(f.idOf(t.name));
        });
      case "LEAST_COST":
        return sortBy(targets, (t) => this.cost(f, t));
    }
  }

  /** Estimated micro-dollars × 10^6 for this request on a target (Infinity when unknown). */
  private cost(f: RequestFacts, t: CompiledTarget): number {
    if (t.kind === "router") return Number.POSITIVE_INFINITY;
    const m = this.catalogue.get(f.idOf(t.name));
    if (!m) return Number.POSITIVE_INFINITY;
    return f.promptTokens * m.prices.inputMicrosPerMTok + (f.req.maxTokens ?? ASSUMED_OUTPUT_TOKENS) * m.prices.outputMicrosPerMTok;
  }

  private why(f: RequestFacts, c: CompiledRule, t: CompiledTarget, i: number): string {
    const s: RouteStrategy = c.rule.strategy;
    switch (s) {
      case "FALLBACK":
        return `${s} #${i + 1} of ${c.targets.length}`;
      case "WEIGHTED":
        return `${s}: weight ${t.weight} of ${c.totalWeight} (drawn #${i + 1})`;
      case "LEAST_LATENCY": {
        const id = f.idOf(t.name);
        const ms = this.health.ttft(id);
        if (ms >= 0) return `${s}: recent TTFT ${ms.toFixed(1)} ms`;
        const whole = this.health.latency(id);
        return whole < 0
          ? `${s}: no TTFT measured yet, so it is tried early`
          : `${s}: no TTFT measured yet; recent non-streamed latency ${whole.toFixed(1)} ms (an upper bound of its TTFT)`;
      }
      case "LEAST_COST": {
        const usd = this.cost(f, t) / 1e12;
        return `${s}: ≈ $${usd.toFixed(6)} for ${f.promptTokens} prompt + ${f.req.maxTokens ?? ASSUMED_OUTPUT_TOKENS} output tokens`;
      }
    }
  }

  /** Among unhealthy targets, the one that becomes available first: a request is never refused on health alone. */
  private soonest(blocked: readonly Resolved[]): Resolved {
    let best = blocked[0]!;
    let at = this.health.availableAt(best.model.id);
    for (let i = 1; i < blocked.length; i++) {
      const r = blocked[i]!;
      const a = this.health.availableAt(r.model.id);
      if (a < at) {
        best = r;
        at = a;
      }
    }
    return best;
  }
}

/** The request is classified only if a rule asked, or when someone reads the kind (most plans never do). */
function lazyKind(rule: RoutingRule | null, candidates: Resolved[], f: RequestFacts): RoutePlan {
  return {
    rule,
    candidates,
    get requestKind(): RequestKind {
      return f.kind;
    },
  };
}

function sortBy<T>(items: readonly T[], key: (t: T) => number): T[] {
  const keyed = items.map((t, i) => ({ t, i, k: key(t) }));
  keyed.sort((a, b) => a.k - b.k || a.i - b.i);
  return keyed.map((x) => x.t);
}
