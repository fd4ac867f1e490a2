import { sql, type SQL } from "drizzle-orm";

/**
 * Every operation that moves money or counts requests is ONE statement (one implicit transaction,
 * one round trip). The two on the request path, admission and extension, are PL/pgSQL functions
 * (drizzle/0006_policy_functions.sql) so their plans are cached per connection. Deadlock freedom
 * comes from a single lock order used everywhere:
 *   budget_holds row(s) → rate_limits rows (by id) → budgets rows (by id).
 * In the CTE statements below a later lock is forced after an earlier one by referencing the
 * earlier CTE from an InitPlan (`(SELECT count(*) FROM earlier) >= 0`), which runs before the
 * later scan locks anything. Locked rows are re-read at their latest committed version
 * (READ COMMITTED + FOR UPDATE), so every check sees the holds committed before the lock.
 */

/** Spent in the current period: a period whose end has passed counts as already reset. */
const EFF_SPENT = sql.raw(`CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END`);

/** The next period end once the current one has passed, at local midnight in the budget's own time zone. */
const NEXT_RESET = sql.raw(`sb_policy_next_reset(b.period, b.time_zone, b.resets_at)`);

/** End of the current period for a (period, time zone), computed by Postgres (tz database included). */
export function firstReset(period: string, timeZone: string): SQL {
  return sql`CASE ${period}::text
    WHEN 'DAY' THEN (date_trunc('day', now() AT TIME ZONE ${timeZone}::text) + interval '1 day') AT TIME ZONE ${timeZone}::text
    WHEN 'MONTH' THEN (date_trunc('month', now() AT TIME ZONE ${timeZone}::text) + interval '1 month') AT TIME ZONE ${timeZone}::text
  END`;
}

const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;

