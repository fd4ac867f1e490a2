import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { TestApp } from "./app.js";
import { gql } from "./app.js";

export const POLICY_UPSTREAM_KEY = "sk-upstream-policy-0123456789abcdef";

/**
 * One model, `local/m`, priced at $0 input and $10 per million output tokens (10 µ$ a token), so
 * a request's cost is exactly its output tokens × 10 µ$ and tests can state budgets in tokens.
 */
export function policyConfig(fakeUrl: string, policy: Record<string, unknown> = {}) {
  return {
    providers: { local: { kind: "openai-compatible", baseUrl: fakeUrl, apiKey: POLICY_UPSTREAM_KEY, models: ["m"] } },
    models: [{ id: "local/m", inputPricePerMTok: 0, outputPricePerMTok: 10, contextWindow: 128_000, maxOutputTokens: 4_000, capabilities: ["chat", "streaming"] }],
    policy: { sweepIntervalMs: 200, ...policy },
    shutdown: { drainMs: 2_000 },
  };
}

export const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "local/m",
  messages: [{ role: "USER" as const, content }],
  ...extra,
});

export type GqlErrors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

export async function createKey(t: TestApp, opts: { userId: string; teamId?: string; role?: "ADMIN" | "MEMBER" }): Promise<{ id: string; secret: string }> {
  const r = await gql<{ createApiKey: { secret: string; key: { id: string } } }>(
    t,
    t.adminKey,
    `mutation($input: ApiKeyInput!) { createApiKey(input: $input) { secret key { id } } }`,
    { input: { name: `${opts.userId} key`, role: opts.role ?? "MEMBER", userId: opts.userId, teamId: opts.teamId ?? null } },
  );
  expect(r.errors).toBeUndefined();
  return { id: r.data!.createApiKey.key.id, secret: r.data!.createApiKey.secret };
}

export async function setBudget(t: TestApp, input: Record<string, unknown>, key = t.adminKey): Promise<{ id: string; errors: GqlErrors; data?: Record<string, unknown> }> {
  const r = await gql<{ setBudget: { id: string } & Record<string, unknown> }>(
    t,
    key,
    `mutation($input: BudgetInput!) { setBudget(input: $input) { id scope subject period limitUsd spentUsd reservedUsd remainingUsd resetsAt alertThresholds action timeZone webhookUrl } }`,
    { input },
  );
  return { id: r.data?.setBudget.id ?? "", errors: r.errors, ...(r.data ? { data: r.data.setBudget } : {}) };
}

export async function setRateLimit(t: TestApp, input: Record<string, unknown>, key = t.adminKey): Promise<{ id: string; errors: GqlErrors }> {
  const r = await gql<{ setRateLimit: { id: string } }>(t, key, `mutation($input: RateLimitInput!) { setRateLimit(input: $input) { id } }`, { input });
  return { id: r.data?.setRateLimit.id ?? "", errors: r.errors };
}

/** Spent and reserved micro-USD of a budget, read straight from the database after pending settlements. */
export async function budgetRow(t: TestApp, id: string): Promise<{ spent: number; reserved: number; limit: number }> {
  await t.app.services.policy.flush();
  const [r] = await t.app.services.db.rows<{ spent: string | number; reserved: string | number; lim: string | number }>(
    sql`select spent_micros as spent, reserved_micros as reserved, limit_micros as lim from budgets where id = ${id}`,
  );
  return { spent: Number(r!.spent), reserved: Number(r!.reserved), limit: Number(r!.lim) };
}

export async function holdCount(t: TestApp): Promise<number> {
  const [r] = await t.app.services.db.rows<{ n: string | number }>(sql`select count(*) as n from budget_holds`);
  return Number(r!.n);
}

/** Non-streamed completion over GraphQL; resolves with its cost or its error code. */
export async function complete(t: TestApp, key: string, input: Record<string, unknown>): Promise<{ ok: boolean; code?: string; costUsd?: number; extensions?: Record<string, unknown> }> {
  const r = await gql<{ complete: { costUsd: number } }>(t, key, `mutation($input: CompletionInput!) { complete(input: $input) { costUsd } }`, { input });
  if (r.data?.complete) return { ok: true, costUsd: r.data.complete.costUsd };
  const e = r.errors?.[0];
  return { ok: false, code: String(e?.extensions?.code ?? "NONE"), ...(e?.extensions ? { extensions: e.extensions } : {}) };
}

/** Waits until this instance's policy index knows `n` budgets (NOTIFY from another instance, or its poll). */
export async function seesBudgets(t: TestApp, n: number): Promise<void> {
  await expect.poll(() => t.app.services.policy.index.budgetDefs.length, { timeout: 15_000, interval: 50 }).toBe(n);
}

/** Between tests: writes what is queued, then drops every budget and hold (the index reloads at once). */
export async function clearBudgets(t: TestApp): Promise<void> {
  await t.app.services.policy.flush();
  await t.app.services.db.rows(sql`delete from budgets`);
  await t.app.services.db.rows(sql`delete from budget_holds`);
  await t.app.services.policy.index.reload();
}
