import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { ErrorCode, GatewayError, badInput } from "../../domain/errors.js";
import type { Principal } from "../auth/keys.js";
import { addHist, bucketOf, emptyHist, quantile } from "./histogram.js";
import { DAY_MS, HOUR_MS, unpackInto, type Grain } from "./rollups.js";
import { clampInstant } from "./request-log.js";

export const USAGE_DIMENSIONS = ["MODEL", "PROVIDER", "USER", "TEAM", "KEY", "TAG", "DAY", "HOUR"] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];
export type UsageStatus = "ok" | "error" | "cancelled";

export interface UsageFilter {
  models?: readonly string[] | null | undefined;
  providers?: readonly string[] | null | undefined;
  users?: readonly string[] | null | undefined;
  teams?: readonly string[] | null | undefined;
  keys?: readonly string[] | null | undefined;
  tags?: readonly string[] | null | undefined;
  statuses?: readonly UsageStatus[] | null | undefined;
}

export interface UsageQueryInput {
  from: Date;
  to: Date;
  groupBy?: readonly UsageDimension[] | null | undefined;
  filter?: UsageFilter | null | undefined;
  /** Which latency summaries to compute (absent: all; given: only those set). Merging histograms is most of a query's cost. */
  percentiles?: { ttft?: boolean; itl?: boolean; latency?: boolean } | undefined;
}

export interface LatencySummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface UsageBucketResult {
  model: string | null;
  provider: string | null;
  userId: string | null;
  teamId: string | null;
  keyId: string | null;
  tag: string | null;
  day: Date | null;
  hour: Date | null;
  requests: number;
  errors: number;
  cancelled: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
  ttft: LatencySummary;
  itl: LatencySummary;
  latency: LatencySummary;
}

type Source = { kind: "rollup"; grain: Grain } | { kind: "raw" };
interface Segment {
  source: Source;
  from: number;
  to: number;
}

const MAX_BUCKETS = 50_000;
/** Up to this many rollup rows, their histograms are fetched as they are and merged here; above, summed in SQL. */
const ROWWISE_MAX = 5_000;
const MAX_FILTER_VALUES = 200;
const SCALAR_NAMES = ["requests", "errors", "cancelled", "inputTokens", "outputTokens", "cachedInputTokens", "reasoningTokens", "costMicroUsd", "ttftCount", "ttftSum", "itlCount", "itlSum", "latencySum"] as const;
type Scalar = (typeof SCALAR_NAMES)[number];
type Metric = "ttft" | "itl" | "latency";
const METRICS: readonly Metric[] = ["ttft", "itl", "latency"];

interface Acc {
  dims: unknown[];
  s: Record<Scalar, number>;
  h: Record<Metric, number[] | null>;
}

/**
 * `usage` answered from the rollups. [from, to) is cut into whole UTC days (daily rows), whole hours
 * (hourly rows) and, at unaligned edges, less than an hour of raw records on each side, so the answer
 * is exact for any range while a month costs ~30 rows per group. The parts run in parallel and merge
 * here; histograms merge by addition, so percentiles over the whole range come from one histogram.
 */
export class UsageQuery {
  /** `rowwiseMax`: see ROWWISE_MAX (tests lower it to exercise the SQL-side merge). */
  constructor(
    private readonly db: Database,
    private readonly rowwiseMax = ROWWISE_MAX,
  ) {}

