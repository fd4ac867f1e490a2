import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompleteDocument, ExplainRouteDocument, UpsertRoutingRuleDocument } from "../generated/graphql.js";
import { startTestApp, usingPostgres, type TestApp } from "../helpers/app.js";
import { setBudget } from "../helpers/policy.js";
import { op, startRoutingFixture, userInput, type RoutingFixture } from "../helpers/routing.js";

/** Two gateway instances on one Postgres: a rule changed through one routes the next request on the other. */
describe.runIf(usingPostgres())("routing rules across instances", () => {
  let f: RoutingFixture;
  let second: TestApp;

  beforeAll(async () => {
    f = await startRoutingFixture();
    second = await startTestApp({ shareWith: f.t, file: f.file });
  });
  afterAll(async () => {
    await second?.close();
    await f?.close();
  });

  it("a rule upserted on instance 1 routes the next request on instance 2 differently, within a second", { timeout: 60_000 }, async () => {
    const ask = () => op(second, second.adminKey, CompleteDocument, { input: userInput("auto", "hello") });
    // No rule knows "auto" yet: instance 2 refuses it.
    expect((await ask()).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

    const rule = { name: "auto → a", priority: 1, when: { models: ["auto"] }, targets: [{ model: "a/gpt-4o-mini" }], strategy: "FALLBACK" as const };
    const created = await op(f.t, f.t.adminKey, UpsertRoutingRuleDocument, { input: rule });
    expect(created.errors).toBeUndefined();
    // Observed in memory on instance 2, so the figure is NOTIFY + reload, not HTTP round trips.
    const changedAt = Date.now();
    const ruleOnSecond = () => second.app.services.routing.rules()[0]?.name ?? null;
    await expect.poll(ruleOnSecond, { timeout: 5000, interval: 5 }).toBe("auto → a");
    // DESIGN: within a second (typically a few ms); the margin is for a heavily loaded test machine.
    expect(Date.now() - changedAt).toBeLessThan(2000);
    expect((await ask()).data!.complete.model).toBe("a/gpt-4o-mini");

    // Changed again on instance 1: instance 2's next request goes to b.
    const id = created.data!.upsertRoutingRule.id;
    await op(f.t, f.t.adminKey, UpsertRoutingRuleDocument, { input: { ...rule, id, name: "auto → b", targets: [{ model: "b/gpt-4o-mini" }] } });
    await expect.poll(ruleOnSecond, { timeout: 5000, interval: 5 }).toBe("auto → b");
    const c = (await ask()).data!.complete;
    expect(c.model).toBe("b/gpt-4o-mini");
    expect(f.b.requests).toHaveLength(1);
  });

  it.each([
    ["its threshold alerts (NOTIFY)", undefined],
    ["its budget-state poll (no alert thresholds)", []],
  ])("a MODEL budget spent through instance 1 makes instance 2 route around that target, learnt from %s", { timeout: 60_000 }, async (how, alertThresholds) => {
    for (const r of f.t.app.services.routing.rules()) await f.t.app.services.routing.deleteRule(r.id);
    f.a.reset();
    f.b.reset();
    const rule = { name: "auto → a, b", priority: 1, when: { models: ["auto"] }, targets: [{ model: "a/gpt-4o-mini" }, { model: "b/gpt-4o-mini" }], strategy: "FALLBACK" as const };
    expect((await op(f.t, f.t.adminKey, UpsertRoutingRuleDocument, { input: rule })).errors).toBeUndefined();
    // 12 + 1000 tokens on a cost 602 µ$ of 620: what is left cannot pay for any admission on a.
    const bud = await setBudget(f.t, { scope: "MODEL", subject: "a/gpt-4o-mini", period: "DAY", limitUsd: 0.00062, alertThresholds });
    expect(bud.errors).toBeUndefined();
    await expect.poll(() => second.app.services.routing.rules()[0]?.name ?? null, { timeout: 5000 }).toBe("auto → a, b");
    await expect.poll(() => second.app.services.policy.gauge.size, { timeout: 5000 }).toBe(1);
    f.a.setScenario({ content: "ok", usage: { promptTokens: 12, completionTokens: 1000 } });
    const input = userInput("auto", "hi", { maxTokens: 1000 });
    const first = await op(f.t, f.t.adminKey, CompleteDocument, { input });
    expect(first.data?.complete.model).toBe("a/gpt-4o-mini");
    await f.t.app.services.policy.flush();
    const settledAt = Date.now();
    const skipsA = async () => (await op(second, second.adminKey, ExplainRouteDocument, { input })).data?.explainRoute.candidates[0]?.kept;
    await expect.poll(skipsA, { timeout: 10_000, interval: 20 }).toBe(false);
    console.log(`instance 2 routes around the spent budget ${Date.now() - settledAt} ms after instance 1 settled, from ${how}`);
    const c = await op(second, second.adminKey, CompleteDocument, { input });
    expect(c.errors).toBeUndefined();
    expect(c.data!.complete.model).toBe("b/gpt-4o-mini");
    expect(f.a.requests).toHaveLength(1);
    await f.t.app.services.policy.deleteBudget(bud.id);
  });
});
