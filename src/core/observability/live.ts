import { randomUUID } from "node:crypto";
import { and, gte, inArray, lte } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { usageRecords } from "../../db/schema.js";
import type { Principal } from "../auth/keys.js";
import type { UsageRecord } from "../metering/usage-writer.js";
import { canSeeRequest, type RequestRow } from "./request-log.js";

export const LIVE_CHANNEL = "switchboard_live_requests";
/** Ids per NOTIFY: 150 UUIDs are ~6 KB of JSON, under Postgres' 8000-byte payload limit. */
const IDS_PER_NOTIFY = 150;
/** Entries a subscriber may fall behind by before the oldest are dropped. */
export const DEFAULT_LIVE_BUFFER = 256;

/** What one NOTIFY carries: the sender, the committed ids, and their created_at span (partition pruning). */
interface Notice {
  i: string;
  r: string[];
  from: number;
  to: number;
}

export interface LiveRequestsOptions {
  /** Called with the number of entries a slow subscriber lost (a metric). */
  onDrop?: ((n: number) => void) | undefined;
}

export interface LiveFeed extends AsyncIterableIterator<RequestRow> {
  /** Entries this subscriber lost because it read too slowly (oldest first). */
  readonly dropped: number;
}

/**
 * Settled requests as they are committed to the request log, for `Subscription.liveRequests`. The usage
 * writer hands each committed batch here, off the request path; with no subscriber that is one size
 * check. On Postgres every committed batch is also announced with NOTIFY (ids only), and instances with
 * subscribers read those rows by id, so a subscriber sees the requests every instance served.
 */
export class LiveRequests {
  readonly instanceId = randomUUID();
  private readonly feeds = new Set<Feed>();
  private unlisten: (() => Promise<void>) | undefined;
  /** NOTIFYs and remote reads under way: stop() waits for them, so none runs against a closed database. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: LiveRequestsOptions = {},
  ) {}

  /** PGlite serves one process, so only Postgres listens for other instances' batches. */
  async start(): Promise<void> {
    if (this.db.kind !== "postgres") return;
    this.unlisten = await this.db.listen(LIVE_CHANNEL, (payload) => this.track(this.remote(payload)));
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
    for (const f of [...this.feeds]) f.end();
    await Promise.allSettled([...this.inflight]);
  }

  get subscriberCount(): number {
    return this.feeds.size;
  }

  /** A feed of the requests `p` may see in the log (admins: all; members: their own), from now on. */
  subscribe(p: Principal, bufferSize = DEFAULT_LIVE_BUFFER): LiveFeed {
    const feed = new Feed(p, bufferSize, this.opts.onDrop, () => this.feeds.delete(feed));
    this.feeds.add(feed);
    return feed;
  }

  /** A batch the usage writer committed. Never throws; NOTIFY failures cost only other instances' view. */
  committed(batch: readonly UsageRecord[]): void {
    if (batch.length === 0) return;
    if (this.feeds.size > 0) this.deliver(batch.map(toRow));
    if (this.db.kind === "postgres") this.track(this.announce(batch));
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async announce(batch: readonly UsageRecord[]): Promise<void> {
    let from = Infinity;
    let to = -Infinity;
    for (const r of batch) {
      const t = r.createdAt.getTime();
      if (t < from) from = t;
      if (t > to) to = t;
    }
    for (let i = 0; i < batch.length; i += IDS_PER_NOTIFY) {
      const notice: Notice = { i: this.instanceId, r: batch.slice(i, i + IDS_PER_NOTIFY).map((r) => r.id), from, to };
      await this.db.notify(LIVE_CHANNEL, JSON.stringify(notice)).catch((err: Error) => this.log.warn({ err: err.message }, "live requests NOTIFY failed; other instances miss this batch"));
    }
  }

  private async remote(payload: string): Promise<void> {
    if (this.feeds.size === 0) return;
    try {
      const n = JSON.parse(payload) as Notice;
      if (n.i === this.instanceId || !Array.isArray(n.r) || n.r.length === 0) return;
      const rows = await this.db.db
        .select()
        .from(usageRecords)
        .where(and(inArray(usageRecords.id, n.r), gte(usageRecords.createdAt, new Date(n.from)), lte(usageRecords.createdAt, new Date(n.to))));
      const byId = new Map(rows.map((r) => [r.id, r]));
      // In the sender's commit order, as a local subscriber there saw them.
      this.deliver(n.r.flatMap((id) => byId.get(id) ?? []));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not read another instance's live requests");
    }
  }

  private deliver(rows: readonly RequestRow[]): void {
    for (const f of this.feeds) f.push(rows);
  }
}

/** One subscriber: a bounded queue read by graphql-ws through the async-iterator protocol. */
class Feed implements LiveFeed {
  private readonly queue: RequestRow[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  dropped = 0;

  constructor(
    private readonly principal: Principal,
    private readonly bufferSize: number,
    private readonly onDrop: ((n: number) => void) | undefined,
    private readonly detach: () => void,
  ) {}

  push(rows: readonly RequestRow[]): void {
    if (this.closed) return;
    let lost = 0;
    for (const r of rows) {
      if (!canSeeRequest(this.principal, r.userId)) continue;
      if (this.queue.length >= this.bufferSize) {
        this.queue.shift();
        lost++;
      }
      this.queue.push(r);
    }
    if (lost > 0) {
      this.dropped += lost;
      this.onDrop?.(lost);
    }
    if (this.queue.length > 0) this.wake?.();
  }

  end(): void {
    this.closed = true;
    this.queue.length = 0;
    this.detach();
    this.wake?.();
  }

  async next(): Promise<IteratorResult<RequestRow>> {
    while (!this.closed && this.queue.length === 0) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    if (this.closed) return { done: true, value: undefined };
    return { done: false, value: this.queue.shift()! };
  }

  /** graphql-ws calls this when the client completes or the socket closes. */
  async return(): Promise<IteratorResult<RequestRow>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** The row as the database holds it once committed: the columns the writer left to their defaults filled in. */
function toRow(r: UsageRecord): RequestRow {
  return {
    id: r.id,
    createdAt: r.createdAt,
    keyId: r.keyId ?? null,
    userId: r.userId ?? null,
    teamId: r.teamId ?? null,
    transport: r.transport,
    stream: r.stream,
    modelRequested: r.modelRequested,
    modelServed: r.modelServed ?? null,
    provider: r.provider ?? null,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedInputTokens: r.cachedInputTokens ?? 0,
    reasoningTokens: r.reasoningTokens ?? 0,
    tokensEstimated: r.tokensEstimated ?? false,
    costMicroUsd: r.costMicroUsd,
    ttftMs: r.ttftMs ?? null,
    itlMs: r.itlMs ?? null,
    latencyMs: r.latencyMs,
    status: r.status,
    errorCode: r.errorCode ?? null,
    errorMessage: r.errorMessage ?? null,
    finishReason: r.finishReason ?? null,
    tags: r.tags ?? [],
    endUser: r.endUser ?? null,
    attempts: r.attempts ?? [],
    tokensPerSecond: r.tokensPerSecond ?? null,
    guardrails: r.guardrails ?? null,
  };
}
