import { sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, usingPostgres, type TestApp } from "../helpers/app.js";
import { subscribeAll } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { POLICY_UPSTREAM_KEY, ask, budgetRow, complete, createKey, holdCount, policyConfig, setBudget, clearBudgets } from "../helpers/policy.js";
import { CompletionStreamDocument, type CompletionStreamSubscription } from "../generated/graphql.js";

/**
 * Holds, not hopes, on one instance (PGlite or Postgres). `local/m` costs 10 µ$ per output token
 * and nothing for input, so every cost below is output tokens × 10 µ$.
 */
let fake: FakeOpenAI;
let t: TestApp;
let key: { id: string; secret: string };

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
  t = await startTestApp({ file: policyConfig(fake.url, { waitForHoldsMs: 60_000 }) });
  key = await createKey(t, { userId: "holder", teamId: "holders" });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
}, 60_000);
afterEach(async () => {
  fake.reset();
  await clearBudgets(t);
}, 60_000);

const text = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? e.completionStream.content : "")).join("");

describe("parallel requests against one budget", { timeout: 120_000 }, () => {
  // Postgres races many connections; PGlite runs one statement at a time, so fewer requests make the same point.
  const n = usingPostgres() ? 200 : 60;

  it(`(a) ${n} parallel requests never push spent over the limit, and every request that fits is admitted`, async () => {
    const perRequest = 10_000; // maxTokens 1000 × 10 µ$: the hold equals the actual cost
    const limitMicros = (n / 2) * perRequest;
    const b = await setBudget(t, { scope: "USER", subject: "holder", period: "TOTAL", limitUsd: limitMicros / 1e6 });
    expect(b.errors).toBeUndefined();
    fake.setScenario({ content: "ok", usage: { promptTokens: 7, completionTokens: 1000 } });
    const results = await Promise.all(Array.from({ length: n }, () => complete(t, key.secret, ask("spend", { maxTokens: 1000 }))));
    const ok = results.filter((r) => r.ok);
    expect(ok.length).toBe(n / 2);
    expect(results.filter((r) => !r.ok).every((r) => r.code === "BUDGET_EXCEEDED")).toBe(true);
    const row = await budgetRow(t, b.id);
    console.log(`(a) ${n} parallel requests, one instance, $${limitMicros / 1e6} budget: ${ok.length} admitted, spent $${(row.spent / 1e6).toFixed(6)}, reserved ${row.reserved}`);
    expect(row).toEqual({ spent: limitMicros, reserved: 0, limit: limitMicros });
    expect(await holdCount(t)).toBe(0);
    const rows = await usageRows(t, sql`status = 'ok' and user_id = 'holder'`);
    expect(rows.reduce((s, r) => s + Number(r.cost_micro_usd), 0)).toBe(limitMicros);
  }, 120_000);

  it("requests wait for running ones that settle below their hold instead of being refused", async () => {
    // Each holds 1000 tokens (10 000 µ$) but costs 500: all but the last fit, and they must get in.
    const limitMicros = n * 5_000;
    const b = await setBudget(t, { scope: "USER", subject: "holder", period: "TOTAL", limitUsd: limitMicros / 1e6 });
    fake.setScenario({ content: "ok", usage: { promptTokens: 7, completionTokens: 500 } });
    const results = await Promise.all(Array.from({ length: n }, () => complete(t, key.secret, ask("spend", { maxTokens: 1000 }))));
    const admitted = results.filter((r) => r.ok).length;
    // The last request needs a 10 000 µ$ hold when only 5 000 µ$ are left: refused, rightly.
    expect(admitted).toBe(n - 1);
    expect(await budgetRow(t, b.id)).toEqual({ spent: (n - 1) * 5_000, reserved: 0, limit: limitMicros });
  }, 240_000);
});

