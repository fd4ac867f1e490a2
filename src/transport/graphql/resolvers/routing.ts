import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RoutingRule as CoreRule } from "../../../core/routing/index.js";
import type { GqlContext } from "../context.js";
import { requireAdmin } from "../context.js";
import { toChatRequest } from "../mappers.js";
import { CircuitState, Model, ModelHealth } from "../types/catalogue.js";
import { CompletionInput } from "../types/completion.js";
import { RequestKind, RouteExplanation, RouteStrategy, RoutingRule, RoutingRuleInput } from "../types/routing.js";

function toGqlRule(r: CoreRule): RoutingRule {
  const w = r.when;
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    enabled: r.enabled,
    when: {
      models: w.models ?? null,
      kinds: (w.kinds as RequestKind[] | undefined) ?? null,
      tagsAny: w.tagsAny ?? null,
      users: w.users ?? null,
      teams: w.teams ?? null,
      keys: w.keys ?? null,
      minPromptTokens: w.minPromptTokens ?? null,
      maxPromptTokens: w.maxPromptTokens ?? null,
      hasTools: w.hasTools ?? null,
      hasImages: w.hasImages ?? null,
    },
    targets: r.targets.map((t) => ({ model: t.model, weight: t.weight })),
    strategy: r.strategy as RouteStrategy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

@Resolver()
export class RoutingResolver {
  @Query(() => [RoutingRule], { description: "Routing rules in evaluation order (priority, then creation). ADMIN." })
  routingRules(@Ctx() ctx: GqlContext): RoutingRule[] {
    requireAdmin(ctx);
    return ctx.services.routing.rules().map(toGqlRule);
  }

  @Mutation(() => RoutingRule, { description: "Creates a rule, or replaces the one with this id. Every instance uses it within a second. ADMIN." })
  async upsertRoutingRule(@Arg("input", () => RoutingRuleInput) input: RoutingRuleInput, @Ctx() ctx: GqlContext): Promise<RoutingRule> {
    requireAdmin(ctx);
    return toGqlRule(await ctx.services.routing.upsertRule(input));
  }

  @Mutation(() => Boolean, { description: "Deletes a rule; false when there was none with this id. ADMIN." })
  async deleteRoutingRule(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    requireAdmin(ctx);
    return ctx.services.routing.deleteRule(id);
  }

  @Query(() => RouteExplanation, {
    description: "Dry run for the calling key: which rule decides and which targets would be tried in which order, and why others are skipped. Calls no provider. A member sees the rule's users, teams and keys only as far as they are the member's own.",
  })
  explainRoute(@Arg("input", () => CompletionInput) input: CompletionInput, @Ctx() ctx: GqlContext): RouteExplanation {
    const x = ctx.services.routing.explain(toChatRequest(input), ctx.principal);
    return {
      requestKind: x.requestKind as RequestKind,
      promptTokens: x.promptTokens,
      rule: x.rule ? ownView(toGqlRule(x.rule), ctx) : null,
      candidates: x.candidates.map((c) => ({ ...c, circuit: c.circuit as CircuitState | null })),
      errorCode: x.error?.code ?? null,
      error: x.error?.message ?? null,
    };
  }
}

/**
 * A member sees a rule's principal conditions only as far as they name the member's own user, team and
 * key (the part that matched): the rest lists other people's ids, which `routingRules` keeps to admins.
 */
function ownView(rule: RoutingRule, ctx: GqlContext): RoutingRule {
  if (ctx.principal.role === "ADMIN") return rule;
  const p = ctx.principal;
  const w = rule.when;
  return { ...rule, when: { ...w, users: w.users && w.users.filter((u) => u === p.userId), teams: w.teams && w.teams.filter((t) => t === p.teamId), keys: w.keys && w.keys.filter((k) => k === p.keyId) } };
}

/** Model.health with this instance's circuit breaker for the model. */
@Resolver(() => Model)
export class ModelHealthResolver {
  @FieldResolver(() => ModelHealth)
  health(@Root() model: Model, @Ctx() ctx: GqlContext): ModelHealth {
    const h = ctx.services.routing.healthOf(model.id);
    return { ...model.health, ...h, circuit: h.circuit as CircuitState };
  }
}
