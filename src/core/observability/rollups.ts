import { sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client.js";
import { usageRollupModel, usageRollupModelTag, usageRollupPrincipal, usageRollupTag, type usageRecords } from "../../db/schema.js";
import { bulkInsert } from "./bulk.js";
import { bucketOf, emptyHist } from "./histogram.js";

/**
 * Rollups are maintained in the same transaction as the raw insert (UsageWriter), from exactly the
 * rows that insert created, so their sums equal the raw records' to the micro-dollar at every instant.
 * Each record adds to an hourly and a daily row of four cubes (see schema-observability.ts).
 */

type RawRow = typeof usageRecords.$inferInsert;
export type Grain = "hour" | "day";
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface RollupValues {
  requests: number;
  errors: number;
  cancelled: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costMicroUsd: number;
  ttftCount: number;
  ttftSumMs: number;
  itlCount: number;
  itlSumMs: number;
  latencySumMs: number;
  ttftHist: number[];
  itlHist: number[];
  latencyHist: number[];
}

interface ModelKey {
  grain: Grain;
  bucket: Date;
  model: string;
  provider: string;
  status: string;
}
interface PrincipalKey extends ModelKey {
  userId: string;
  teamId: string;
  keyId: string;
}
interface TagKey extends PrincipalKey {
  tag: string;
}
interface ModelTagKey extends ModelKey {
  tag: string;
}

export interface RollupDeltas {
  model: (ModelKey & RollupValues)[];
  principal: (PrincipalKey & RollupValues)[];
  modelTag: (ModelTagKey & RollupValues)[];
  tag: (TagKey & RollupValues)[];
}

function zero(): RollupValues {
  return {
    requests: 0,
    errors: 0,
    cancelled: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costMicroUsd: 0,
    ttftCount: 0,
    ttftSumMs: 0,
    itlCount: 0,
    itlSumMs: 0,
    latencySumMs: 0,
    ttftHist: emptyHist(),
    itlHist: emptyHist(),
    latencyHist: emptyHist(),
  };
}

function add(v: RollupValues, r: RawRow): void {
  v.requests++;
  if (r.status === "error") v.errors++;
  else if (r.status === "cancelled") v.cancelled++;
  v.inputTokens += r.inputTokens;
  v.outputTokens += r.outputTokens;
  v.cachedInputTokens += r.cachedInputTokens ?? 0;
  v.reasoningTokens += r.reasoningTokens ?? 0;
  v.costMicroUsd += r.costMicroUsd;
  if (r.ttftMs != null) {
    v.ttftCount++;
    v.ttftSumMs += r.ttftMs;
    v.ttftHist[bucketOf(r.ttftMs)]!++;
  }
  if (r.itlMs != null) {
    v.itlCount++;
    v.itlSumMs += r.itlMs;
    v.itlHist[bucketOf(r.itlMs)]!++;
  }
  v.latencySumMs += r.latencyMs;
  v.latencyHist[bucketOf(r.latencyMs)]!++;
}

/** The model dimension of a record: what served it, or what was asked for when nothing did. */
export const modelOf = (r: { modelServed?: string | null; modelRequested: string }): string => r.modelServed ?? r.modelRequested;

/** Sums the batch into one delta per cube row (sorted by key, so concurrent writers lock rows in the same order). */
export function rollupDeltas(rows: readonly RawRow[]): RollupDeltas {
  const model = new Map<string, ModelKey & RollupValues>();
  const principal = new Map<string, PrincipalKey & RollupValues>();
  const tag = new Map<string, TagKey & RollupValues>();
  const modelTag = new Map<string, ModelTagKey & RollupValues>();
  for (const r of rows) {
    const t = r.createdAt.getTime();
    const m = modelOf(r);
    const provider = r.provider ?? "";
    const userId = r.userId ?? "";
    const teamId = r.teamId ?? "";
    const keyId = r.keyId ?? "";
    const tags = r.tags && r.tags.length > 0 ? r.tags : [""];
    for (const grain of ["hour", "day"] as const) {
      const b = grain === "hour" ? t - (t % HOUR_MS) : t - (t % DAY_MS);
      const mk = `${grain}\u0001${b}\u0001${m}\u0001${provider}\u0001${r.status}`;
      let mv = model.get(mk);
      if (!mv) model.set(mk, (mv = { grain, bucket: new Date(b), model: m, provider, status: r.status, ...zero() }));
      add(mv, r);
      const pk = `${mk}\u0001${userId}\u0001${teamId}\u0001${keyId}`;
      let pv = principal.get(pk);
      if (!pv) principal.set(pk, (pv = { grain, bucket: new Date(b), model: m, provider, status: r.status, userId, teamId, keyId, ...zero() }));
      add(pv, r);
      for (const tg of new Set(tags)) {
        const mtk = `${mk}\u0001${tg}`;
        let mtv = modelTag.get(mtk);
        if (!mtv) modelTag.set(mtk, (mtv = { grain, bucket: new Date(b), model: m, provider, status: r.status, tag: tg, ...zero() }));
        add(mtv, r);
        const tk = `${pk}\u0001${tg}`;
        let tv = tag.get(tk);
        if (!tv) tag.set(tk, (tv = { grain, bucket: new Date(b), model: m, provider, status: r.status, userId, teamId, keyId, tag: tg, ...zero() }));
        add(tv, r);
      }
    }
  }
  const sorted = <T>(m: Map<string, T>): T[] => [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { model: sorted(model), principal: sorted(principal), modelTag: sorted(modelTag), tag: sorted(tag) };
}

interface MetricCols {
  requests: PgColumn;
  errors: PgColumn;
  cancelled: PgColumn;
  inputTokens: PgColumn;
  outputTokens: PgColumn;
  cachedInputTokens: PgColumn;
  reasoningTokens: PgColumn;
  costMicroUsd: PgColumn;
  ttftCount: PgColumn;
  ttftSumMs: PgColumn;
  itlCount: PgColumn;
  itlSumMs: PgColumn;
  latencySumMs: PgColumn;
  ttftHist: PgColumn;
  itlHist: PgColumn;
  latencyHist: PgColumn;
}

const SCALARS = ["requests", "errors", "cancelled", "inputTokens", "outputTokens", "cachedInputTokens", "reasoningTokens", "costMicroUsd", "ttftCount", "ttftSumMs", "itlCount", "itlSumMs", "latencySumMs"] as const;
const HISTS = ["ttftHist", "itlHist", "latencyHist"] as const;

/**
 * ON CONFLICT … DO UPDATE: add the new delta to the stored row. A sparse histogram just gets the new
 * entries appended (a bucket may then appear more than once; readers add them up), and is compacted
 * (equal buckets summed) only once it passes COMPACT_AT entries: the CASE evaluates the compacting
 * subquery only then, so most upserts cost a concatenation.
 */
function mergeSet(t: MetricCols): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const k of SCALARS) set[k] = sql`${t[k]} + excluded.${sql.identifier(t[k].name)}`;
  for (const k of HISTS) {
    const both = sql`${t[k]} || excluded.${sql.identifier(t[k].name)}`;
    set[k] = sql`case when cardinality(${t[k]}) < ${sql.raw(String(COMPACT_AT))} then ${both} else (select coalesce(array_agg((b << 32) | c order by b), '{}'::bigint[]) from (select x >> 32 as b, sum(x & ${sql.raw(String(COUNT_MASK))})::bigint as c from unnest(${both}) as x group by 1) as g) end`;
  }
  return set;
}

