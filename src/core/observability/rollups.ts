import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { usageRollupModel, usageRollupModelTag, usageRollupPrincipal, usageRollupTag, type usageRecords } from "../../db/schema.js";
import { insertFrom, jsonRows, q, recordset } from "./bulk.js";
import { bucketOf, emptyHist, HIST_BUCKETS } from "./histogram.js";

/**
 * Rollups are maintained in the same statement as the raw insert (UsageWriter), from exactly the
 * rows that insert created, so their sums equal the raw records' to the micro-dollar at every instant.
 * Each record adds to an hourly and a daily row of four cubes (see schema-observability.ts).
 */

type RawRow = typeof usageRecords.$inferInsert;
export type Grain = "hour" | "day";
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * One cube row's delta: its key (the columns a cube lacks stay undefined, which JSON leaves out) and
 * additive metrics. A class, so the many rows of a batch share one shape (cheap to create and to
 * stringify). The histograms are dense counts while the batch is summed and packed (`packHist`,
 * as the tables store them) once `rollupDeltas` returns them.
 */
export class RollupRow {
  requests = 0;
  errors = 0;
  cancelled = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  reasoningTokens = 0;
  costMicroUsd = 0;
  ttftCount = 0;
  ttftSumMs = 0;
  itlCount = 0;
  itlSumMs = 0;
  latencySumMs = 0;
  ttftHist: number[] = emptyHist();
  itlHist: number[] = emptyHist();
  latencyHist: number[] = emptyHist();

  constructor(
    readonly grain: Grain,
    readonly bucket: Date,
    readonly model: string,
    readonly provider: string,
    readonly status: string,
    readonly userId?: string,
    readonly teamId?: string,
    readonly keyId?: string,
    readonly tag?: string,
  ) {}
}

export interface RollupDeltas {
  model: RollupRow[];
  principal: RollupRow[];
  modelTag: RollupRow[];
  tag: RollupRow[];
}

/** Adds one record; `tb`/`ib`/`lb` are its TTFT, ITL and latency buckets (-1: not measured). */
function add(v: RollupRow, r: RawRow, tb: number, ib: number, lb: number): void {
  v.requests++;
  if (r.status === "error") v.errors++;
  else if (r.status === "cancelled") v.cancelled++;
  v.inputTokens += r.inputTokens;
  v.outputTokens += r.outputTokens;
  v.cachedInputTokens += r.cachedInputTokens ?? 0;
  v.reasoningTokens += r.reasoningTokens ?? 0;
  v.costMicroUsd += r.costMicroUsd;
  if (tb >= 0) {
    v.ttftCount++;
    v.ttftSumMs += r.ttftMs!;
    v.ttftHist[tb]!++;
  }
  if (ib >= 0) {
    v.itlCount++;
    v.itlSumMs += r.itlMs!;
    v.itlHist[ib]!++;
  }
  v.latencySumMs += r.latencyMs;
  v.latencyHist[lb]!++;
}

function merge(into: RollupRow, v: RollupRow): void {
  for (const k of SCALARS) into[k] += v[k];
  for (const k of HISTS) {
    const a = into[k];
    const b = v[k];
    for (let i = 0; i < HIST_BUCKETS; i++) if (b[i]! > 0) a[i]! += b[i]!;
  }
}

/** The model dimension of a record: what served it, or what was asked for when nothing did. */
export const modelOf = (r: { modelServed?: string | null; modelRequested: string }): string => r.modelServed ?? r.modelRequested;

/** Records that share every dimension and hour: each is summed once here, then folded into the cubes. */
interface Group {
  hour: number;
  model: string;
  provider: string;
  status: string;
  userId: string;
  teamId: string;
  keyId: string;
  tags: readonly string[];
  v: RollupRow;
}

const NO_TAG: readonly string[] = [""];

function fold(cube: Map<string, RollupRow>, key: string, g: Group, grain: Grain, bucket: number, principal: boolean, tag: string | undefined): void {
  let d = cube.get(key);
  if (!d) {
    d = principal
      ? new RollupRow(grain, new Date(bucket), g.model, g.provider, g.status, g.userId, g.teamId, g.keyId, tag)
      : new RollupRow(grain, new Date(bucket), g.model, g.provider, g.status, undefined, undefined, undefined, tag);
    cube.set(key, d);
  }
  merge(d, g.v);
}

/**
 * Sums the batch into one delta per cube row: each record once into the group of records sharing all
 * its dimensions and hour (one key, one lookup), then each group into its hourly and daily row of every
 * cube. Rows are sorted by key so concurrent writers lock them in the same order.
 */
