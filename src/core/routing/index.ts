import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import type { Principal } from "../auth/keys.js";
import type { Catalogue } from "../catalogue/index.js";
import { parseRequest, type Limits } from "../validate.js";
import { defaultBreaker, HealthBoard, type BreakerOptions, type HealthSnapshot } from "./health.js";
import { RuleRouter, type RouteExplanation, type RuleRouterOptions } from "./router.js";
import type { RoutingRule, RuleInput } from "./rules.js";
import { RuleStore } from "./store.js";

export type { RouteExplanation, CandidateNote } from "./router.js";
export type { RoutingRule, RuleInput, RouteStrategy, RuleCondition, RuleTarget } from "./rules.js";
export type { HealthSnapshot, CircuitState, BreakerOptions } from "./health.js";

export interface RoutingOptions extends RuleRouterOptions {
  /** How often rules are checked for changes made elsewhere (PGlite; Postgres every 10th time) and aliases re-read. */
  pollMs?: number;
  breaker?: Partial<BreakerOptions>;
}

/**
 * Routing as the rest of the app sees it: the Router the gateway calls, rule administration,
 * the explainRoute dry run and per-target health.
 */
export class Routing {
  readonly health: HealthBoard;
  readonly router: RuleRouter;
  private readonly store: RuleStore;

  constructor(
    db: Database,
    catalogue: Catalogue,
    log: Logger,
    private readonly limits: Limits,
    opts: RoutingOptions = {},
  ) {
    this.health = new HealthBoard({ ...defaultBreaker, ...opts.breaker });
    this.store = new RuleStore(db, catalogue, log, opts.pollMs ?? 1000);
    this.router = new RuleRouter(catalogue, () => this.store.current, this.health, opts);
  }

  start(): Promise<void> {
    return this.store.start();
  }

  stop(): Promise<void> {
    return this.store.stop();
  }

  rules(): RoutingRule[] {
    return this.store.list();
  }

  /** Creates or replaces a rule; throws BAD_USER_INPUT naming the problem. Every instance uses it within a second. */
  upsertRule(input: RuleInput): Promise<RoutingRule> {
    return this.store.upsert(input);
  }

  deleteRule(id: string): Promise<boolean> {
    return this.store.delete(id);
  }

  /** The dry run behind explainRoute: validates the request like a real one, calls no provider, changes no state. */
  explain(raw: unknown, principal: Principal): RouteExplanation {
    return this.router.explain(parseRequest(raw, this.limits), principal);
  }

  healthOf(modelId: string): HealthSnapshot {
    return this.health.snapshot(modelId);
  }

  /** Reload rules now (tests; admin tooling). */
  reload(): Promise<void> {
    return this.store.reload();
  }
}
