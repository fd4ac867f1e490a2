import { messageText, type ChatRequest } from "../../domain/chat.js";
import type { Principal } from "../auth/keys.js";
import type { RequestKind } from "../pipeline.js";
import { hasImages } from "../validate.js";
import { classifyRequest } from "./classify.js";
import { isRouterName, type NameSpace, type RoutingRule } from "./rules.js";

export interface CompiledTarget {
  /** As written in the rule. */
  readonly name: string;
  readonly weight: number;
  /** How the name resolves: a catalogue id, an alias (looked up per request), or a router name (routed by rules again). */
  readonly kind: "model" | "alias" | "router";
}

/** A rule turned into set lookups; null fields match anything. */
export interface CompiledRule {
  readonly rule: RoutingRule;
  readonly models: ReadonlySet<string> | null;
  readonly kind: RequestKind | null;
  readonly tagsAny: ReadonlySet<string> | null;
  readonly users: ReadonlySet<string> | null;
  readonly teams: ReadonlySet<string> | null;
  readonly keys: ReadonlySet<string> | null;
  readonly minTokens: number;
  readonly maxTokens: number;
  readonly hasTools: boolean | null;
  readonly hasImages: boolean | null;
  readonly targets: readonly CompiledTarget[];
  readonly totalWeight: number;
}

/**
 * An immutable snapshot of every rule. A reload builds a new one and swaps the reference, so a
 * request evaluates against one consistent set and a plan, once made, never changes under it.
 */
export interface RuleSet {
  /** Every rule (enabled or not) in evaluation order. */
  readonly all: readonly RoutingRule[];
  /** Enabled rules in evaluation order. */
  readonly active: readonly CompiledRule[];
  /** Names in when.models that no model or alias has ("auto"): requests for them need a rule. */
  readonly routerNames: ReadonlySet<string>;
  /** The catalogue's aliases when the set was compiled (refreshed within a second of a change). */
  readonly aliases: ReadonlyMap<string, string>;
}

export const emptyRuleSet: RuleSet = { all: [], active: [], routerNames: new Set(), aliases: new Map() };

export function byEvaluationOrder(a: RoutingRule, b: RoutingRule): number {
  return a.priority - b.priority || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const setOf = (v: readonly string[] | undefined): ReadonlySet<string> | null => (v?.length ? new Set(v) : null);

export function compileRules(rules: readonly RoutingRule[], names: Pick<NameSpace, "isModel" | "aliases">): RuleSet {
  const all = [...rules].sort(byEvaluationOrder);
  const routerNames = new Set<string>();
  for (const r of all) for (const m of r.when.models ?? []) if (isRouterName(m, names)) routerNames.add(m);
  const active: CompiledRule[] = [];
  for (const rule of all) {
    if (!rule.enabled) continue;
    const w = rule.when;
    let models: Set<string> | null = null;
    if (w.models?.length) {
      models = new Set(w.models);
      // An alias in the condition also matches requests that name its model (or another alias of it).
      for (const m of w.models) {
        const target = names.aliases.get(m);
        if (target) models.add(target);
      }
    }
    const kinds = w.kinds ?? [];
    active.push({
      rule,
      models,
      kind: kinds.length === 1 ? kinds[0]! : null,
      tagsAny: setOf(w.tagsAny),
      users: setOf(w.users),
      teams: setOf(w.teams),
      keys: setOf(w.keys),
      minTokens: w.minPromptTokens ?? 0,
      maxTokens: w.maxPromptTokens ?? Number.POSITIVE_INFINITY,
      hasTools: w.hasTools ?? null,
      hasImages: w.hasImages ?? null,
      targets: rule.targets.map((t) => ({
        name: t.model,
        weight: t.weight,
        kind: names.isModel(t.model) || t.model.includes("/") ? "model" : names.aliases.has(t.model) ? "alias" : "router",
      })),
      totalWeight: rule.targets.reduce((s, t) => s + t.weight, 0),
    });
  }
  return { all, active, routerNames, aliases: names.aliases };
}

/**
 * What the rules may ask about one request, each computed at most once and only when a rule asks
 * (classification and the token estimate are the only costs above a few nanoseconds).
 */
export class RequestFacts {
  private kindMemo: RequestKind | undefined;
  private tokensMemo = -1;
  private imagesMemo: boolean | undefined;

  constructor(
    readonly req: ChatRequest,
    readonly principal: Principal,
    readonly set: RuleSet,
  ) {}

  get kind(): RequestKind {
    return (this.kindMemo ??= classifyRequest(this.req));
  }

  get promptTokens(): number {
    if (this.tokensMemo < 0) this.tokensMemo = estimatePromptTokens(this.req);
    return this.tokensMemo;
  }

  get hasImages(): boolean {
    return (this.imagesMemo ??= hasImages(this.req));
  }

  /** The catalogue id a requested name or alias stands for (a router name stands for itself). */
  idOf(name: string): string {
    return this.set.aliases.get(name) ?? name;
  }

  /** The first enabled rule, in priority order, whose condition holds for a request of `name`; rules on `path` are skipped. */
  match(name: string, path: readonly CompiledRule[] | null): CompiledRule | null {
    const id = this.idOf(name);
    const p = this.principal;
    for (const c of this.set.active) {
      // Set lookups first; classification and the size estimate only for rules still in the running.
      if (c.models !== null && !c.models.has(name) && !c.models.has(id)) continue;
      if (c.users !== null && !c.users.has(p.userId)) continue;
      if (c.teams !== null && (p.teamId === null || !c.teams.has(p.teamId))) continue;
      if (c.keys !== null && !c.keys.has(p.keyId)) continue;
      if (c.tagsAny !== null && !anyOf(c.tagsAny, this.req.tags)) continue;
      if (c.hasTools !== null && c.hasTools !== (this.req.tools !== undefined && this.req.tools.length > 0)) continue;
      if (c.hasImages !== null && c.hasImages !== this.hasImages) continue;
      if (c.kind !== null && c.kind !== this.kind) continue;
      if (c.minTokens > 0 || c.maxTokens !== Number.POSITIVE_INFINITY) {
        const t = this.promptTokens;
        if (t < c.minTokens || t > c.maxTokens) continue;
      }
      if (path !== null && path.includes(c)) continue;
      return c;
    }
    return null;
  }
}

function anyOf(set: ReadonlySet<string>, tags: readonly string[] | undefined): boolean {
  if (!tags) return false;
  for (const t of tags) if (set.has(t)) return true;
  return false;
}

/** Per image, as the tokenizer path charges it. */
const IMAGE_TOKENS = 85;

/**
 * Prompt size for conditions and LEAST_COST: characters / 4 plus a fixed charge per message and image.
 * The tokenizer costs ~0.2 µs a token, too much for the routing path; this is within ~20 % for English text.
 */
export function estimatePromptTokens(req: ChatRequest): number {
  let chars = 0;
  let extra = 3;
  for (const m of req.messages) {
    extra += 3;
    if (typeof m.content === "string") chars += m.content.length;
    else {
      chars += messageText(m).length;
      for (const part of m.content) if (part.type === "image") extra += IMAGE_TOKENS;
    }
  }
  if (req.tools) for (const t of req.tools) chars += t.name.length + (t.description?.length ?? 0) + 64;
  return Math.ceil(chars / 4) + extra;
}