  async usage(principal: Principal, input: UsageQueryInput): Promise<UsageBucketResult[]> {
    if (!Number.isFinite(input.from.getTime()) || !Number.isFinite(input.to.getTime())) throw badInput("from and to must be valid date-times");
    const from = clampInstant(input.from).getTime();
    const to = clampInstant(input.to).getTime();
    if (to <= from) throw badInput("`to` must be after `from`");
    const groupBy = [...new Set(input.groupBy ?? [])];
    const filter = scopeFilter(principal, input.filter ?? {});
    const p = input.percentiles;
    const want = p ? { ttft: p.ttft ?? false, itl: p.itl ?? false, latency: p.latency ?? false } : { ttft: true, itl: true, latency: true };
    const byPrincipal = groupBy.some((d) => d === "USER" || d === "TEAM" || d === "KEY") || Boolean(filter.users || filter.teams || filter.keys);
    const byTag = groupBy.includes("TAG") || Boolean(filter.tags);
    const cube = byTag ? (byPrincipal ? "usage_rollup_tag" : "usage_rollup_model_tag") : byPrincipal ? "usage_rollup_principal" : "usage_rollup_model";

    const segments = plan(from, to, groupBy.includes("HOUR"));
    const parts = await Promise.all(segments.map((seg) => (seg.source.kind === "raw" ? this.raw(seg, groupBy, filter, want) : this.rollup(cube, seg, seg.source.grain, groupBy, filter, want))));

    const merged = new Map<string, Acc>();
    for (const rows of parts) {
      for (const a of rows) {
        const key = keyOf(a.dims);
        const prev = merged.get(key);
        if (!prev) {
          merged.set(key, a);
          continue;
        }
        for (const k of SCALAR_NAMES) prev.s[k] += a.s[k];
        for (const m of METRICS) if (prev.h[m] && a.h[m]) addHist(prev.h[m]!, a.h[m]!);
      }
    }
    if (merged.size > MAX_BUCKETS) throw badInput(`the answer has ${merged.size} buckets (max ${MAX_BUCKETS}); narrow the range or group by fewer dimensions`);
    const out = [...merged.values()].filter((a) => a.s.requests > 0).map((a) => present(a, groupBy));
    return out.sort((x, y) => compareBuckets(x, y, groupBy));
  }

  private async rollup(table: string, seg: Segment, grain: Grain, groupBy: UsageDimension[], f: UsageFilter, want: Record<Metric, boolean>): Promise<Acc[]> {
    const dims = groupBy.map((d) => rollupDim(d, grain));
    const cols: SQL[] = [
      ...dims.map((d, i) => sql`${sql.raw(d)} as ${sql.identifier(`d${i}`)}`),
      sql`sum(requests)::float8 as requests, sum(errors)::float8 as errors, sum(cancelled)::float8 as cancelled`,
      sql`sum(input_tokens)::float8 as "inputTokens", sum(output_tokens)::float8 as "outputTokens"`,
      sql`sum(cached_input_tokens)::float8 as "cachedInputTokens", sum(reasoning_tokens)::float8 as "reasoningTokens"`,
      sql`sum(cost_micro_usd)::float8 as "costMicroUsd", sum(ttft_count)::float8 as "ttftCount", sum(ttft_sum_ms)::float8 as "ttftSum"`,
      sql`sum(itl_count)::float8 as "itlCount", sum(itl_sum_ms)::float8 as "itlSum", sum(latency_sum_ms)::float8 as "latencySum"`,
    ];
    const where = sql.join([sql`grain = ${grain}`, sql`bucket >= ${ts(seg.from)}`, sql`bucket < ${ts(seg.to)}`, ...filterConds(f, rollupFilterCol)], sql` and `);
    const from = sql`${sql.identifier(table)}`;
    const metrics = METRICS.filter((m) => want[m]);
    // Few rollup rows (a month of daily rows per model, say): their sparse arrays merge faster here than in
    // SQL, so they are fetched as they are, alongside the sums; past ROWWISE_MAX, SQL sums the buckets.
    // As text: splitting '{…}' costs a fraction of the drivers' character-by-character array parsing.
    const list = metrics.map((m) => sql`${sql.raw(`${m}_hist`)}::text as ${sql.identifier(m)}`);
    const dcols = dims.map((x, i) => sql`${sql.raw(x)} as ${sql.identifier(`d${i}`)}`);
    const [rows, rowwise] = await Promise.all([
      this.db.rows<Record<string, unknown>>(sql`select ${sql.join(cols, sql`, `)} from ${from} where ${where}${groupClause(dims.length)}`),
      metrics.length ? this.db.rows<Record<string, unknown>>(sql`select ${sql.join([...dcols, ...list], sql`, `)} from ${from} where ${where} limit ${this.rowwiseMax + 1}`) : Promise.resolve([]),
    ]);
    const accs = new Map<string, Acc>();
    for (const r of rows) {
      const d = dims.map((_, i) => r[`d${i}`]);
      accs.set(keyOf(d), { dims: d, s: scalars(r), h: { ttft: want.ttft ? emptyHist() : null, itl: want.itl ? emptyHist() : null, latency: want.latency ? emptyHist() : null } });
    }
    if (metrics.length === 0) return [...accs.values()];
    if (rowwise.length <= this.rowwiseMax) {
      for (const r of rowwise) {
        const acc = accs.get(keyOf(dims.map((_, i) => r[`d${i}`])));
        if (acc) for (const m of metrics) unpackInto(acc.h[m]!, textArray(r[m]));
      }
    } else {
      for (const r of await this.db.rows<Record<string, unknown>>(histQuery(from, where, dims, metrics))) {
        const h = accs.get(keyOf(dims.map((_, i) => r[`d${i}`])))?.h[METRICS[Number(r.m)]!];
        if (h) unpackInto(h, toNums(r.h));
      }
    }
    return [...accs.values()];
  }

