import { z } from "zod";
import { badInput } from "../../domain/errors.js";
import type { RequestKind } from "../pipeline.js";

export const ROUTE_STRATEGIES = ["FALLBACK", "WEIGHTED", "LEAST_LATENCY", "LEAST_COST"] as const;
export type RouteStrategy = (typeof ROUTE_STRATEGIES)[number];
export const REQUEST_KINDS = ["CODE", "TEXT"] as const;

/** DESIGN.md's RuleConditionInput, normalised: absent and empty both mean "any". */
export const RuleCondition = z
  .object({
    models: z.array(z.string()).optional(),
    kinds: z.array(z.enum(REQUEST_KINDS)).optional(),
    tagsAny: z.array(z.string()).optional(),
    users: z.array(z.string()).optional(),
    teams: z.array(z.string()).optional(),
    keys: z.array(z.string()).optional(),
    minPromptTokens: z.number().int().nonnegative().optional(),
    maxPromptTokens: z.number().int().nonnegative().optional(),
    hasTools: z.boolean().optional(),
    hasImages: z.boolean().optional(),
  })
  .strip();
export type RuleCondition = z.infer<typeof RuleCondition>;

export const RuleTargets = z.array(z.object({ model: z.string(), weight: z.number() }).strip());
export type RuleTarget = z.infer<typeof RuleTargets>[number];

export interface RoutingRule {
  id: string;
  name: string;
  /** Ascending: 1 is tried before 10; ties by creation time. */
  priority: number;
  enabled: boolean;
  when: RuleCondition;
  targets: RuleTarget[];
  strategy: RouteStrategy;
  createdAt: Date;
  updatedAt: Date;
}

type Nullable<T> = { [K in keyof T]?: T[K] | null | undefined };

/** What upsertRoutingRule receives (GraphQL nulls allowed). */
export interface RuleInput {
  id?: string | null | undefined;
  name: string;
  priority: number;
  enabled?: boolean | null | undefined;
  when: Nullable<RuleCondition>;
  targets: { model: string; weight?: number | null | undefined }[];
  strategy: string;
}

/** What validation needs to know about the catalogue. */
export interface NameSpace {
  isModel(id: string): boolean;
  aliases: ReadonlyMap<string, string>;
  suggest(name: string): string[];
}

export const MAX_TARGETS = 32;
const MAX_LIST = 1000;
const ROUTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,63}$/;

/**
 * Checks an admin's rule against the catalogue and the other rules; throws BAD_USER_INPUT naming
 * the first problem. `others` are the existing rules other than this one.
 */
export function validateRule(input: RuleInput, others: readonly RoutingRule[], names: NameSpace): Omit<RoutingRule, "id" | "createdAt" | "updatedAt"> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw badInput("rule name must be 1-100 characters");
  if (!Number.isInteger(input.priority) || Math.abs(input.priority) > 1_000_000_000) throw badInput("priority must be an integer between -1e9 and 1e9");
  if (!(ROUTE_STRATEGIES as readonly string[]).includes(input.strategy)) throw badInput(`unknown strategy "${input.strategy}"; one of ${ROUTE_STRATEGIES.join(", ")}`);
  const when = normaliseCondition(input.when, names);

  if (input.targets.length === 0) throw badInput(`rule "${name}" has no targets: give at least one model`);
  if (input.targets.length > MAX_TARGETS) throw badInput(`a rule has at most ${MAX_TARGETS} targets`);
  const routerNames = new Set<string>();
  for (const r of others) for (const m of r.when.models ?? []) if (isRouterName(m, names)) routerNames.add(m);
  for (const m of when.models ?? []) if (isRouterName(m, names)) routerNames.add(m);

  const seen = new Set<string>();
  const targets: RuleTarget[] = [];
  let total = 0;
  for (const t of input.targets) {
    const model = t.model.trim();
    if (seen.has(model)) throw badInput(`target "${model}" is listed twice`);
    seen.add(model);
    if (!names.isModel(model) && !names.aliases.has(model) && !routerNames.has(model)) throw unknownModel(model, names, "target");
    const weight = t.weight ?? 1;
    if (!Number.isFinite(weight) || weight < 0 || weight > 1_000_000) throw badInput(`weight of "${model}" must be between 0 and 1000000`);
    total += weight;
    targets.push({ model, weight });
  }
  if (total <= 0) throw badInput(`the weights of rule "${name}" sum to 0: at least one target needs a positive weight`);

  const rule = { name, priority: input.priority, enabled: input.enabled ?? true, when, targets, strategy: input.strategy as RouteStrategy };
  const cycle = findCycle([...others, rule], names);
  if (cycle) throw badInput(`rule "${name}" would make a routing cycle: ${cycle.join(" → ")}`, { cycle });
  return rule;
}

