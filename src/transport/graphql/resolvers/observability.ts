import type { GraphQLResolveInfo, SelectionSetNode } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import type { RequestRow, StoredBody } from "../../../core/observability/request-log.js";
import type { UsageBucketResult, UsageQueryInput } from "../../../core/observability/usage-query.js";
import { microsToUsd } from "../../../domain/money.js";
import type { GqlContext } from "../context.js";
import { requireSelfOrAdmin } from "../context.js";
import type { Attempt, AttemptOutcome } from "../types/completion.js";
import { Team, User } from "../types/keys.js";
import {
  RequestBody,
  RequestConnection,
  RequestFilter,
  RequestLogEntry,
  type RequestStatus,
  UsageBucket,
  UsageDimension,
  UsageFilter,
} from "../types/observability.js";
import { DateTimeScalar } from "../types/scalars.js";

/** Names of the fields selected under this resolver's field (fragments included). */
function selected(info: GraphQLResolveInfo): Set<string> {
  const out = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === "Field") out.add(s.name.value);
      else if (s.kind === "InlineFragment") walk(s.selectionSet);
      else walk(info.fragments[s.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  return out;
}

async function usageBuckets(
  ctx: GqlContext,
  info: GraphQLResolveInfo,
  from: Date,
  to: Date,
  groupBy: UsageDimension[] | null | undefined,
  filter: UsageFilter | null | undefined,
): Promise<UsageBucket[]> {
  const fields = selected(info);
  const input: UsageQueryInput = {
    from,
    to,
    groupBy: groupBy ?? [],
    filter: filter ?? {},
    // Percentiles cost 96 sums per rollup row each: computed only when the query asks for them.
    percentiles: { ttft: fields.has("ttft"), itl: fields.has("itl"), latency: fields.has("latency") },
  };
  const rows = await ctx.services.observability.usage.usage(ctx.principal, input);
  return rows.map(toBucket);
}

function toBucket(b: UsageBucketResult): UsageBucket {
  const pct = (s: UsageBucketResult["ttft"]) => ({ count: s.count, meanMs: s.meanMs, p50Ms: s.p50Ms, p95Ms: s.p95Ms, p99Ms: s.p99Ms });
  return {
    model: b.model,
    provider: b.provider,
    userId: b.userId,
    teamId: b.teamId,
    keyId: b.keyId,
    tag: b.tag,
    day: b.day,
    hour: b.hour,
    requests: b.requests,
    errors: b.errors,
    cancelled: b.cancelled,
    inputTokens: b.inputTokens,
    outputTokens: b.outputTokens,
    cachedInputTokens: b.cachedInputTokens,
    reasoningTokens: b.reasoningTokens,
    totalTokens: b.inputTokens + b.outputTokens,
    costUsd: microsToUsd(b.costMicroUsd),
    costMicroUsd: b.costMicroUsd,
    ttft: pct(b.ttft),
    itl: pct(b.itl),
    latency: pct(b.latency),
  };
}

/**
 * The entry keeps its row for the body loader; `body` itself is resolved on demand. Live entries have
 * no row: the live feed never carries bodies.
 */
type Entry = RequestLogEntry & { row?: RequestRow | undefined };

/**
 * One committed request as `liveRequests` delivers it: the same fields as the request log, body null.
 * Also used directly by the WebSocket transport's event execution (event-execution.ts).
 */
export function liveRequestEvent(payload: unknown): RequestLogEntry {
  const { row: _row, ...entry } = toEntry(payload as RequestRow);
  return entry;
}

function toEntry(r: RequestRow): Entry {
  const g = r.guardrails;
  return {
    row: r,
    id: r.id,
    createdAt: r.createdAt,
    keyId: r.keyId,
    userId: r.userId,
    teamId: r.teamId,
    transport: r.transport,
    stream: r.stream,
    requestedModel: r.modelRequested,
    model: r.modelServed,
    provider: r.provider,
    status: r.status as RequestStatus,
    errorCode: r.errorCode,
    error: r.errorMessage,
    finishReason: r.finishReason,
    tags: r.tags,
    ttftMs: r.ttftMs,
    itlMs: r.itlMs,
    latencyMs: r.latencyMs,
    tokensPerSecond: r.tokensPerSecond,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedInputTokens: r.cachedInputTokens,
    reasoningTokens: r.reasoningTokens,
    tokensEstimated: r.tokensEstimated,
    costUsd: microsToUsd(r.costMicroUsd),
    attempts: (Array.isArray(r.attempts) ? (r.attempts as (Omit<Attempt, "outcome"> & { outcome: string })[]) : []).map((a) => ({
      model: a.model,
      provider: a.provider,
      outcome: a.outcome as AttemptOutcome,
      error: a.error ?? null,
      errorCode: a.errorCode ?? null,
      latencyMs: a.latencyMs,
    })),
    guardrails: g ? { redactions: g.redactions, injectionScore: g.injectionScore, findings: Object.entries(g.findings).map(([type, count]) => ({ type, count })) } : null,
    body: null,
  };
}

/** Loads the bodies of every entry of one response in a single query. */
class BodyLoader {
  private pending: { row: RequestRow; resolve: (b: StoredBody | undefined) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly ctx: GqlContext) {}

  load(row: RequestRow): Promise<StoredBody | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.run());
      this.pending.push({ row, resolve, reject });
    });
  }

  private async run(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const found = await this.ctx.services.observability.requests.bodies(
        this.ctx.principal,
        batch.map((b) => b.row),
      );
      for (const b of batch) b.resolve(found.get(b.row.id));
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }
}