/** A text[] literal; every element quoted, so no id can break out of it. */
function textArray(items: readonly string[]): string {
  return `{${items.map((i) => `"${i.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

export interface AdmitParams {
  budgetIds: string[];
  limitIds: string[];
  /** Seconds since the epoch: the rate-limit slot of this request. */
  slot: number;
  /** Tokens charged to TPM windows now (corrected at settlement). */
  tokens: number;
  /** Smallest hold that admits the request, and the hold wanted (a stream may start on less). */
  minMicros: number;
  desiredMicros: number;
  holdId: string;
  instanceId: string;
  ttlMs: number;
  /** Apply the changes when everything admits; false = dry run (locks nothing, changes nothing). */
  apply: boolean;
}

export interface BudgetState {
  id: string;
  action: "BLOCK" | "ALERT_ONLY";
  limit: number;
  spent: number;
  reserved: number;
}

export interface WindowState {
  id: string;
  rpm: number | null;
  tpm: number | null;
  slots: number[];
  reqs: number[];
  toks: number[];
}

export interface AdmitRow {
  ok: boolean;
  /** Whether it would have been admitted (equals ok unless this was a dry run). */
  would: boolean;
  lim_ok: boolean;
  granted: number;
  budgets: BudgetState[] | null;
  limits: WindowState[] | null;
}

/**
 * Rate-limit check-and-count plus budget holds, all or nothing (sb_policy_admit in
 * drizzle/0006_policy_functions.sql). The hold granted is least(desired, what every BLOCK budget
 * has left); the request is admitted when that is at least `minMicros` and every limit has room in
 * its last 60 one-second slots. With `apply` false nothing is locked or changed (dry run).
 */
export function admitStatement(p: AdmitParams): SQL {
  return sql`SELECT ok, would, lim_ok, granted::float8 AS granted, budgets, limits FROM sb_policy_admit(
    ${textArray(p.budgetIds)}::text[], ${textArray(p.limitIds)}::text[], ${p.slot}::bigint, ${p.tokens}::bigint,
    ${p.minMicros}::bigint, ${p.desiredMicros}::bigint, ${p.holdId}::text, ${p.instanceId}::text, ${p.ttlMs}::bigint, ${p.apply}::boolean)`;
}

export interface ExtendRow {
  ok: boolean;
  held: boolean;
  granted: number;
  budgets: BudgetState[] | null;
}

/** Grows a live hold by least(desired, room left), or refuses when that is under `minMicros` (sb_policy_extend). */
export function extendStatement(holdId: string, minMicros: number, desiredMicros: number, ttlMs: number): SQL {
  return sql`SELECT ok, held, granted::float8 AS granted, budgets FROM sb_policy_extend(${holdId}::text, ${minMicros}::bigint, ${desiredMicros}::bigint, ${ttlMs}::bigint)`;
}

export interface SettleItem {
  /** Hold id (the request id). */
  h: string;
  /** Actual cost, micro-USD. */
  a: number;
  /** Catalogue id of the model that served, for MODEL budgets. */
  m: string;
  /** Budgets the request was admitted under. */
  b: string[];
}

export interface SettledBudget {
  id: string;
  scope: string;
  subject: string;
  period: string;
  action: "BLOCK" | "ALERT_ONLY";
  limit: number;
  spent: number;
  added: number;
  reserved: number;
  thresholds: number[];
  webhook_url: string | null;
  time_zone: string;
}

/**
 * Settles a batch: each hold row is deleted (whoever deletes it releases it, so a hold the
 * sweeper already released is not released twice), spent grows by the actual cost on every
 * budget that covers the served model, reserved shrinks by what the deleted holds had reserved.
 */
export function settleStatement(items: SettleItem[]): SQL {
  return sql`WITH
items AS (SELECT * FROM jsonb_to_recordset(${json(items)}) AS x(h text, a bigint, m text, b text[])),
h AS (DELETE FROM budget_holds WHERE id IN (SELECT h FROM items) RETURNING budget_ids, amount_micros),
rel AS (SELECT bid, sum(amount_micros) AS amt FROM h, unnest(h.budget_ids) AS bid GROUP BY bid),
lk AS MATERIALIZED (
  SELECT b.id, b.scope, b.subject, ${EFF_SPENT} AS spent FROM budgets b
  WHERE b.id IN (SELECT unnest(b) FROM items) AND (SELECT count(*) FROM h) >= 0
  ORDER BY b.id FOR UPDATE
),
addn AS (
  SELECT lk.id AS bid, sum(i.a) AS amt FROM items i CROSS JOIN LATERAL unnest(i.b) AS ib(bid) JOIN lk ON lk.id = ib.bid
  WHERE lk.scope <> 'MODEL' OR lk.subject = i.m GROUP BY lk.id
)
UPDATE budgets b SET
  spent_micros = lk.spent + coalesce(addn.amt, 0),
  reserved_micros = greatest(0, b.reserved_micros - coalesce(rel.amt, 0)),
  resets_at = ${NEXT_RESET},
  updated_at = now()
FROM lk LEFT JOIN addn ON addn.bid = lk.id LEFT JOIN rel ON rel.bid = lk.id
WHERE b.id = lk.id
RETURNING b.id, b.scope, b.subject, b.period, b.action, b.limit_micros::float8 AS limit, b.spent_micros::float8 AS spent,
  coalesce(addn.amt, 0)::float8 AS added, b.reserved_micros::float8 AS reserved, b.thresholds, b.webhook_url, b.time_zone`;
}

export interface TokenFix {
  /** Limit ids. */
  l: string[];
  /** Slot the tokens were charged to. */
  s: number;
  /** Actual minus charged tokens. */
  d: number;
}

/** Replaces the tokens charged at admission by the actual count, in the slot they were charged to. */
export function tokenFixStatement(items: TokenFix[]): SQL {
  return sql`WITH
items AS (SELECT x.s, x.d, lid FROM jsonb_to_recordset(${json(items)}) AS x(l text[], s bigint, d bigint) CROSS JOIN LATERAL unnest(x.l) AS lid),
agg AS (SELECT lid, s, sum(d) AS d FROM items GROUP BY lid, s),
lk AS MATERIALIZED (SELECT id, win_slots, win_tokens FROM rate_limits WHERE id IN (SELECT lid FROM agg) ORDER BY id FOR UPDATE)
UPDATE rate_limits l SET win_tokens = coalesce((
  SELECT array_agg(greatest(0, w.t + coalesce((SELECT agg.d FROM agg WHERE agg.lid = lk.id AND agg.s = w.s), 0)) ORDER BY w.ord)
  FROM unnest(lk.win_slots, lk.win_tokens) WITH ORDINALITY AS w(s, t, ord)
), '{}')
FROM lk WHERE l.id = lk.id`;
}

/** Releases holds whose instance stopped renewing them. Skips rows a settle is deleting right now. */
export function sweepStatement(limit = 1000): SQL {
  return sql`WITH
h AS (
  DELETE FROM budget_holds WHERE id IN (
    SELECT id FROM budget_holds WHERE expires_at < now() ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
  ) RETURNING budget_ids, amount_micros
),
rel AS (SELECT bid, sum(amount_micros) AS amt FROM h, unnest(h.budget_ids) AS bid GROUP BY bid),
lk AS MATERIALIZED (SELECT b.id FROM budgets b WHERE b.id IN (SELECT bid FROM rel) ORDER BY b.id FOR UPDATE),
up AS (
  UPDATE budgets b SET reserved_micros = greatest(0, b.reserved_micros - rel.amt)
  FROM lk JOIN rel ON rel.bid = lk.id WHERE b.id = lk.id RETURNING b.id
)
SELECT (SELECT count(*) FROM h)::int AS holds, (SELECT count(*) FROM up)::int AS budgets`;
}

export function renewStatement(instanceId: string, ttlMs: number): SQL {
  return sql`UPDATE budget_holds SET expires_at = now() + ${ttlMs}::bigint * interval '1 millisecond' WHERE instance_id = ${instanceId}`;
}

/** postgres.js returns bigints as strings, PGlite as numbers; JSON built in SQL is numbers either way. */
export function normaliseBudget(b: BudgetState): BudgetState {
  return { id: b.id, action: b.action, limit: Number(b.limit), spent: Number(b.spent), reserved: Number(b.reserved) };
}

export function normaliseAdmit(r: AdmitRow | undefined): AdmitRow {
  if (!r) throw new Error("admission statement returned no row");
  return {
    ok: r.ok,
    would: r.would,
    lim_ok: r.lim_ok,
    granted: Number(r.granted),
    budgets: r.budgets ? r.budgets.map(normaliseBudget) : null,
    limits: r.limits
      ? r.limits.map((w) => ({
          id: w.id,
          rpm: w.rpm === null ? null : Number(w.rpm),
          tpm: w.tpm === null ? null : Number(w.tpm),
          slots: (w.slots ?? []).map(Number),
          reqs: (w.reqs ?? []).map(Number),
          toks: (w.toks ?? []).map(Number),
        }))
      : null,
  };
}