function normaliseCondition(w: Nullable<RuleCondition>, names: NameSpace): RuleCondition {
  const out: RuleCondition = {};
  const list = (field: "models" | "tagsAny" | "users" | "teams" | "keys"): void => {
    const v = w[field];
    if (!v?.length) return;
    if (v.length > MAX_LIST) throw badInput(`when.${field} has more than ${MAX_LIST} entries`);
    const items = [...new Set(v.map((s) => s.trim()))];
    if (items.some((s) => !s)) throw badInput(`when.${field} contains an empty string`);
    out[field] = items;
  };
  list("models");
  list("tagsAny");
  list("users");
  list("teams");
  list("keys");
  for (const m of out.models ?? []) {
    // A name with a slash is a catalogue id; without one it is an alias or a router name ("auto") that only rules know.
    if (names.isModel(m) || names.aliases.has(m)) continue;
    if (m.includes("/") || !ROUTER_NAME.test(m)) throw unknownModel(m, names, "when.models");
  }
  if (w.kinds?.length) {
    for (const k of w.kinds) if (!(REQUEST_KINDS as readonly string[]).includes(k)) throw badInput(`unknown request kind "${String(k)}"`);
    out.kinds = [...new Set(w.kinds)];
  }
  for (const f of ["minPromptTokens", "maxPromptTokens"] as const) {
    const v = w[f];
    if (v == null) continue;
    if (!Number.isInteger(v) || v < 0) throw badInput(`when.${f} must be a non-negative integer`);
    out[f] = v;
  }
  if (out.minPromptTokens !== undefined && out.maxPromptTokens !== undefined && out.minPromptTokens > out.maxPromptTokens) {
    throw badInput("when.minPromptTokens is greater than when.maxPromptTokens: the rule could never match");
  }
  if (w.hasTools != null) out.hasTools = w.hasTools;
  if (w.hasImages != null) out.hasImages = w.hasImages;
  return out;
}

function unknownModel(name: string, names: NameSpace, where: string) {
  const suggestions = names.suggest(name);
  const hint = suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : "";
  const what = where === "target" ? "a model, an alias or a router name that a rule's when.models defines" : "a model, an alias or a router name (no slash)";
  return badInput(`${where}: unknown model "${name}" (expected ${what})${hint}`, { suggestions });
}

/** A router name: a requested name that no catalogue model or alias has, so only rules can serve it. */
export function isRouterName(name: string, names: Pick<NameSpace, "isModel" | "aliases">): boolean {
  return !name.includes("/") && !names.isModel(name) && !names.aliases.has(name);
}

/**
 * A router name whose rules target, directly or through other router names, itself ("auto" →
 * "smart" → "auto"). Edges come from rules that name the router in when.models; rules without a
 * models condition cannot loop at run time because evaluation never re-enters a rule on its path.
 */
export function findCycle(rules: readonly Pick<RoutingRule, "when" | "targets">[], names: Pick<NameSpace, "isModel" | "aliases">): string[] | null {
  const edges = new Map<string, Set<string>>();
  for (const r of rules) {
    const from = (r.when.models ?? []).filter((m) => isRouterName(m, names));
    const to = r.targets.map((t) => t.model).filter((m) => isRouterName(m, names));
    for (const f of from) {
      let set = edges.get(f);
      if (!set) edges.set(f, (set = new Set()));
      for (const t of to) set.add(t);
    }
  }
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    const s = state.get(n);
    if (s === 2) return null;
    if (s === 1) return [...path.slice(path.indexOf(n)), n];
    state.set(n, 1);
    path.push(n);
    for (const next of edges.get(n) ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    path.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}