  /** Less than an hour of raw records at an unaligned edge, aggregated the same way. */
  private async raw(seg: Segment, groupBy: UsageDimension[], f: UsageFilter, want: Record<Metric, boolean>): Promise<Acc[]> {
    const dims = groupBy.map(rawDim);
    const byTag = groupBy.includes("TAG") || Boolean(f.tags);
    const cols: SQL[] = [
      ...dims.map((d, i) => sql`${sql.raw(d)} as ${sql.identifier(`d${i}`)}`),
      sql`count(*)::float8 as requests, (count(*) filter (where status = 'error'))::float8 as errors, (count(*) filter (where status = 'cancelled'))::float8 as cancelled`,
      sql`sum(input_tokens)::float8 as "inputTokens", sum(output_tokens)::float8 as "outputTokens"`,
      sql`sum(cached_input_tokens)::float8 as "cachedInputTokens", sum(reasoning_tokens)::float8 as "reasoningTokens"`,
      sql`sum(cost_micro_usd)::float8 as "costMicroUsd", count(ttft_ms)::float8 as "ttftCount", coalesce(sum(ttft_ms), 0)::float8 as "ttftSum"`,
      sql`count(itl_ms)::float8 as "itlCount", coalesce(sum(itl_ms), 0)::float8 as "itlSum", sum(latency_ms)::float8 as "latencySum"`,
      ...METRICS.filter((m) => want[m]).map((m) => sql`array_agg(${sql.raw(`${m}_ms`)}) filter (where ${sql.raw(`${m}_ms`)} is not null) as ${sql.identifier(`${m}V`)}`),
    ];
    // distinct: a record may hold a tag twice (written before tags were deduplicated at input); rollups count it once.
    const tagJoin = byTag ? sql` cross join lateral (select distinct t as tag from unnest(case when cardinality(tags) = 0 then array['']::text[] else tags end) as u(t)) as tg` : sql``;
    const where = [sql`created_at >= ${ts(seg.from)}`, sql`created_at < ${ts(seg.to)}`, ...filterConds(f, rawFilterCol)];
    const q = sql`select ${sql.join(cols, sql`, `)} from usage_records${tagJoin} where ${sql.join(where, sql` and `)}${groupClause(dims.length)}`;
    const rows = await this.db.rows<Record<string, unknown>>(q);
    return rows.map((r) => {
      const h: Record<Metric, number[] | null> = { ttft: null, itl: null, latency: null };
      for (const m of METRICS) {
        if (!want[m]) continue;
        const hist = emptyHist();
        for (const v of toNums(r[`${m}V`])) hist[bucketOf(v)]!++;
        h[m] = hist;
      }
      return { dims: dims.map((_, i) => r[`d${i}`]), s: scalars(r), h };
    });
  }
}

const keyOf = (dims: unknown[]) => dims.map((d) => (d instanceof Date ? d.getTime() : String(d))).join("\u0001");

/**
 * Merged histograms per group: the sparse buckets of every row are unnested and summed in SQL, then
 * packed again, so one row per group and metric comes back whatever the number of rollup rows.
 */