const COMPACT_AT = 192;

const COUNT_MASK = 0xffffffff;
const SHIFT = 2 ** 32;

/** Dense counts → sparse packed `(bucket << 32) | count` (exact in a double: bucket < 96, count < 2^32). */
export function packHist(h: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < h.length; i++) if (h[i]! > 0) out.push(i * SHIFT + h[i]!);
  return out;
}

/** Adds packed buckets into dense counts. */
export function unpackInto(dense: number[], packed: ArrayLike<number | string>): void {
  for (let j = 0; j < packed.length; j++) {
    const x = Number(packed[j]);
    const b = Math.floor(x / SHIFT);
    if (b >= 0 && b < dense.length) dense[b]! += x - b * SHIFT;
  }
}

type RollupRow = ModelKey & RollupValues & Record<string, unknown>;

function packed(rows: (ModelKey & RollupValues)[]): RollupRow[] {
  return rows.map((r) => ({ ...r, ttftHist: packHist(r.ttftHist), itlHist: packHist(r.itlHist), latencyHist: packHist(r.latencyHist) }));
}

/**
 * The four cubes' upserts for these deltas, one statement each (one array parameter per column, so
 * any number of rows). `when`, if given, is a condition every statement's rows must meet: the usage
 * writer runs them as CTEs of one statement, guarded by "every raw row was new".
 */
export function rollupStatements(d: RollupDeltas, when?: SQL): SQL[] {
  const m = usageRollupModel;
  const p = usageRollupPrincipal;
  const mt = usageRollupModelTag;
  const t = usageRollupTag;
  const out: SQL[] = [];
  const add = (table: PgTable & MetricCols, rows: (ModelKey & RollupValues)[], target: PgColumn[]) => {
    if (rows.length > 0) out.push(upsert(table, packed(rows), target, when));
  };
  add(m, d.model, [m.grain, m.bucket, m.model, m.provider, m.status]);
  add(p, d.principal, [p.grain, p.bucket, p.userId, p.teamId, p.keyId, p.model, p.provider, p.status]);
  add(mt, d.modelTag, [mt.grain, mt.bucket, mt.tag, mt.model, mt.provider, mt.status]);
  add(t, d.tag, [t.grain, t.bucket, t.tag, t.userId, t.teamId, t.keyId, t.model, t.provider, t.status]);
  return out;
}

/** Applies the deltas inside the caller's transaction. */
export async function applyRollups(tx: Db, d: RollupDeltas): Promise<void> {
  for (const q of rollupStatements(d)) await tx.execute(q);
}

function upsert(table: PgTable & MetricCols, rows: RollupRow[], target: PgColumn[], when: SQL | undefined): SQL {
  const set = mergeSet(table);
  const assignments = sql.join(
    Object.entries(set).map(([k, v]) => sql`${sql.identifier(table[k as keyof MetricCols].name)} = ${v}`),
    sql`, `,
  );
  const conflict = sql.join(
    target.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
  return sql`${bulkInsert(table, rows)!}${when ? sql` where ${when}` : sql``} on conflict (${conflict}) do update set ${assignments}`;
}
