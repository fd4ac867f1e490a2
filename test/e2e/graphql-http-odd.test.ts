import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, gql, type TestApp } from "../helpers/app.js";
import { createKey } from "../helpers/policy.js";
import { BudgetAlertsDocument, CompletionStreamDocument, LiveRequestsDocument, UpsertRoutingRuleDocument } from "../generated/graphql.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("subscriptions over GraphQL-over-HTTP", () => {
  const input = { model: "demo/echo", messages: [{ role: "USER" as const, content: "hi" }] };

  it.each([
    ["completionStream", print(CompletionStreamDocument), { input }],
    ["liveRequests", print(LiveRequestsDocument), {}],
    ["budgetAlerts", print(BudgetAlertsDocument), {}],
  ])("%s is refused with 400 BAD_REQUEST (subscriptions are served over graphql-ws)", async (_name, query, variables) => {
    const r = await gql(t, t.adminKey, query, variables);
    expect(r.status).toBe(400);
    expect(r.data ?? undefined).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]!.extensions?.code).toBe("BAD_REQUEST");
    expect(r.errors![0]!.message).toContain("graphql-ws");
  });

  it("is refused the same way when the client asks for multipart subscription responses", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json", accept: "multipart/mixed;subscriptionSpec=1.0, application/json" },
      body: JSON.stringify({ query: print(CompletionStreamDocument), variables: { input } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });
});

describe("explainRoute shows a member only their own part of the deciding rule", () => {
  const EXPLAIN = `query($input: CompletionInput!) { explainRoute(input: $input) { rule { name when { users teams keys } } candidates { model kept } } }`;
  type Explained = { explainRoute: { rule: { name: string; when: { users: string[] | null; teams: string[] | null; keys: string[] | null } } | null; candidates: { model: string; kept: boolean }[] } };
  const input = { model: "demo/echo", messages: [{ role: "USER" as const, content: "hi" }] };

  it("a member sees their own user, team and key in the rule, no one else's; an admin it matches sees them all", async () => {
    const alice = await createKey(t, { userId: "alice-x", teamId: "team-a" });
    const bob = await createKey(t, { userId: "bob-x", teamId: "team-secret" });
    const ops = await createKey(t, { userId: "alice-x", teamId: "team-a", role: "ADMIN" });
    const when = { models: ["demo/echo"], users: ["bob-x", "alice-x", "ceo@corp.example"], teams: ["team-secret", "team-a"], keys: [bob.id, alice.id, ops.id] };
    const rule = await gql(t, t.adminKey, print(UpsertRoutingRuleDocument), { input: { name: "vip", priority: 1, strategy: "FALLBACK", when, targets: [{ model: "demo/echo" }] } });
    expect(rule.errors).toBeUndefined();

    const mine = await gql<Explained>(t, alice.secret, EXPLAIN, { input });
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.explainRoute.rule).toEqual({ name: "vip", when: { users: ["alice-x"], teams: ["team-a"], keys: [alice.id] } });
    expect(mine.data!.explainRoute.candidates).toEqual([{ model: "demo/echo", kept: true }]);
    expect(JSON.stringify(mine.data)).not.toMatch(/bob-x|team-secret|ceo@corp/);
    expect(JSON.stringify(mine.data)).not.toContain(bob.id);

    const admin = await gql<Explained>(t, ops.secret, EXPLAIN, { input });
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.explainRoute.rule).toEqual({ name: "vip", when: { users: when.users, teams: when.teams, keys: when.keys } });
  });
});