function histQuery(from: SQL, where: SQL, dims: string[], metrics: Metric[]): SQL {
  const d = dims.map((x, i) => sql`${sql.raw(x)} as ${sql.identifier(`d${i}`)}`);
  const outer = dims.map((_, i) => sql.identifier(`d${i}`));
  const values = sql.join(
    metrics.map((m) => sql`(${sql.raw(String(METRICS.indexOf(m)))}, ${sql.raw(`${m}_hist`)})`),
    sql`, `,
  );
  const inner = sql`select ${sql.join([...d, sql`v.m`, sql`u.x >> 32 as b`, sql`sum(u.x & 4294967295) as c`], sql`, `)}
    from ${from} cross join lateral (values ${values}) as v(m, a) cross join lateral unnest(v.a) as u(x)
    where ${where} group by ${sql.raw(Array.from({ length: dims.length + 2 }, (_, i) => i + 1).join(", "))}`;
  return sql`select ${sql.join([...outer, sql`m`, sql`array_agg(((b << 32) | c::bigint)::float8) as h`], sql`, `)}
    from (${inner}) as g group by ${sql.raw(Array.from({ length: dims.length + 1 }, (_, i) => i + 1).join(", "))}`;
}

/** Members see only their own usage: the filter is pinned to them, and asking for others is refused. */
function scopeFilter(p: Principal, f: UsageFilter): UsageFilter {
  const out: UsageFilter = {};
  for (const k of ["models", "providers", "users", "teams", "keys", "tags", "statuses"] as const) {
    const v = f[k];
    if (v == null) continue;
    if (v.length > MAX_FILTER_VALUES) throw badInput(`filter.${k}: at most ${MAX_FILTER_VALUES} values`);
    (out as Record<string, readonly string[]>)[k] = [...new Set(v)];
  }
  if (p.role !== "ADMIN") {
    if (out.users && out.users.some((u) => u !== p.userId)) throw new GatewayError(ErrorCode.FORBIDDEN, "members may only see their own usage");
    out.users = [p.userId];
  }
  return out;
}

/** Splits [from, to) into raw edges, hourly runs and (unless grouping by hour) whole days. */
export function plan(from: number, to: number, byHour: boolean): Segment[] {
  const out: Segment[] = [];
  const ha = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const hb = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (ha >= hb) return [{ source: { kind: "raw" }, from, to }];
  if (from < ha) out.push({ source: { kind: "raw" }, from, to: ha });
  const da = Math.ceil(ha / DAY_MS) * DAY_MS;
  const db = Math.floor(hb / DAY_MS) * DAY_MS;
  if (!byHour && da < db) {
    if (ha < da) out.push({ source: { kind: "rollup", grain: "hour" }, from: ha, to: da });
    out.push({ source: { kind: "rollup", grain: "day" }, from: da, to: db });
    if (db < hb) out.push({ source: { kind: "rollup", grain: "hour" }, from: db, to: hb });
  } else out.push({ source: { kind: "rollup", grain: "hour" }, from: ha, to: hb });
  if (hb < to) out.push({ source: { kind: "raw" }, from: hb, to });
  return out;
}

function rollupDim(d: UsageDimension, grain: Grain): string {
  switch (d) {
    case "MODEL":
      return "model";
    case "PROVIDER":
      return "provider";
    case "USER":
      return "user_id";
    case "TEAM":
      return "team_id";
    case "KEY":
      return "key_id";
    case "TAG":
      return "tag";
    case "DAY":
      return grain === "day" ? "bucket" : "date_trunc('day', bucket, 'UTC')";
    case "HOUR":
      return "bucket";
  }
}

function rawDim(d: UsageDimension): string {
  switch (d) {
    case "MODEL":
      return "coalesce(model_served, model_requested)";
    case "PROVIDER":
      return "coalesce(provider, '')";
    case "USER":
      return "coalesce(user_id, '')";
    case "TEAM":
      return "coalesce(team_id, '')";
    case "KEY":
      return "coalesce(key_id, '')";
    case "TAG":
      return "tg.tag";
    case "DAY":
      return "date_trunc('day', created_at, 'UTC')";
    case "HOUR":
      return "date_trunc('hour', created_at, 'UTC')";
  }
}

type FilterKey = Exclude<keyof UsageFilter, "statuses"> | "statuses";
const ROLLUP_COLS: Record<FilterKey, string> = { models: "model", providers: "provider", users: "user_id", teams: "team_id", keys: "key_id", tags: "tag", statuses: "status" };
const RAW_COLS: Record<FilterKey, string> = {
  models: "coalesce(model_served, model_requested)",
  providers: "coalesce(provider, '')",
  users: "coalesce(user_id, '')",
  teams: "coalesce(team_id, '')",
  keys: "coalesce(key_id, '')",
  tags: "tg.tag",
  statuses: "status",
};
const rollupFilterCol = (k: FilterKey) => ROLLUP_COLS[k];
const rawFilterCol = (k: FilterKey) => RAW_COLS[k];

