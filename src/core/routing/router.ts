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
   * Extra reason to skip a target for this caller (e.g. a budget on that model is spent); null keeps it.
   * Called on the request path: must be synchronous and cheap.
   */
  exclude?: (model: CatalogueModel, principal: Principal) => string | null;
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

/** Targets that could serve but are unhealthy: tried only when nothing healthy is left. */
type Blocked = Resolved[];

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
    const out: Resolved[] = [];
    const blocked: Blocked = [];
    this.collect(f, rule, [rule], out, blocked, null, "");
    if (out.length === 0) {
      if (blocked.length === 0) throw this.explain(req, principal).error ?? new GatewayError(ErrorCode.NO_ROUTE, `rule "${rule.rule.name}" has no usable target`);
      out.push(this.soonest(blocked));
    }
    return lazyKind(rule.rule, out, f);
  }

  report(target: Resolved, outcome: AttemptReport): void {
    if (outcome.ok) this.health.success(target.model.id, outcome.ttftMs);
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
    const out: Resolved[] = [];
    const blocked: Blocked = [];
    this.collect(f, rule, [rule], out, blocked, notes, "");
    if (out.length === 0 && blocked.length > 0) {
      const pick = this.soonest(blocked);
      const note = notes.find((n) => n.model === pick.model.id && !n.kept);
      if (note) {
        note.kept = true;
        note.reason = `${note.reason}; every target is unhealthy, so this one (available soonest) is tried anyway`;
      }
      out.push(pick);
    }
    const error =
      out.length === 0
        ? new GatewayError(ErrorCode.NO_ROUTE, `no target of rule "${rule.rule.name}" can serve this request: ${notes.map((n) => `${n.model}: ${n.reason}`).join("; ")}`)
        : null;
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

  private collect(f: RequestFacts, c: CompiledRule, path: CompiledRule[], out: Resolved[], blocked: Blocked, notes: CandidateNote[] | null, via: string): void {
    const order = this.order(f, c);
    for (let i = 0; i < order.length; i++) {
      const t = order[i]!;
      if (t.kind === "router") {
        const sub = path.length <= MAX_DEPTH ? f.match(t.name, path) : null;
        if (sub === null) {
          notes?.push({ model: t.name, provider: null, kept: false, reason: `${via}no rule routes "${t.name}" for this request`, circuit: null });
          continue;
        }
        this.collect(f, sub, [...path, sub], out, blocked, notes, notes ? `${via}via "${t.name}" (rule "${sub.rule.name}"): ` : "");
        continue;
      }
      const id = t.kind === "alias" ? f.idOf(t.name) : t.name;
      this.consider(f, id, out, blocked, notes, notes ? via + this.why(f, c, t, i) : "");
    }
  }

  private consider(f: RequestFacts, id: string, out: Resolved[], blocked: Blocked, notes: CandidateNote[] | null, why: string): void {
    const skip = (reason: string, provider: string | null = null): void => void notes?.push({ model: id, provider, kept: false, reason, circuit: null });
    for (const r of out) if (r.model.id === id) return skip("already a candidate", r.target.provider);
    for (const r of blocked) if (r.model.id === id) return skip("already considered", r.target.provider);
    const model = this.catalogue.get(id);
    if (model === undefined) return skip("unknown model: not in the catalogue");
    if (!model.enabled) return skip("disabled", model.provider);
    const unavailable = this.catalogue.unavailableReason(id);
    if (unavailable !== null) return skip(`unavailable: ${unavailable}`, model.provider);
    const r = this.catalogue.resolve(id);
    const problem = candidateProblem(f.req, r, f.principal);
    if (problem !== null) return skip(problem.message, model.provider);
    const excluded = this.opts.exclude?.(model, f.principal) ?? null;
    if (excluded !== null) return skip(excluded, model.provider);
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
          // Never measured sorts first, so a new target gets its TTFT measured.
          return this.health.ttft(f.idOf(t.name));
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
        const ms = this.health.ttft(f.idOf(t.name));
        return ms < 0 ? `${s}: no TTFT measured yet, so it is tried early` : `${s}: recent TTFT ${ms.toFixed(1)} ms`;
      }
      case "LEAST_COST": {
        const usd = this.cost(f, t) / 1e12;
        return `${s}: ≈ $${usd.toFixed(6)} for ${f.promptTokens} prompt + ${f.req.maxTokens ?? ASSUMED_OUTPUT_TOKENS} output tokens`;
      }
    }
  }

  /** Among unhealthy targets, the one that becomes available first: a request is never refused on health alone. */
  private soonest(blocked: Blocked): Resolved {
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
