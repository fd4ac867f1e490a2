import { and, arrayOverlaps, desc, eq, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { requestBodies, usageRecords } from "../../db/schema.js";
import { ErrorCode, GatewayError, badInput } from "../../domain/errors.js";
import { usdToMicros } from "../../domain/money.js";
import type { Principal } from "../auth/keys.js";
import type { UsageStatus } from "./usage-query.js";

export type RequestRow = typeof usageRecords.$inferSelect;

export interface RequestFilter {
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  models?: readonly string[] | null | undefined;
  providers?: readonly string[] | null | undefined;
  users?: readonly string[] | null | undefined;
  teams?: readonly string[] | null | undefined;
  keys?: readonly string[] | null | undefined;
  statuses?: readonly UsageStatus[] | null | undefined;
  errorCodes?: readonly string[] | null | undefined;
  /** Requests carrying any of these tags. */
  tags?: readonly string[] | null | undefined;
  minLatencyMs?: number | null | undefined;
  minCostUsd?: number | null | undefined;
}

export interface RequestPage {
  rows: RequestRow[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface StoredBody {
  request: unknown;
  response: string | null;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** Opaque keyset cursor: the row's (created_at, id), newest first. */
export function encodeCursor(r: { createdAt: Date; id: string }): string {
  return Buffer.from(`${r.createdAt.toISOString()}|${r.id}`, "utf8").toString("base64url");
}

function decodeCursor(c: string): { at: Date; id: string } {
  const text = Buffer.from(c, "base64url").toString("utf8");
  const i = text.indexOf("|");
  const at = new Date(text.slice(0, i));
  if (i < 0 || !(at.getTime() >= 0 && at.getTime() <= LATEST)) throw badInput("`after` is not a cursor from this API");
  return { at, id: text.slice(i + 1) };
}

/** Last instant a query bound means anything (Postgres has no year 0 and JS dates run past its range). */
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A time bound of a query, brought into the range records can have (1970 – 9999): "from year 1" means
 * from the start. Outside it Postgres refuses the value (year 0, or past its range), an internal error.
 */
export function clampInstant(d: Date): Date {
  const t = d.getTime();
  return t < 0 ? new Date(0) : t > LATEST ? new Date(LATEST) : d;
}

/** The most a cost filter can mean: a budget's largest limit (larger overflows the micro-dollar column). */
const MAX_COST_FILTER_USD = 1e9;

/**
 * The request log: raw usage records, newest first, keyset-paginated on (created_at, id) so a page
 * costs the same at any depth. Members see only their own requests; bodies are readable by admins
 * and the owning user only.
 */
export class RequestLog {
  constructor(private readonly db: Database) {}

  async list(p: Principal, filter: RequestFilter, first: number | null | undefined, after: string | null | undefined): Promise<RequestPage> {
    const limit = first ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
    const conds = this.conditions(p, filter);
    if (after) {
      const c = decodeCursor(after);
      conds.push(or(lt(usageRecords.createdAt, c.at), and(eq(usageRecords.createdAt, c.at), lt(usageRecords.id, c.id)))!);
    }
    const rows = await this.db.db
      .select()
      .from(usageRecords)
      .where(and(...conds))
      .orderBy(desc(usageRecords.createdAt), desc(usageRecords.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const cursors = page.map(encodeCursor);
    return { rows: page, cursors, hasNextPage: rows.length > limit, endCursor: cursors.at(-1) ?? null };
  }

  /** One request by id; null when unknown or, for a member, someone else's (which does not reveal that it exists). */
  async get(p: Principal, id: string): Promise<RequestRow | null> {
    const [row] = await this.db.db.select().from(usageRecords).where(eq(usageRecords.id, id)).limit(1);
    return row && canSeeBody(p, row.userId) ? row : null;
  }

  /** Bodies of the given requests that `p` may read (admins: all; members: their own). */
  async bodies(p: Principal, rows: readonly Pick<RequestRow, "id" | "userId">[]): Promise<Map<string, StoredBody>> {
    const ids = rows.filter((r) => canSeeBody(p, r.userId)).map((r) => r.id);
    const out = new Map<string, StoredBody>();
    if (ids.length === 0) return out;
    const found = await this.db.db
      .select({ id: requestBodies.id, request: requestBodies.request, response: requestBodies.response })
      .from(requestBodies)
      .where(inArray(requestBodies.id, ids));
    for (const b of found) out.set(b.id, { request: b.request, response: b.response });
    return out;
  }

  private conditions(p: Principal, f: RequestFilter): SQL[] {
    const conds: SQL[] = [];
    const users = f.users ? [...f.users] : null;
    if (p.role !== "ADMIN") {
      if (users && users.some((u) => u !== p.userId)) throw new GatewayError(ErrorCode.FORBIDDEN, "members may only see their own requests");
      conds.push(eq(usageRecords.userId, p.userId));
    } else if (users) conds.push(inArray(usageRecords.userId, users));
    if (f.from) conds.push(gte(usageRecords.createdAt, clampInstant(f.from)));
    if (f.to) conds.push(lt(usageRecords.createdAt, clampInstant(f.to)));
    if (f.models) conds.push(or(inArray(usageRecords.modelServed, [...f.models]), inArray(usageRecords.modelRequested, [...f.models]))!);
    if (f.providers) conds.push(inArray(usageRecords.provider, [...f.providers]));
    if (f.teams) conds.push(inArray(usageRecords.teamId, [...f.teams]));
    if (f.keys) conds.push(inArray(usageRecords.keyId, [...f.keys]));
    if (f.statuses) conds.push(inArray(usageRecords.status, [...f.statuses]));
    if (f.errorCodes) conds.push(inArray(usageRecords.errorCode, [...f.errorCodes]));
    // Like the other lists, an empty one matches nothing (drizzle's arrayOverlaps refuses it).
    if (f.tags) conds.push(f.tags.length ? arrayOverlaps(usageRecords.tags, [...f.tags]) : sql`false`);
    if (f.minLatencyMs != null) conds.push(gte(usageRecords.latencyMs, f.minLatencyMs));
    if (f.minCostUsd != null) {
      if (!(Math.abs(f.minCostUsd) <= MAX_COST_FILTER_USD)) throw badInput(`filter.minCostUsd: at most ${MAX_COST_FILTER_USD} USD`);
      conds.push(gte(usageRecords.costMicroUsd, usdToMicros(f.minCostUsd)));
    }
    for (const [k, v] of Object.entries(f)) if (Array.isArray(v) && v.length > 200) throw badInput(`filter.${k}: at most 200 values`);
    return conds.length ? conds : [sql`true`];
  }
}

/** Whether `p` sees a request in the log: the rule `conditions` applies in SQL (admins: all; members: their own). */
export function canSeeRequest(p: Principal, ownerUserId: string | null): boolean {
  return p.role === "ADMIN" || (ownerUserId !== null && ownerUserId === p.userId);
}

export function canSeeBody(p: Principal, ownerUserId: string | null): boolean {
  return canSeeRequest(p, ownerUserId);
}