export function rollupDeltas(rows: readonly RawRow[]): RollupDeltas {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const t = r.createdAt.getTime();
    const hour = t - (t % HOUR_MS);
    const tags = r.tags && r.tags.length > 0 ? r.tags : NO_TAG;
    const model = modelOf(r);
    const key = `${hour}\u0001${model}\u0001${r.provider ?? ""}\u0001${r.status}\u0001${r.userId ?? ""}\u0001${r.teamId ?? ""}\u0001${r.keyId ?? ""}\u0001${tags.length === 1 ? tags[0] : tags.join("\u0001")}`;
    let g = groups.get(key);
    if (!g) {
      const v = new RollupRow("hour", new Date(hour), model, r.provider ?? "", r.status);
      g = { hour, model, provider: r.provider ?? "", status: r.status, userId: r.userId ?? "", teamId: r.teamId ?? "", keyId: r.keyId ?? "", tags: tags.length === 1 ? tags : [...new Set(tags)], v };
      groups.set(key, g);
    }
    add(g.v, r, r.ttftMs != null ? bucketOf(r.ttftMs) : -1, r.itlMs != null ? bucketOf(r.itlMs) : -1, bucketOf(r.latencyMs));
  }
  const model = new Map<string, RollupRow>();
  const principal = new Map<string, RollupRow>();
  const modelTag = new Map<string, RollupRow>();
  const tag = new Map<string, RollupRow>();
  for (const g of groups.values()) {
    for (const grain of ["hour", "day"] as const) {
      const b = grain === "hour" ? g.hour : g.hour - (g.hour % DAY_MS);
      const mk = `${grain}\u0001${b}\u0001${g.model}\u0001${g.provider}\u0001${g.status}`;
      fold(model, mk, g, grain, b, false, undefined);
      const pk = `${mk}\u0001${g.userId}\u0001${g.teamId}\u0001${g.keyId}`;
      fold(principal, pk, g, grain, b, true, undefined);
      for (const tg of g.tags) {
        fold(modelTag, `${mk}\u0001${tg}`, g, grain, b, false, tg);
        fold(tag, `${pk}\u0001${tg}`, g, grain, b, true, tg);
      }
    }
  }
  return { model: sorted(model), principal: sorted(principal), modelTag: sorted(modelTag), tag: sorted(tag) };
}

function sorted(m: Map<string, RollupRow>): RollupRow[] {
  const out = [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  for (const v of out) for (const h of HISTS) v[h] = packHist(v[h]);
  return out;
}

const SCALARS = ["requests", "errors", "cancelled", "inputTokens", "outputTokens", "cachedInputTokens", "reasoningTokens", "costMicroUsd", "ttftCount", "ttftSumMs", "itlCount", "itlSumMs", "latencySumMs"] as const;
const HISTS = ["ttftHist", "itlHist", "latencyHist"] as const;

const COMPACT_AT = 32;
const COUNT_MASK = 0xffffffff;
const SHIFT = 2 ** 32;

/** Dense counts → sparse packed `(bucket << 32) | count` (exact in a double: bucket < 96, count < 2^32). */
export function packHist(h: ArrayLike<number>): number[] {
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

/** The cubes in lock order, with the delta list each is fed from and its primary key (the conflict target). */
const CUBES: { table: PgTable; deltas: keyof RollupDeltas; key: PgColumn[] }[] = [
  { table: usageRollupModel, deltas: "model", key: [usageRollupModel.grain, usageRollupModel.bucket, usageRollupModel.model, usageRollupModel.provider, usageRollupModel.status] },
  { table: usageRollupPrincipal, deltas: "principal", key: [usageRollupPrincipal.grain, usageRollupPrincipal.bucket, usageRollupPrincipal.userId, usageRollupPrincipal.teamId, usageRollupPrincipal.keyId, usageRollupPrincipal.model, usageRollupPrincipal.provider, usageRollupPrincipal.status] },
  { table: usageRollupModelTag, deltas: "modelTag", key: [usageRollupModelTag.grain, usageRollupModelTag.bucket, usageRollupModelTag.tag, usageRollupModelTag.model, usageRollupModelTag.provider, usageRollupModelTag.status] },
  { table: usageRollupTag, deltas: "tag", key: [usageRollupTag.grain, usageRollupTag.bucket, usageRollupTag.tag, usageRollupTag.userId, usageRollupTag.teamId, usageRollupTag.keyId, usageRollupTag.model, usageRollupTag.provider, usageRollupTag.status] },
];

/**
 * ON CONFLICT … DO UPDATE: add the new delta to the stored row. A sparse histogram just gets the new
 * entries appended (a bucket may then appear more than once; readers add them up), and is compacted
 * (equal buckets summed) only once it passes COMPACT_AT entries: the CASE evaluates the compacting
 * subquery only then, so most upserts cost a concatenation. 32 keeps a row's three arrays under
 * Postgres' 2 KB TOAST threshold, past which every update compresses the row: at 192 a batch of
 * varied traffic cost 1.6× the server time (PGlite 295 → 180 µs per record, Postgres wall 146 → 84 µs).
 */
function mergeSet(table: PgTable): string {
  const col = (k: string) => q((table as unknown as Record<string, PgColumn>)[k]!.name);
  const set = SCALARS.map((k) => `${col(k)} = t.${col(k)} + excluded.${col(k)}`);
  for (const k of HISTS) {
    const both = `t.${col(k)} || excluded.${col(k)}`;
    set.push(
      `${col(k)} = case when cardinality(t.${col(k)}) < ${COMPACT_AT} then ${both} else (select coalesce(array_agg((b << 32) | c order by b), '{}'::bigint[]) from (select v >> 32 as b, sum(v & ${COUNT_MASK})::bigint as c from unnest(${both}) as v group by 1) as g) end`,
    );
  }
  return set.join(", ");
}

/**
 * The four cubes' upserts as statement texts, each reading its deltas from one JSON parameter
 * (`$first` … `$first+3`, in the order of `rollupParams`). `guard`, if given, is a condition every
 * upsert's rows must meet: the usage writer runs them as CTEs of its one statement, guarded by "every
 * raw row was new".
 */
export function rollupUpserts(first: number, guard?: string): string[] {
  return CUBES.map(
    ({ table, key }, i) =>
      `${insertFrom(table, recordset(first + i, table), "t")}${guard ? ` where ${guard}` : ""} on conflict (${key.map((c) => q(c.name)).join(", ")}) do update set ${mergeSet(table)}`,
  );
}

/** The JSON parameters of `rollupUpserts`, in its order. */
export function rollupParams(d: RollupDeltas): string[] {
  return CUBES.map(({ deltas }) => jsonRows(d[deltas]));
}