const loaders = new WeakMap<GqlContext, BodyLoader>();

@Resolver(() => RequestLogEntry)
export class ObservabilityResolver {
  @Query(() => [UsageBucket], {
    description: "Usage and cost over [from, to), grouped by any dimensions (none: one total). Answered from rollups. Members see only their own usage.",
  })
  usage(
    @Arg("from", () => DateTimeScalar) from: Date,
    @Arg("to", () => DateTimeScalar) to: Date,
    @Arg("groupBy", () => [UsageDimension], { nullable: true }) groupBy: UsageDimension[] | null | undefined,
    @Arg("filter", () => UsageFilter, { nullable: true }) filter: UsageFilter | null | undefined,
    @Ctx() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<UsageBucket[]> {
    return usageBuckets(ctx, info, from, to, groupBy, filter);
  }

  @Query(() => RequestConnection, { description: "The request log, newest first. Members see only their own requests." })
  async requests(
    @Arg("filter", () => RequestFilter, { nullable: true }) filter: RequestFilter | null | undefined,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1-500 (default 50)." }) first: number | null | undefined,
    @Arg("after", () => String, { nullable: true, description: "endCursor of the previous page." }) after: string | null | undefined,
    @Ctx() ctx: GqlContext,
  ): Promise<RequestConnection> {
    const page = await ctx.services.observability.requests.list(ctx.principal, filter ?? {}, first, after);
    const nodes = page.rows.map(toEntry);
    return {
      nodes,
      edges: nodes.map((node, i) => ({ node, cursor: page.cursors[i]! })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @Query(() => RequestLogEntry, { nullable: true, description: "One request of the log; null when unknown or not the caller's (members)." })
  async request(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<RequestLogEntry | null> {
    const row = await ctx.services.observability.requests.get(ctx.principal, id);
    return row ? toEntry(row) : null;
  }

  @Subscription(() => RequestLogEntry, {
    description:
      "Every settled request, once, as it is committed to the request log on any instance (a few hundred ms after it ends). Same fields and visibility as Query.requests (members: their own requests); `body` is always null here. A subscriber that reads too slowly loses the oldest entries beyond a bounded backlog.",
    subscribe: ({ context }) => {
      const ctx = context as GqlContext;
      return ctx.services.observability.live.subscribe(ctx.principal);
    },
  })
  liveRequests(@Root() row: RequestRow): RequestLogEntry {
    return liveRequestEvent(row);
  }

  @FieldResolver(() => RequestBody, { nullable: true })
  async body(@Root() entry: Entry, @Ctx() ctx: GqlContext): Promise<RequestBody | null> {
    if (!entry.row) return null;
    let loader = loaders.get(ctx);
    if (!loader) loaders.set(ctx, (loader = new BodyLoader(ctx)));
    const b = await loader.load(entry.row);
    if (!b) return null;
    const request = b.request && typeof b.request === "object" ? (b.request as Record<string, unknown>) : {};
    return { request, response: b.response };
  }
}

const usageArgs = "Same arguments and rules as Query.usage, limited to this entity.";

@Resolver(() => User)
export class UserUsageResolver {
  @FieldResolver(() => [UsageBucket], { description: `This user's AI usage. ${usageArgs}` })
  aiUsage(
    @Root() user: { id: string },
    @Arg("from", () => DateTimeScalar) from: Date,
    @Arg("to", () => DateTimeScalar) to: Date,
    @Arg("groupBy", () => [UsageDimension], { nullable: true }) groupBy: UsageDimension[] | null | undefined,
    @Arg("filter", () => UsageFilter, { nullable: true }) filter: UsageFilter | null | undefined,
    @Ctx() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<UsageBucket[]> {
    requireSelfOrAdmin(ctx, user.id);
    return usageBuckets(ctx, info, from, to, groupBy, { ...filter, users: [user.id] });
  }
}

@Resolver(() => Team)
export class TeamUsageResolver {
  @FieldResolver(() => [UsageBucket], { description: `This team's AI usage (a member sees only their own share of it). ${usageArgs}` })
  aiUsage(
    @Root() team: { id: string },
    @Arg("from", () => DateTimeScalar) from: Date,
    @Arg("to", () => DateTimeScalar) to: Date,
    @Arg("groupBy", () => [UsageDimension], { nullable: true }) groupBy: UsageDimension[] | null | undefined,
    @Arg("filter", () => UsageFilter, { nullable: true }) filter: UsageFilter | null | undefined,
    @Ctx() ctx: GqlContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<UsageBucket[]> {
    return usageBuckets(ctx, info, from, to, groupBy, { ...filter, teams: [team.id] });
  }
}
