import { print } from "graphql";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, usingPostgres, type TestApp } from "../helpers/app.js";
import { wsClient } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { POLICY_UPSTREAM_KEY, ask, budgetRow, complete, createKey, holdCount, policyConfig, seesBudgets, setBudget, setRateLimit } from "../helpers/policy.js";
import { BudgetAlertsDocument, type BudgetAlertsSubscription } from "../generated/graphql.js";

/**
 * Three gateway instances (separate pools, one Postgres schema) against shared budgets and limits:
 * the numbers the "Done means" asks for.
 */
describe.runIf(usingPostgres())("three instances on one Postgres", { timeout: 180_000 }, () => {
  let fake: FakeOpenAI;
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;
  let key: { id: string; secret: string };
  // Holds live 30 s unless renewed (the default): under this much load a pool can be busy for seconds,
  // and a hold must never lapse while its request runs. Only the instance killed in (c) uses a short TTL.
  const config = (holdTtlMs = 30_000) => policyConfig(fake.url, { holdTtlMs, sweepIntervalMs: 200, reloadIntervalMs: 1_000, waitForHoldsMs: 60_000 });

  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
    a = await startTestApp({ file: config() });
    [b, c] = await Promise.all([startTestApp({ file: config(), shareWith: a }), startTestApp({ file: config(), shareWith: a })]);
    key = await createKey(a, { userId: "shared", teamId: "shared-team" });
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([b?.close(), c?.close()]);
    await a?.close();
    await fake?.close();
  }, 120_000);
  afterEach(async () => {
    fake.reset();
    for (const x of [a, b, c]) await x.app.services.policy.flush();
    await a.app.services.db.rows(sql`delete from budgets`);
    await a.app.services.db.rows(sql`delete from rate_limits`);
    await a.app.services.db.rows(sql`delete from budget_holds`);
    for (const x of [a, b, c]) await x.app.services.policy.index.reload();
  }, 60_000);

  /** Prints the figures of a spend test and checks that no refused request could have been paid from what was left. */
  const report = (what: string, results: Awaited<ReturnType<typeof complete>>[], row: { spent: number; limit: number }) => {
    const refused = results.filter((r) => !r.ok);
    const leftUsd = (row.limit - row.spent) / 1e6;
    const refusedWhileCovered = refused.filter((r) => !(Number(r.extensions?.requiredUsd) > leftUsd)).length;
    console.log(
      `${what}: ${results.length - refused.length} of ${results.length} admitted over 3 instances; spent $${(row.spent / 1e6).toFixed(6)} of $${(row.limit / 1e6).toFixed(2)}; ${refused.length} refused, ${refusedWhileCovered} of them while the remaining $${leftUsd.toFixed(6)} could cover them`,
    );
    expect(refusedWhileCovered).toBe(0);
  };

  const spread = <T>(n: number, f: (t: TestApp, i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f([a, b, c][i % 3]!, i)));

  it("(a) 200 parallel requests against one $1 budget end at spent = $1.00 exactly, with every request that fit admitted", async () => {
    const bud = await setBudget(a, { scope: "TEAM", subject: "shared-team", period: "DAY", limitUsd: 1 });
    for (const x of [b, c]) await seesBudgets(x, 1);
    fake.setScenario({ content: "ok", usage: { promptTokens: 12, completionTokens: 1000 } }); // $0.01 each, exactly the hold
    const results = await spread(200, (x) => complete(x, key.secret, ask("spend", { maxTokens: 1000 })));
    expect(results.filter((r) => r.ok).length).toBe(100);
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(Array.from({ length: 100 }, () => "BUDGET_EXCEEDED"));
    for (const x of [b, c]) await x.app.services.policy.flush();
    const row = await budgetRow(a, bud.id);
    report("(a) exact fit", results, row);
    expect(row).toEqual({ spent: 1_000_000, reserved: 0, limit: 1_000_000 });
    expect(await holdCount(a)).toBe(0);
    for (const x of [b, c]) await x.app.services.usage.flush();
    const rows = await usageRows(a, sql`team_id = 'shared-team' and status = 'ok'`);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.id)).size).toBe(100);
  }, 120_000);

  it("(a) when requests cost less than they hold, the rest wait for them instead of being refused: 199 of 200 fit", async () => {
    const bud = await setBudget(a, { scope: "USER", subject: "shared", period: "TOTAL", limitUsd: 1 });
    for (const x of [b, c]) await seesBudgets(x, 1);
    fake.setScenario({ content: "ok", usage: { promptTokens: 12, completionTokens: 500 } }); // holds $0.01, costs $0.005
    const results = await spread(200, (x) => complete(x, key.secret, ask("spend", { maxTokens: 1000 })));
    expect(results.filter((r) => r.ok).length).toBe(199);
    for (const x of [b, c]) await x.app.services.policy.flush();
    // $0.005 left cannot cover the last request's $0.01 hold.
    const row = await budgetRow(a, bud.id);
    report("(a) holds above cost", results, row);
    expect(row).toEqual({ spent: 995_000, reserved: 0, limit: 1_000_000 });
  }, 240_000);

  it("(d) a 60 RPM limit shared by three instances admits 60 ± 1", async () => {
    await setRateLimit(a, { scope: "KEY", subject: key.id, requestsPerMinute: 60 });
    await expect.poll(() => [b, c].every((x) => x.app.services.policy.index.limitDefs.length === 1), { timeout: 15_000 }).toBe(true);
    fake.setScenario({ content: "ok", usage: { promptTokens: 5, completionTokens: 5 } });
    const results = await spread(120, (x) => complete(x, key.secret, ask("hi", { maxTokens: 10 })));
    const admitted = results.filter((r) => r.ok).length;
    console.log(`(d) 60 RPM shared by 3 instances: ${admitted} of 120 admitted within the minute, ${results.length - admitted} RATE_LIMITED`);
    expect(admitted).toBeGreaterThanOrEqual(59);
    expect(admitted).toBeLessThanOrEqual(61);
    expect(results.filter((r) => !r.ok).every((r) => r.code === "RATE_LIMITED" && Number(r.extensions?.retryAfterMs) > 0)).toBe(true);
    expect(fake.requests.length).toBe(admitted);
  }, 120_000);

  it("alerts raised on one instance reach subscribers on the others", async () => {
    const client = wsClient(c.wsUrl, `Bearer ${c.adminKey}`);
    const alerts: BudgetAlertsSubscription["budgetAlerts"][] = [];
    const stop = client.subscribe<BudgetAlertsSubscription>({ query: print(BudgetAlertsDocument) }, { next: (v) => v.data && alerts.push(v.data.budgetAlerts), error: () => undefined, complete: () => undefined });
    await expect.poll(() => c.app.services.policy.alerts.subscriberCount, { timeout: 10_000 }).toBe(1);
    const bud = await setBudget(a, { scope: "USER", subject: "shared", period: "DAY", limitUsd: 0.02 });
    await seesBudgets(b, 1);
    fake.setScenario({ content: "ok", usage: { promptTokens: 12, completionTokens: 1000 } });
    expect((await complete(b, key.secret, ask("x", { maxTokens: 1000 }))).ok).toBe(true);
    await expect.poll(() => alerts.length, { timeout: 10_000 }).toBe(1);
    expect(alerts[0]).toMatchObject({ kind: "THRESHOLD", threshold: 0.5, budgetId: bud.id });
    stop();
    await client.dispose();
  });

  it("(c) an instance that dies holding budget leaves no hold behind once its holds expire", async () => {
    const bud = await setBudget(a, { scope: "USER", subject: "shared", period: "TOTAL", limitUsd: 1 });
    const doomed = await startTestApp({ file: config(1_500), shareWith: a });
    const clients = Array.from({ length: 3 }, () => new AbortController());
    try {
      await seesBudgets(doomed, 1);
      fake.setScenario({ hang: true });
      // Three streams in flight on the doomed instance, each holding money.
      const streams = clients.map((ac) =>
        fetch(`${doomed.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "local/m", stream: true, messages: [{ role: "user", content: "hang" }] }),
          signal: ac.signal,
        }).catch(() => undefined),
      );
      await fake.waitFor((f) => f.requests.length === 3, 15_000);
      expect(await holdCount(a)).toBe(3);
      expect((await budgetRow(a, bud.id)).reserved).toBe(3 * 2_560);
      // "Kill" it: its database connections go away without settling or releasing anything.
      await doomed.app.services.db.close();
      const killedAt = Date.now();
      await expect.poll(() => holdCount(a), { timeout: 20_000, interval: 100 }).toBe(0);
      // Released by the survivors' sweepers within the hold TTL (1.5 s) plus a sweep or two.
      console.log(`(c) the killed instance's 3 holds were released ${Date.now() - killedAt} ms after it died (hold TTL 1 500 ms, sweeps every 200 ms)`);
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      expect(await budgetRow(a, bud.id)).toEqual({ spent: 0, reserved: 0, limit: 1_000_000 });
      for (const ac of clients) ac.abort();
      await Promise.all(streams);
    } finally {
      for (const ac of clients) ac.abort();
      await doomed.close().catch(() => undefined);
    }
  }, 120_000);
});
