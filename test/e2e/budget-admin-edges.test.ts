import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { POLICY_UPSTREAM_KEY, ask, budgetRow, complete, createKey, policyConfig, setBudget } from "../helpers/policy.js";

let fake: FakeOpenAI;
let t: TestApp;
let key: { id: string; secret: string };

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
  t = await startTestApp({ file: policyConfig(fake.url) });
  key = await createKey(t, { userId: "tz-user", teamId: "tz-team" });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
afterEach(async () => {
  fake.reset();
  await t.app.services.policy.flush();
  await t.app.services.db.rows(sql`delete from budgets`);
  await t.app.services.policy.index.reload();
});

/** Yesterday's period: $0.99 of $1 spent, and it ended an hour ago with no request since to reset it. */
async function endedUnnoticed(id: string): Promise<void> {
  await t.app.services.db.rows(sql`update budgets set spent_micros = 990000, resets_at = now() - interval '1 hour' where id = ${id}`);
}

describe("upsertBudget: changing a DAY budget's time zone", () => {
  it("after its period ended unnoticed, starts the new period at zero instead of carrying yesterday's spending into it", async () => {
    const b = await setBudget(t, { scope: "USER", subject: "tz-user", period: "DAY", limitUsd: 1 });
    expect(b.errors).toBeUndefined();
    await endedUnnoticed(b.id);

    const moved = await setBudget(t, { scope: "USER", subject: "tz-user", period: "DAY", limitUsd: 1, timeZone: "Asia/Tokyo" });
    expect(moved.errors).toBeUndefined();
    expect(moved.id).toBe(b.id);
    expect(moved.data).toMatchObject({ timeZone: "Asia/Tokyo", spentUsd: 0, remainingUsd: 1 });
    const resets = new Date(moved.data!.resetsAt as string);
    expect(resets.getTime()).toBeGreaterThan(Date.now());
    expect([resets.getUTCHours(), resets.getUTCMinutes()]).toEqual([15, 0]); // local midnight in Tokyo
    expect(await budgetRow(t, b.id)).toEqual({ spent: 0, reserved: 0, limit: 1_000_000 });

    // $0.02 fits today's $1 (it would not fit the $0.01 yesterday left).
    fake.setScenario({ content: "ok", usage: { promptTokens: 1, completionTokens: 2000 } });
    expect(await complete(t, key.secret, ask("hi", { maxTokens: 2000 }))).toMatchObject({ ok: true, costUsd: 0.02 });
    expect(await budgetRow(t, b.id)).toEqual({ spent: 20_000, reserved: 0, limit: 1_000_000 });
  });

  it("within a running period keeps what was spent in it, and only moves its end", async () => {
    const b = await setBudget(t, { scope: "USER", subject: "tz-user", period: "DAY", limitUsd: 1 });
    await t.app.services.db.rows(sql`update budgets set spent_micros = 990000 where id = ${b.id}`);
    const moved = await setBudget(t, { scope: "USER", subject: "tz-user", period: "DAY", limitUsd: 1, timeZone: "America/New_York" });
    expect(moved.errors).toBeUndefined();
    expect(await budgetRow(t, b.id)).toEqual({ spent: 990_000, reserved: 0, limit: 1_000_000 });
    expect(new Date(moved.data!.resetsAt as string).getTime()).toBeGreaterThan(Date.now());
    fake.setScenario({ content: "ok", usage: { promptTokens: 1, completionTokens: 2000 } });
    expect(await complete(t, key.secret, ask("hi", { maxTokens: 2000 }))).toMatchObject({ ok: false, code: "BUDGET_EXCEEDED" });
  });
});