describe("streams", { timeout: 120_000 }, () => {
  it("(b, e) a stream that outruns its budget is cut with BUDGET_EXCEEDED; the client keeps its tokens and the cut is billed", async () => {
    const b = await setBudget(t, { scope: "KEY", subject: key.id, period: "TOTAL", limitUsd: 0.001 }); // 100 tokens
    fake.setScenario({ tokens: Array.from({ length: 400 }, () => " w"), itlMs: 2, usage: { promptTokens: 5, completionTokens: 400 } });
    const r = await subscribeAll(t.wsUrl, key.secret, CompletionStreamDocument, { input: ask("talk a lot") });
    expect(r.errors.map((e) => e.extensions?.code)).toEqual(["BUDGET_EXCEEDED"]);
    const got = text(r.events);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(400 * 2);
    const [row] = await usageRows(t, sql`key_id = ${key.id} and error_code = 'BUDGET_EXCEEDED' and stream`);
    expect(row).toMatchObject({ status: "error", stream: true, tokens_estimated: true });
    // The upstream tokens received before the cut, one " w" each (the output guard may still hold back the last one).
    expect(row!.output_tokens).toBeGreaterThanOrEqual(Math.floor(got.length / 2));
    expect(row!.output_tokens).toBeLessThanOrEqual(Math.ceil(got.length / 2) + 1);
    expect(Number(row!.cost_micro_usd)).toBe(row!.output_tokens * 10);
    const after = await budgetRow(t, b.id);
    console.log(`(b) stream cut with BUDGET_EXCEEDED after ${row!.output_tokens} of 400 tokens; billed $${(after.spent / 1e6).toFixed(6)} of a $${(after.limit / 1e6).toFixed(6)} budget`);
    expect(after).toEqual({ spent: Number(row!.cost_micro_usd), reserved: 0, limit: 1_000 });
    expect(after.spent).toBeLessThanOrEqual(after.limit);
    await expect.poll(() => fake.aborted).toBe(1);
  });

  it("(e) a completed stream is billed from provider usage and extends its hold in steps as it grows", async () => {
    const b = await setBudget(t, { scope: "TEAM", subject: "holders", period: "TOTAL", limitUsd: 1 });
    fake.setScenario({ tokens: Array.from({ length: 700 }, () => " w"), usage: { promptTokens: 5, completionTokens: 700 } });
    const r = await subscribeAll(t.wsUrl, key.secret, CompletionStreamDocument, { input: ask("long answer") });
    expect(r.errors).toEqual([]);
    const done = r.events.at(-1)!.completionStream;
    expect(done.__typename).toBe("CompletionDone");
    if (done.__typename !== "CompletionDone") return;
    console.log(`(e) completed stream of 700 tokens billed $${done.completion.costUsd} from provider usage`);
    expect(done.completion.costUsd).toBeCloseTo(0.007, 9);
    expect(await budgetRow(t, b.id)).toEqual({ spent: 7_000, reserved: 0, limit: 1_000_000 });
  });
});

describe("holds of an instance that stops", { timeout: 120_000 }, () => {
  it("(c) expired holds are released by the sweeper, while a live stream's hold is renewed", async () => {
    // An instance of its own with a 3 s hold TTL (renewed every second), to watch several expiries go by.
    const short = await startTestApp({ file: policyConfig(fake.url, { holdTtlMs: 3_000 }), ...(t.dbSchema ? { shareWith: t } : {}) });
    const s = t.dbSchema ? t : short; // PGlite: a database of its own; Postgres: the same one
    try {
      if (s === short) await createKey(short, { userId: "holder", teamId: "holders" });
      const b = await setBudget(s, { scope: "USER", subject: "holder", period: "TOTAL", limitUsd: 1 });
      if (s !== short) await expect.poll(() => short.app.services.policy.index.budgetDefs.length).toBe(1);
      // A hold left by an instance that died: never renewed, already past its expiry.
      await s.app.services.db.rows(sql`insert into budget_holds (id, instance_id, budget_ids, amount_micros, expires_at)
        values ('ghost-request', 'dead-instance', ARRAY[${b.id}], 250000, now() - interval '1 second')`);
      await s.app.services.db.rows(sql`update budgets set reserved_micros = reserved_micros + 250000 where id = ${b.id}`);
      // Meanwhile the short-TTL instance streams from an upstream that hangs: its hold must outlive several TTLs.
      fake.setScenario({ hang: true });
      const controller = new AbortController();
      const stream = short.app.services.gateway.stream(
        { principal: { keyId: key.id, role: "MEMBER", userId: "holder", teamId: "holders", allowedModels: null }, transport: "graphql", signal: controller.signal },
        { model: "local/m", messages: [{ role: "user", content: "hang" }] },
      );
      const pending = stream.next().catch(() => undefined);
      await fake.waitFor((f) => f.requests.length === 1, 10_000);
      await expect.poll(async () => (await budgetRow(s, b.id)).reserved, { timeout: 15_000 }).toBe(2_560);
      expect(await holdCount(s)).toBe(1);
      await new Promise((r) => setTimeout(r, 7_000)); // > 2 TTLs
      expect(await holdCount(s)).toBe(1);
      controller.abort();
      await pending;
      await stream.return(undefined);
      await short.app.services.policy.flush();
      expect(await budgetRow(s, b.id)).toEqual({ spent: 0, reserved: 0, limit: 1_000_000 });
      expect(await holdCount(s)).toBe(0);
    } finally {
      await short.close();
    }
  }, 120_000);
});

describe("REST", { timeout: 120_000 }, () => {
  it("answers an exhausted budget with 429 insufficient_quota and the budget named", async () => {
    await setBudget(t, { scope: "USER", subject: "holder", period: "DAY", limitUsd: 0.005 });
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: "local/m", messages: [{ role: "user", content: "hi" }], max_tokens: 1000 }).then(
      () => undefined,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(err?.status).toBe(429);
    expect(err?.type).toBe("insufficient_quota");
    expect(err?.message).toMatch(/USER budget "holder" \(DAY\) has \$0\.005 left/);
    expect(err?.message).toMatch(/maxTokens of at most 500 would fit/);
    const fits = await client.chat.completions.create({ model: "local/m", messages: [{ role: "user", content: "hi" }], max_tokens: 500 });
    expect(fits.choices[0]!.message.content).toBeTruthy();
  });
});