function filterConds(f: UsageFilter, col: (k: FilterKey) => string): SQL[] {
  const out: SQL[] = [];
  for (const k of Object.keys(ROLLUP_COLS) as FilterKey[]) {
    const v = f[k];
    if (!v) continue;
    if (v.length === 0) out.push(sql`false`);
    else out.push(sql`${sql.raw(col(k))} in (${sql.join(v.map((x) => sql`${x}`), sql`, `)})`);
  }
  return out;
}

/** A timestamptz parameter (postgres.js, under drizzle, does not serialise Date objects in raw SQL). */
export function ts(ms: number): SQL {
  return sql`${new Date(ms).toISOString()}::timestamptz`;
}

function groupClause(n: number): SQL {
  if (n === 0) return sql``;
  return sql.raw(` group by ${Array.from({ length: n }, (_, i) => i + 1).join(", ")}`);
}

function scalars(r: Record<string, unknown>): Record<Scalar, number> {
  const s = {} as Record<Scalar, number>;
  for (const k of SCALAR_NAMES) s[k] = Number(r[k] ?? 0);
  return s;
}

/** The elements of a one-dimensional numeric array sent as text (`{1,2,3}`). */
function textArray(v: unknown): string[] {
  return typeof v === "string" && v.length > 2 ? v.slice(1, -1).split(",") : [];
}

function toNums(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => Number(x));
}

function summary(count: number, sum: number, h: number[] | null): LatencySummary {
  return {
    count,
    meanMs: count > 0 ? Math.round((sum / count) * 1000) / 1000 : null,
    p50Ms: h ? quantile(h, 0.5) : null,
    p95Ms: h ? quantile(h, 0.95) : null,
    p99Ms: h ? quantile(h, 0.99) : null,
  };
}

function present(a: Acc, groupBy: UsageDimension[]): UsageBucketResult {
  const dim = (d: UsageDimension): unknown => {
    const i = groupBy.indexOf(d);
    return i < 0 ? null : a.dims[i];
  };
  const str = (d: UsageDimension): string | null => {
    const v = dim(d);
    return v == null || v === "" ? null : String(v);
  };
  const date = (d: UsageDimension): Date | null => {
    const v = dim(d);
    return v == null ? null : v instanceof Date ? v : new Date(String(v));
  };
  const s = a.s;
  return {
    model: str("MODEL"),
    provider: str("PROVIDER"),
    userId: str("USER"),
    teamId: str("TEAM"),
    keyId: str("KEY"),
    tag: str("TAG"),
    day: date("DAY"),
    hour: date("HOUR"),
    requests: s.requests,
    errors: s.errors,
    cancelled: s.cancelled,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cachedInputTokens: s.cachedInputTokens,
    reasoningTokens: s.reasoningTokens,
    costMicroUsd: s.costMicroUsd,
    ttft: summary(s.ttftCount, s.ttftSum, a.h.ttft),
    itl: summary(s.itlCount, s.itlSum, a.h.itl),
    latency: summary(s.requests, s.latencySum, a.h.latency),
  };
}

const DIM_FIELD: Record<UsageDimension, keyof UsageBucketResult> = { MODEL: "model", PROVIDER: "provider", USER: "userId", TEAM: "teamId", KEY: "keyId", TAG: "tag", DAY: "day", HOUR: "hour" };

function compareBuckets(x: UsageBucketResult, y: UsageBucketResult, groupBy: UsageDimension[]): number {
  for (const d of groupBy) {
    const a = x[DIM_FIELD[d]] as string | Date | null;
    const b = y[DIM_FIELD[d]] as string | Date | null;
    if (a === b) continue;
    if (a == null) return -1;
    if (b == null) return 1;
    const c = a instanceof Date && b instanceof Date ? a.getTime() - b.getTime() : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    if (c !== 0) return c;
  }
  return y.costMicroUsd - x.costMicroUsd;
}
