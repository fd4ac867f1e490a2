import { randomBytes } from "node:crypto";
import { eq, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { apiKeys, budgets, rateLimits } from "../../db/schema.js";
import { badInput } from "../../domain/errors.js";
import type { Principal } from "../auth/keys.js";
import type { Catalogue } from "../catalogue/index.js";
import { firstReset } from "./sql.js";
import type { BudgetAction, BudgetView, Period, RateLimitView, Scope } from "./types.js";

/** A limit above this is a typo, not a budget (and keeps micro-USD far inside 2^53). */
export const MAX_LIMIT_USD = 1_000_000_000;
const MAX_RPM = 10_000_000;
const MAX_TPM = 2_000_000_000;
const SUBJECT_RE = /^[\w.@:/+-]{1,256}$/;

export interface BudgetInput {
  scope: Scope;
  subject?: string | null | undefined;
  period: Period;
  limitUsd: number;
  alertThresholds?: number[] | null | undefined;
  action?: BudgetAction | null | undefined;
  timeZone?: string | null | undefined;
  webhookUrl?: string | null | undefined;
  spikeMultiplier?: number | null | undefined;
  spikeWindowMinutes?: number | null | undefined;
}

export interface RateLimitInput {
  scope: Scope;
  subject?: string | null | undefined;
  requestsPerMinute?: number | null | undefined;
  tokensPerMinute?: number | null | undefined;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString("base64url")}`;

/** Checks the subject of a scope exists (a key, a user or team that owns keys, a catalogue model). */
export async function validateSubject(db: Database, catalogue: Catalogue, scope: Scope, raw: string | null | undefined): Promise<string> {
  const subject = raw?.trim() ?? "";
  if (scope === "GLOBAL") {
    if (subject !== "") throw badInput("a GLOBAL budget or limit has no subject; leave subject null");
    return "";
  }
  if (subject === "") throw badInput(`scope ${scope} needs a subject (the ${scope.toLowerCase()} it applies to)`);
  if (!SUBJECT_RE.test(subject)) throw badInput("subject must be 1-256 letters, digits or _ . @ : / + -");
  switch (scope) {
    case "MODEL":
      if (!catalogue.get(subject)) throw badInput(`unknown model "${subject}"`, { suggestions: catalogue.suggest(subject) });
      return subject;
    case "TAG":
      if (subject.length > 64) throw badInput("tags are at most 64 characters");
      return subject;
    case "KEY":
    case "USER":
    case "TEAM": {
      const col = scope === "KEY" ? apiKeys.id : scope === "USER" ? apiKeys.userId : apiKeys.teamId;
      const [row] = await db.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(col, subject)).limit(1);
      if (!row) throw badInput(`unknown ${scope.toLowerCase()} "${subject}": no API key ${scope === "KEY" ? "has that id" : `belongs to that ${scope.toLowerCase()}`}`);
      return subject;
    }
  }
}

export async function validateTimeZone(db: Database, tz: string): Promise<string> {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    throw badInput(`unknown time zone "${tz}": use an IANA name such as "Europe/Paris" or "UTC"`);
  }
  // Postgres computes the resets, so its tz database must know the name too.
  try {
    await db.rows(sql`SELECT now() AT TIME ZONE ${tz}::text`);
  } catch {
    throw badInput(`time zone "${tz}" is not known to the database`);
  }
  return tz;
}

export function validateBudgetInput(input: BudgetInput): { limitMicros: number; thresholds: number[]; webhookUrl: string | null; spike: [number, number] | [null, null] } {
  const l = input.limitUsd;
  if (!Number.isFinite(l) || l < 0) throw badInput("limitUsd must be a number of USD, 0 or more");
  if (l > MAX_LIMIT_USD) throw badInput(`limitUsd must be at most ${MAX_LIMIT_USD}`);
  const raw = input.alertThresholds ?? [0.5, 0.8, 1];
  if (raw.length > 10) throw badInput("at most 10 alertThresholds");
  for (const t of raw) if (!Number.isFinite(t) || t <= 0 || t > 10) throw badInput("alertThresholds are fractions of the limit, above 0 and at most 10 (1 = 100 %)");
  const thresholds = [...new Set(raw)].sort((a, b) => a - b);
  let webhookUrl: string | null = null;
  if (input.webhookUrl) {
    let u: URL;
    try {
      u = new URL(input.webhookUrl);
    } catch {
      throw badInput("webhookUrl must be an absolute http(s) URL");
    }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || input.webhookUrl.length > 2048) throw badInput("webhookUrl must be an absolute http(s) URL");
    webhookUrl = u.toString();
  }
  const m = input.spikeMultiplier ?? null;
  const w = input.spikeWindowMinutes ?? null;
  if ((m === null) !== (w === null)) throw badInput("spikeMultiplier and spikeWindowMinutes go together");
  if (m !== null && (!Number.isFinite(m) || m <= 1 || m > 1000)) throw badInput("spikeMultiplier must be above 1 and at most 1000");
  if (w !== null && (!Number.isInteger(w) || w < 1 || w > 1440)) throw badInput("spikeWindowMinutes must be 1-1440");
  return { limitMicros: Math.round(l * 1_000_000), thresholds, webhookUrl, spike: m !== null && w !== null ? [m, w] : [null, null] };
}

export function validateRateLimitInput(input: RateLimitInput): { rpm: number | null; tpm: number | null } {
  const rpm = input.requestsPerMinute ?? null;
  const tpm = input.tokensPerMinute ?? null;
  if (rpm === null && tpm === null) throw badInput("set requestsPerMinute, tokensPerMinute or both");
  if (rpm !== null && (!Number.isInteger(rpm) || rpm < 1 || rpm > MAX_RPM)) throw badInput(`requestsPerMinute must be 1-${MAX_RPM}`);
  if (tpm !== null && (!Number.isInteger(tpm) || tpm < 1 || tpm > MAX_TPM)) throw badInput(`tokensPerMinute must be 1-${MAX_TPM}`);
  return { rpm, tpm };
}

/** Upserts by (scope, subject, period); spent is kept, the definition replaced. */
export async function upsertBudget(db: Database, input: BudgetInput, subject: string, tz: string): Promise<string> {
  const v = validateBudgetInput(input);
  const reset = input.period === "TOTAL" ? sql`NULL::timestamptz` : firstReset(input.period, tz);
  const values = {
    limitMicros: v.limitMicros,
    thresholds: v.thresholds,
    action: input.action ?? "BLOCK",
    timeZone: tz,
    webhookUrl: v.webhookUrl,
    spikeMultiplier: v.spike[0],
    spikeWindowMinutes: v.spike[1],
  };
  const [row] = await db.db
    .insert(budgets)
    .values({ id: newId("bud"), scope: input.scope, subject, period: input.period, ...values, resetsAt: reset })
    .onConflictDoUpdate({
      target: [budgets.scope, budgets.subject, budgets.period],
      // A new time zone moves the current period's end; otherwise it stays where it was. A period that
      // ended unnoticed (no request since) is reset first: moving its end must not carry its spending over.
      set: {
        ...values,
        spentMicros: sql`CASE WHEN ${budgets.resetsAt} IS NOT NULL AND ${budgets.resetsAt} <= now() AND ${budgets.timeZone} <> ${tz}::text THEN 0 ELSE ${budgets.spentMicros} END`,
        resetsAt: sql`CASE WHEN ${budgets.timeZone} = ${tz}::text THEN ${budgets.resetsAt} ELSE ${reset} END`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: budgets.id });
  return row!.id;
}

export async function upsertRateLimit(db: Database, input: RateLimitInput, subject: string): Promise<string> {
  const { rpm, tpm } = validateRateLimitInput(input);
  const [row] = await db.db
    .insert(rateLimits)
    .values({ id: newId("rl"), scope: input.scope, subject, requestsPerMinute: rpm, tokensPerMinute: tpm })
    .onConflictDoUpdate({ target: [rateLimits.scope, rateLimits.subject], set: { requestsPerMinute: rpm, tokensPerMinute: tpm, updatedAt: sql`now()` } })
    .returning({ id: rateLimits.id });
  return row!.id;
}

interface BudgetRow {
  id: string;
  scope: Scope;
  subject: string;
  period: Period;
  limit_micros: number | string;
  spent: number | string;
  reserved_micros: number | string;
  resets_ms: number | string | null;
  thresholds: number[];
  action: BudgetAction;
  time_zone: string;
  webhook_url: string | null;
  spike_multiplier: number | null;
  spike_window_minutes: number | null;
  created_ms: number | string;
  updated_ms: number | string;
}

/** Budgets as they stand now: a period that has ended reads as reset, even before a request touches it. */
export async function readBudgets(db: Database, where: { ids?: string[]; scope?: Scope; subject?: string } = {}): Promise<BudgetView[]> {
  const conds = [sql`true`];
  if (where.ids) conds.push(sql`b.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(where.ids)}::jsonb))`);
  if (where.scope) conds.push(sql`b.scope = ${where.scope}`);
  if (where.subject !== undefined) conds.push(sql`b.subject = ${where.subject}`);
  const rows = await db.rows<BudgetRow>(sql`
    SELECT b.id, b.scope, b.subject, b.period, b.limit_micros, b.reserved_micros, b.thresholds, b.action, b.time_zone,
      b.webhook_url, b.spike_multiplier, b.spike_window_minutes,
      (extract(epoch FROM b.created_at) * 1000)::float8 AS created_ms, (extract(epoch FROM b.updated_at) * 1000)::float8 AS updated_ms,
      CASE WHEN b.resets_at IS NOT NULL AND b.resets_at <= now() THEN 0 ELSE b.spent_micros END AS spent,
      (extract(epoch FROM sb_policy_next_reset(b.period, b.time_zone, b.resets_at)) * 1000)::float8 AS resets_ms
    FROM budgets b WHERE ${sql.join(conds, sql` AND `)}
    ORDER BY b.scope, b.subject, b.period`);
  return rows.map((r) => {
    const limit = Number(r.limit_micros);
    const spent = Number(r.spent);
    const reserved = Number(r.reserved_micros);
    return {
      id: r.id,
      scope: r.scope,
      subject: r.subject,
      period: r.period,
      limitMicros: limit,
      spentMicros: spent,
      reservedMicros: reserved,
      remainingMicros: Math.max(0, limit - spent - reserved),
      resetsAt: r.resets_ms === null ? null : new Date(Number(r.resets_ms)),
      thresholds: (r.thresholds ?? []).map(Number),
      action: r.action,
      timeZone: r.time_zone,
      webhookUrl: r.webhook_url,
      spikeMultiplier: r.spike_multiplier === null ? null : Number(r.spike_multiplier),
      spikeWindowMinutes: r.spike_window_minutes === null ? null : Number(r.spike_window_minutes),
      createdAt: new Date(Number(r.created_ms)),
      updatedAt: new Date(Number(r.updated_ms)),
    };
  });
}

export async function readRateLimits(db: Database, nowMs: number, where: { ids?: string[] } = {}): Promise<RateLimitView[]> {
  const q = db.db.select().from(rateLimits);
  const rows = await (where.ids ? q.where(sql`${rateLimits.id} IN (SELECT jsonb_array_elements_text(${JSON.stringify(where.ids)}::jsonb))`) : q).orderBy(
    rateLimits.scope,
    rateLimits.subject,
  );
  const slot = Math.floor(nowMs / 1000);
  return rows.map((r) => {
    let reqs = 0;
    let toks = 0;
    r.winSlots.forEach((s, i) => {
      if (Number(s) > slot - 60) {
        reqs += Number(r.winRequests[i] ?? 0);
        toks += Number(r.winTokens[i] ?? 0);
      }
    });
    return {
      id: r.id,
      scope: r.scope,
      subject: r.subject,
      requestsPerMinute: r.requestsPerMinute,
      tokensPerMinute: r.tokensPerMinute === null ? null : Number(r.tokensPerMinute),
      requestsInWindow: reqs,
      tokensInWindow: toks,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  });
}

/**
 * What a member may see: budgets and limits that apply to their own requests — their keys,
 * themselves, their team, everyone (GLOBAL), models their key may call, and tags (any request
 * of theirs may carry one) — and nothing about other users, teams or keys.
 */
export class MemberScope {
  private constructor(
    private readonly p: Principal,
    private readonly keyIds: Set<string>,
  ) {}

  static async of(db: Database, p: Principal): Promise<MemberScope> {
    const rows = await db.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(or(eq(apiKeys.id, p.keyId), eq(apiKeys.userId, p.userId)));
    return new MemberScope(p, new Set([p.keyId, ...rows.map((r) => r.id)]));
  }

  covers(scope: Scope, subject: string | null): boolean {
    const s = subject ?? "";
    switch (scope) {
      case "GLOBAL":
      case "TAG":
        return true;
      case "KEY":
        return this.keyIds.has(s);
      case "USER":
        return s === this.p.userId;
      case "TEAM":
        return this.p.teamId !== null && s === this.p.teamId;
      case "MODEL":
        return this.p.allowedModels === null || this.p.allowedModels.includes(s);
    }
  }
}
