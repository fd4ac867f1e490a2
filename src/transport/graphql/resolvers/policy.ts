import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import type { BudgetAlert as AlertEvent, BudgetView, RateLimitView } from "../../../core/policy/index.js";
import { ErrorCode, GatewayError } from "../../../domain/errors.js";
import { microsToUsd } from "../../../domain/money.js";
import type { GqlContext } from "../context.js";
import { requireAdmin, requireSelfOrAdmin } from "../context.js";
import { toChatRequest } from "../mappers.js";
import { CompletionInput } from "../types/completion.js";
import { Team, User } from "../types/keys.js";
import {
  Admission,
  Budget,
  BudgetAction,
  BudgetAlert,
  BudgetAlertKind,
  BudgetInput,
  BudgetPeriod,
  BudgetScope,
  RateLimit,
  RateLimitInput,
} from "../types/policy.js";

function toGqlBudget(b: BudgetView, admin: boolean): Budget {
  return {
    id: b.id,
    scope: b.scope as BudgetScope,
    subject: b.subject === "" ? null : b.subject,
    period: b.period as BudgetPeriod,
    limitUsd: microsToUsd(b.limitMicros),
    spentUsd: microsToUsd(b.spentMicros),
    reservedUsd: microsToUsd(b.reservedMicros),
    remainingUsd: microsToUsd(b.remainingMicros),
    resetsAt: b.resetsAt,
    alertThresholds: b.thresholds,
    action: b.action as BudgetAction,
    timeZone: b.timeZone,
    webhookUrl: admin ? b.webhookUrl : null,
    spikeMultiplier: b.spikeMultiplier,
    spikeWindowMinutes: b.spikeWindowMinutes,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

function toGqlRateLimit(l: RateLimitView): RateLimit {
  return { ...l, scope: l.scope as BudgetScope, subject: l.subject === "" ? null : l.subject };
}

function toGqlAlert(a: AlertEvent): BudgetAlert {
  return {
    id: a.id,
    kind: a.kind as BudgetAlertKind,
    budgetId: a.budgetId,
    scope: a.scope as BudgetScope,
    subject: a.subject,
    period: a.period as BudgetPeriod,
    threshold: a.threshold,
    limitUsd: microsToUsd(a.limitMicros),
    spentUsd: microsToUsd(a.spentMicros),
    message: a.message,
    requestId: a.requestId,
    at: new Date(a.at),
  };
}

/**
 * Live alerts for one subscriber. Registration happens before the first next() resolves, and
 * return() (client completes or socket closes) unsubscribes at once. A subscriber that stops
 * reading loses the oldest alerts beyond a bounded backlog rather than growing memory.
 */
function alertStream(ctx: GqlContext): AsyncIterableIterator<AlertEvent> {
  const queue: AlertEvent[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const ready = ctx.services.policy.subscribeAlerts(ctx.principal, (a) => {
    if (queue.length >= 1_000) queue.shift();
    queue.push(a);
    wake?.();
  });
  const it: AsyncIterableIterator<AlertEvent> = {
    async next() {
      await ready;
      while (!closed && queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (closed) return { done: true, value: undefined };
      return { done: false, value: queue.shift()! };
    },
    async return() {
      closed = true;
      wake?.();
      await ready.then((unsubscribe) => unsubscribe()).catch(() => undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

@Resolver()
export class PolicyResolver {
  @Query(() => [Budget], { description: "Budgets: all for admins; for members, those covering their own requests." })
  async budgets(
    @Ctx() ctx: GqlContext,
    @Arg("scope", () => BudgetScope, { nullable: true }) scope?: BudgetScope | null,
    @Arg("subject", () => String, { nullable: true }) subject?: string | null,
  ): Promise<Budget[]> {
    const rows = await ctx.services.policy.listBudgets(ctx.principal, { ...(scope ? { scope } : {}), ...(subject != null ? { subject } : {}) });
    return rows.map((b) => toGqlBudget(b, ctx.principal.role === "ADMIN"));
  }

  @Mutation(() => Budget, { description: "Creates or replaces a budget (admins). Every instance applies it at once." })
  async setBudget(@Arg("input", () => BudgetInput) input: BudgetInput, @Ctx() ctx: GqlContext): Promise<Budget> {
    requireAdmin(ctx);
    return toGqlBudget(await ctx.services.policy.setBudget(input), true);
  }

  @Mutation(() => Boolean, { description: "Deletes a budget (admins); running requests settle without it." })
  async deleteBudget(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    requireAdmin(ctx);
    await ctx.services.policy.deleteBudget(id);
    return true;
  }

  @Query(() => [RateLimit], { description: "Rate limits: all for admins; for members, those covering their own requests." })
  async rateLimits(@Ctx() ctx: GqlContext): Promise<RateLimit[]> {
    return (await ctx.services.policy.listRateLimits(ctx.principal)).map(toGqlRateLimit);
  }

  @Mutation(() => RateLimit, { description: "Creates or replaces the rate limit of (scope, subject) (admins)." })
  async setRateLimit(@Arg("input", () => RateLimitInput) input: RateLimitInput, @Ctx() ctx: GqlContext): Promise<RateLimit> {
    requireAdmin(ctx);
    return toGqlRateLimit(await ctx.services.policy.setRateLimit(input));
  }

  @Mutation(() => Boolean)
  async deleteRateLimit(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    requireAdmin(ctx);
    await ctx.services.policy.deleteRateLimit(id);
    return true;
  }

  @Query(() => Admission, { description: "Would this request be admitted now, under which budgets and limits, with what hold? Nothing is held or sent." })
  async admission(
    @Arg("input", () => CompletionInput) input: CompletionInput,
    @Ctx() ctx: GqlContext,
    @Arg("stream", () => Boolean, { nullable: true, description: "Evaluate as a streamed request (smaller initial hold)." }) stream?: boolean | null,
  ): Promise<Admission> {
    const { services, principal } = ctx;
    const prepared = await services.gateway.prepare({ principal, transport: "graphql" }, toChatRequest(input));
    const report = await services.policy.evaluate({ requestId: randomUUID(), principal, ...prepared, stream: stream ?? false });
    const budgetIds = report.budgets.map((b) => b.id);
    const limitIds = report.limits.map((l) => l.id);
    const [budgets, limits] = await Promise.all([
      budgetIds.length ? services.policy.listBudgets(principal, { ids: budgetIds }) : [],
      limitIds.length ? services.policy.listRateLimits(principal, { ids: limitIds }) : [],
    ]);
    const admin = principal.role === "ADMIN";
    return {
      admitted: report.admitted,
      code: report.code,
      retryAfterMs: report.retryAfterMs,
      holdUsd: microsToUsd(report.holdMicros),
      minimumHoldUsd: microsToUsd(report.minimumHoldMicros),
      promptTokens: report.promptTokens,
      outputTokensHeld: report.outputTokensHeld,
      candidates: report.candidates,
      budgets: report.budgets.flatMap((r) => {
        const b = budgets.find((x) => x.id === r.id);
        return b ? [{ budget: toGqlBudget(b, admin), fits: r.fits, availableUsd: microsToUsd(r.availableMicros) }] : [];
      }),
      rateLimits: report.limits.flatMap((r) => {
        const l = limits.find((x) => x.id === r.id);
        return l ? [{ rateLimit: toGqlRateLimit(l), fits: r.fits, retryAfterMs: r.retryAfterMs }] : [];
      }),
    };
  }

  @Subscription(() => BudgetAlert, {
    description: "Threshold crossings, blocks and spikes as they happen on any instance: all for admins, members' own budgets for members.",
    subscribe: ({ context }) => alertStream(context as GqlContext),
  })
  budgetAlerts(@Root() alert: AlertEvent): BudgetAlert {
    return toGqlAlert(alert);
  }
}

/** `aiBudgets` on the company's User entity: the user's own USER budgets. */
@Resolver(() => User)
export class UserBudgetsResolver {
  @FieldResolver(() => [Budget])
  async aiBudgets(@Root() user: { id: string }, @Ctx() ctx: GqlContext): Promise<Budget[]> {
    requireSelfOrAdmin(ctx, user.id);
    const rows = await ctx.services.policy.listBudgets(ctx.principal, { scope: "USER", subject: user.id });
    return rows.map((b) => toGqlBudget(b, ctx.principal.role === "ADMIN"));
  }
}

/** `aiBudgets` on the company's Team entity: the team's TEAM budgets (members: their own team only). */
@Resolver(() => Team)
export class TeamBudgetsResolver {
  @FieldResolver(() => [Budget])
  async aiBudgets(@Root() team: { id: string }, @Ctx() ctx: GqlContext): Promise<Budget[]> {
    if (ctx.principal.role !== "ADMIN" && ctx.principal.teamId !== team.id) throw new GatewayError(ErrorCode.FORBIDDEN, "members may only see their own team's budgets");
    const rows = await ctx.services.policy.listBudgets(ctx.principal, { scope: "TEAM", subject: team.id });
    return rows.map((b) => toGqlBudget(b, ctx.principal.role === "ADMIN"));
  }
}
