import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { print } from "graphql";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient, wsClient } from "../helpers/clients.js";
import { POLICY_UPSTREAM_KEY, ask, complete, createKey, policyConfig, setBudget, setRateLimit } from "../helpers/policy.js";
import { AdmissionDocument, BudgetAlertsDocument, BudgetsDocument, DeleteBudgetDocument, type BudgetAlertsSubscription } from "../generated/graphql.js";

type Alert = BudgetAlertsSubscription["budgetAlerts"];

let fake: FakeOpenAI;
let t: TestApp;
let alice: { id: string; secret: string };
let bob: { id: string; secret: string };
let hook: { server: Server; url: string; bodies: { alert: Alert }[]; failFirst: number };

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
  t = await startTestApp({ file: policyConfig(fake.url, { spikeIntervalMs: 3_600_000 }) });
  alice = await createKey(t, { userId: "alice", teamId: "red" });
  bob = await createKey(t, { userId: "bob", teamId: "blue" });
  hook = { server: createServer(), url: "", bodies: [], failFirst: 0 };
  hook.server.on("request", (req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      hook.bodies.push(JSON.parse(raw) as { alert: Alert });
      res.statusCode = hook.failFirst-- > 0 ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, "127.0.0.1", r));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/alerts?token=abc`;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
  await new Promise((r) => hook?.server.close(r));
}, 60_000);
afterEach(async () => {
  fake.reset();
  await t.app.services.policy.flush();
  await t.app.services.db.rows(sql`delete from budgets`);
  await t.app.services.db.rows(sql`delete from rate_limits`);
  await t.app.services.policy.index.reload();
}, 60_000);

/** Collects budgetAlerts over graphql-ws; resolves once the server has registered the subscriber. */
async function watchAlerts(key: string): Promise<{ alerts: Alert[]; stop: () => Promise<void> }> {
  const before = t.app.services.policy.alerts.subscriberCount;
  const client = wsClient(t.wsUrl, `Bearer ${key}`);
  const alerts: Alert[] = [];
  const unsubscribe = client.subscribe<BudgetAlertsSubscription>({ query: print(BudgetAlertsDocument) }, { next: (v) => v.data && alerts.push(v.data.budgetAlerts), error: () => undefined, complete: () => undefined });
  await expect.poll(() => t.app.services.policy.alerts.subscriberCount, { timeout: 10_000 }).toBe(before + 1);
  return {
    alerts,
    stop: async () => {
      unsubscribe();
      await client.dispose();
      await expect.poll(() => t.app.services.policy.alerts.subscriberCount, { timeout: 10_000 }).toBe(before);
    },
  };
}

describe("setting and reading budgets", { timeout: 120_000 }, () => {
  it("creates, replaces (keeping spent) and deletes a budget; DAY periods end at local midnight of the zone", async () => {
    const created = await setBudget(t, { scope: "USER", subject: "alice", period: "DAY", limitUsd: 2.5, timeZone: "Asia/Tokyo" });
    expect(created.errors).toBeUndefined();
    expect(created.data).toMatchObject({ scope: "USER", subject: "alice", period: "DAY", limitUsd: 2.5, spentUsd: 0, reservedUsd: 0, remainingUsd: 2.5, alertThresholds: [0.5, 0.8, 1], action: "BLOCK", timeZone: "Asia/Tokyo" });
    const resets = new Date(created.data!.resetsAt as string);
    expect([resets.getUTCHours(), resets.getUTCMinutes()]).toEqual([15, 0]);
    expect(resets.getTime() - Date.now()).toBeGreaterThan(0);
    expect(resets.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);

    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 100 } });
    expect((await complete(t, alice.secret, ask("hi", { maxTokens: 100 }))).ok).toBe(true);
    // Settlements are written in batches after the answer: wait for this one, whose spending the replacement keeps.
    await t.app.services.policy.flush();
    const replaced = await setBudget(t, { scope: "USER", subject: "alice", period: "DAY", limitUsd: 3, alertThresholds: [0.9, 0.25], action: "ALERT_ONLY" });
    expect(replaced.id).toBe(created.id);
    expect(replaced.data).toMatchObject({ limitUsd: 3, spentUsd: 0.001, alertThresholds: [0.25, 0.9], action: "ALERT_ONLY", timeZone: "UTC" });

    const client = apolloClient(t.url, t.adminKey);
    expect((await client.mutate({ mutation: DeleteBudgetDocument, variables: { id: created.id } })).data?.deleteBudget).toBe(true);
    expect((await client.query({ query: BudgetsDocument, variables: {} })).data?.budgets).toEqual([]);
  });

  it("a period that has ended reads as reset and spending restarts from zero", async () => {
    const b = await setBudget(t, { scope: "USER", subject: "alice", period: "MONTH", limitUsd: 1 });
    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 300 } });
    await complete(t, alice.secret, ask("hi", { maxTokens: 300 }));
    await t.app.services.policy.flush();
    await t.app.services.db.rows(sql`update budgets set resets_at = now() - interval '1 second' where id = ${b.id}`);
    const read = await gql<{ budgets: { spentUsd: number; resetsAt: string }[] }>(t, t.adminKey, `{ budgets { spentUsd resetsAt } }`);
    expect(read.data!.budgets[0]!.spentUsd).toBe(0);
    expect(new Date(read.data!.budgets[0]!.resetsAt).getTime()).toBeGreaterThan(Date.now());
    await complete(t, alice.secret, ask("hi", { maxTokens: 300 }));
    await t.app.services.policy.flush();
    const again = await gql<{ budgets: { spentUsd: number }[] }>(t, t.adminKey, `{ budgets { spentUsd } }`);
    expect(again.data!.budgets[0]!.spentUsd).toBeCloseTo(0.003, 9);
  });

  it("refuses bad input with BAD_USER_INPUT and members with FORBIDDEN", async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: -1 }, /0 or more/],
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: 1e12 }, /at most/],
      [{ scope: "USER", subject: "nobody", period: "DAY", limitUsd: 1 }, /unknown user "nobody"/],
      [{ scope: "TEAM", subject: "green", period: "DAY", limitUsd: 1 }, /unknown team/],
      [{ scope: "KEY", subject: "key_missing", period: "DAY", limitUsd: 1 }, /unknown key/],
      [{ scope: "MODEL", subject: "local/mm", period: "DAY", limitUsd: 1 }, /unknown model/],
      [{ scope: "GLOBAL", subject: "x", period: "DAY", limitUsd: 1 }, /no subject/],
      [{ scope: "USER", period: "DAY", limitUsd: 1 }, /needs a subject/],
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: 1, timeZone: "Mars/Olympus" }, /unknown time zone/],
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: 1, alertThresholds: [0] }, /alertThresholds/],
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: 1, webhookUrl: "ftp://x" }, /webhookUrl/],
      [{ scope: "USER", subject: "alice", period: "DAY", limitUsd: 1, spikeMultiplier: 3 }, /go together/],
      [{ scope: "PLANET", subject: "alice", period: "DAY", limitUsd: 1 }, /PLANET/],
    ];
    for (const [input, message] of bad) {
      const r = await setBudget(t, input);
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe("BAD_USER_INPUT");
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    const member = await setBudget(t, { scope: "USER", subject: "alice", period: "DAY", limitUsd: 1 }, alice.secret);
    expect(member.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const rl = await setRateLimit(t, { scope: "USER", subject: "alice", requestsPerMinute: 10 }, alice.secret);
    expect(rl.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const del = await gql(t, alice.secret, `mutation { deleteBudget(id: "bud_x") }`);
    expect(del.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await gql(t, t.adminKey, `mutation { deleteBudget(id: "bud_x") }`)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await setRateLimit(t, { scope: "USER", subject: "alice" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await setRateLimit(t, { scope: "USER", subject: "alice", requestsPerMinute: 0 })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("members read the budgets that cover them and nothing else", async () => {
    for (const input of [
      { scope: "USER", subject: "alice" },
      { scope: "USER", subject: "bob" },
      { scope: "TEAM", subject: "red" },
      { scope: "TEAM", subject: "blue" },
      { scope: "KEY", subject: alice.id },
      { scope: "KEY", subject: bob.id },
      { scope: "GLOBAL" },
      { scope: "MODEL", subject: "local/m" },
    ]) {
      expect((await setBudget(t, { ...input, period: "MONTH", limitUsd: 5, webhookUrl: hook.url })).errors).toBeUndefined();
    }
    const seen = await gql<{ budgets: { scope: string; subject: string | null; webhookUrl: string | null }[] }>(t, alice.secret, `{ budgets { scope subject webhookUrl } }`);
    expect(seen.data!.budgets.map((b) => `${b.scope}:${b.subject ?? ""}`).sort()).toEqual(["GLOBAL:", `KEY:${alice.id}`, "MODEL:local/m", "TEAM:red", "USER:alice"].sort());
    expect(seen.data!.budgets.every((b) => b.webhookUrl === null)).toBe(true);
    const admin = await gql<{ budgets: unknown[] }>(t, t.adminKey, `{ budgets { id } }`);
    expect(admin.data!.budgets).toHaveLength(8);
    const other = await gql(t, alice.secret, `{ _entities(representations: [{ __typename: "User", id: "bob" }]) { ... on User { aiBudgets { id } } } }`);
    expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const own = await gql<{ _entities: { aiBudgets: { id: string }[] }[] }>(t, alice.secret, `{ _entities(representations: [{ __typename: "Team", id: "red" }]) { ... on Team { aiBudgets { id } } } }`);
    expect(own.data!._entities[0]!.aiBudgets).toHaveLength(1);
  });
});

describe("admission dry run", { timeout: 120_000 }, () => {
  it("tells whether a request would be admitted, under which budgets and limits and with what hold, holding nothing", async () => {
    const b = await setBudget(t, { scope: "USER", subject: "alice", period: "TOTAL", limitUsd: 0.03 });
    await setRateLimit(t, { scope: "USER", subject: "alice", requestsPerMinute: 5 });
    const client = apolloClient(t.url, alice.secret);
    const run = async (maxTokens: number, stream = false) =>
      (await client.query({ query: AdmissionDocument, variables: { input: ask("how much?", { maxTokens }), stream } })).data!.admission;
    const yes = await run(1000);
    expect(yes).toMatchObject({ admitted: true, code: null, holdUsd: 0.01, minimumHoldUsd: 0.01, outputTokensHeld: 1000, candidates: ["local/m"] });
    expect(yes.promptTokens).toBeGreaterThan(3);
    expect(yes.budgets).toMatchObject([{ fits: true, availableUsd: 0.03, budget: { id: b.id, scope: "USER", subject: "alice", reservedUsd: 0 } }]);
    expect(yes.rateLimits).toMatchObject([{ fits: true, retryAfterMs: null, rateLimit: { requestsPerMinute: 5, requestsInWindow: 0 } }]);
    const streamed = await run(1000, true);
    expect(streamed).toMatchObject({ admitted: true, holdUsd: 0.00256, minimumHoldUsd: 0.00032, outputTokensHeld: 256 });
    const no = await run(4000); // the whole output cap, $0.04, is more than the budget
    expect(no).toMatchObject({ admitted: false, code: "BUDGET_EXCEEDED", budgets: [{ fits: false }] });
    // Nothing was held or counted, and the upstream never heard of it.
    const limits = await gql<{ rateLimits: { requestsInWindow: number }[]; budgets: { reservedUsd: number }[] }>(t, t.adminKey, `{ rateLimits { requestsInWindow } budgets { reservedUsd } }`);
    expect(limits.data).toEqual({ rateLimits: [{ requestsInWindow: 0 }], budgets: [{ reservedUsd: 0 }] });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("budget alerts", { timeout: 120_000 }, () => {
  it("streams threshold crossings and blocks live, and POSTs them to the budget's webhook with retries", async () => {
    const watch = await watchAlerts(t.adminKey);
    hook.bodies.length = 0;
    hook.failFirst = 1;
    const b = await setBudget(t, { scope: "USER", subject: "alice", period: "DAY", limitUsd: 0.01, webhookUrl: hook.url });
    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 300 } });
    for (let i = 0; i < 3; i++) expect((await complete(t, alice.secret, ask("x", { maxTokens: 300 }))).ok).toBe(true); // 9 000 of 10 000 µ$
    const refused = await complete(t, alice.secret, ask("x", { maxTokens: 300 }));
    expect(refused).toMatchObject({ ok: false, code: "BUDGET_EXCEEDED", extensions: { budgetId: b.id, remainingUsd: 0.001, maxTokensThatFit: 100 } });
    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 100 } });
    expect((await complete(t, alice.secret, ask("x", { maxTokens: 100 }))).ok).toBe(true); // exactly the limit
    await expect.poll(() => watch.alerts.length, { timeout: 10_000 }).toBe(4);
    const seen = watch.alerts.map((a) => `${a.kind}:${a.threshold ?? ""}`).sort();
    expect(seen).toEqual(["BLOCKED:", "THRESHOLD:0.5", "THRESHOLD:0.8", "THRESHOLD:1"]);
    expect(watch.alerts.find((a) => a.threshold === 1)).toMatchObject({ budgetId: b.id, scope: "USER", subject: "alice", period: "DAY", limitUsd: 0.01, spentUsd: 0.01 });
    // Every alert reaches the webhook once, the first after one retry (503 then 204).
    await expect.poll(() => new Set(hook.bodies.map((x) => x.alert.id)).size, { timeout: 15_000 }).toBe(4);
    await expect.poll(() => hook.bodies.length, { timeout: 15_000 }).toBe(5);
    const counts = new Map<string, number>();
    for (const x of hook.bodies) counts.set(x.alert.id, (counts.get(x.alert.id) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([1, 1, 1, 2]);
    await watch.stop();
  });

  it("shows members only alerts of budgets that cover them", async () => {
    const watch = await watchAlerts(alice.secret);
    await setBudget(t, { scope: "USER", subject: "bob", period: "DAY", limitUsd: 0.002 });
    const mine = await setBudget(t, { scope: "USER", subject: "alice", period: "DAY", limitUsd: 0.002 });
    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 100 } });
    await complete(t, bob.secret, ask("x", { maxTokens: 100 }));
    await complete(t, alice.secret, ask("x", { maxTokens: 100 }));
    await expect.poll(() => watch.alerts.length, { timeout: 10_000 }).toBe(1);
    await t.app.services.policy.flush();
    await new Promise((r) => setTimeout(r, 300));
    expect(watch.alerts).toMatchObject([{ kind: "THRESHOLD", threshold: 0.5, budgetId: mine.id }]);
    await watch.stop();
  });

  it("a shared budget's alert names its request to admins only: a member sees it without the request id", async () => {
    const member = await watchAlerts(alice.secret);
    const admin = await watchAlerts(t.adminKey);
    const b = await setBudget(t, { scope: "GLOBAL", period: "DAY", limitUsd: 0.002 });
    fake.setScenario({ content: "ok", usage: { promptTokens: 3, completionTokens: 100 } });
    await complete(t, bob.secret, ask("x", { maxTokens: 100 }));
    await expect.poll(() => member.alerts.length + admin.alerts.length, { timeout: 10_000 }).toBe(2);
    expect(admin.alerts).toMatchObject([{ kind: "THRESHOLD", budgetId: b.id, requestId: expect.any(String) }]);
    expect(member.alerts).toMatchObject([{ kind: "THRESHOLD", budgetId: b.id, requestId: null }]);
    await admin.stop();
    await member.stop();
  });

  it("raises a SPIKE alert when tokens in the window exceed a multiple of the usual rate", async () => {
    const b = await setBudget(t, { scope: "TAG", subject: "batch-job", period: "MONTH", limitUsd: 100, spikeMultiplier: 5, spikeWindowMinutes: 10 });
    const watch = await watchAlerts(t.adminKey);
    // The usual rate: 1 440 tokens spread over the last day is 10 per 10 minutes.
    t.app.services.usage.add({
      id: "baseline-1",
      createdAt: new Date(Date.now() - 3 * 3_600_000),
      transport: "graphql",
      stream: false,
      modelRequested: "local/m",
      inputTokens: 440,
      outputTokens: 1000,
      costMicroUsd: 10_000,
      latencyMs: 1,
      status: "ok",
      tags: ["batch-job"],
    });
    fake.setScenario({ content: "ok", usage: { promptTokens: 10, completionTokens: 500 } });
    expect((await complete(t, alice.secret, ask("x", { maxTokens: 500, tags: ["batch-job"] }))).ok).toBe(true);
    await t.app.services.usage.flush();
    expect(await t.app.services.policy.checkSpikes()).toBe(1);
    expect(await t.app.services.policy.checkSpikes()).toBe(0); // once per window, across instances
    await expect.poll(() => watch.alerts.length).toBe(1);
    expect(watch.alerts[0]).toMatchObject({ kind: "SPIKE", budgetId: b.id, scope: "TAG", subject: "batch-job" });
    expect(watch.alerts[0]!.message).toMatch(/510 tokens in the last 10 min/);
    await watch.stop();
  });
});
