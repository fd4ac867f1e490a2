import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "../../src/core/gateway.js";
import type { Guard } from "../../src/core/pipeline.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { RequestByIdDocument, RequestsDocument, RequestsWithBodiesDocument, type RequestFilter, type RequestsQuery } from "../generated/graphql.js";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const config = (url: string) => ({
  providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini", "big"] } },
  models: [
    { id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 1000 },
    { id: "local/big", inputPricePerMTok: 5, outputPricePerMTok: 15, contextWindow: 128000, maxOutputTokens: 1000 },
  ],
  // Bodies are off by default and on for team-a only.
  logging: { bodies: false, teams: { "team-a": { bodies: true } } },
});

let fake: FakeOpenAI;
let t: TestApp;
let upstream: UpstreamClient;
let alice: { secret: string; id: string };
let bob: { secret: string; id: string };
type Node = RequestsQuery["requests"]["edges"][number]["node"];

async function createKey(userId: string, teamId: string): Promise<{ secret: string; id: string }> {
  const r = await gql<{ createApiKey: { secret: string; key: { id: string } } }>(t, t.adminKey, `mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret key { id } } }`, {
    i: { name: userId, userId, teamId },
  });
  return { secret: r.data!.createApiKey.secret, id: r.data!.createApiKey.key.id };
}

const complete = (key: string, model: string, content: string, tags: string[] = []) =>
  gql<{ complete: { id: string } }>(t, key, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, { i: { model, messages: [{ role: "USER", content }], tags } });

/** Every page of `requests` for this filter, following endCursor. */
async function all(key: string, filter: RequestFilter = {}, first = 2): Promise<Node[]> {
  const client = apolloClient(t.url, key);
  const out: Node[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const { data } = await client.query({ query: RequestsDocument, variables: { filter, first, after } });
    const page: RequestsQuery["requests"] = data!.requests;
    out.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return out;
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)!.cursor);
    after = page.pageInfo.endCursor ?? null;
  }
  throw new Error("too many pages");
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini", "big"] });
  t = await startTestApp({ file: config(fake.url) });
  upstream = new UpstreamClient();
  alice = await createKey("alice", "team-a");
  bob = await createKey("bob", "team-b");

  fake.setScenario({ content: "Paris is lovely", usage: { promptTokens: 10, completionTokens: 4 } });
  await complete(alice.secret, "local/gpt-4o-mini", "one", ["geo"]);
  await complete(alice.secret, "local/big", "two", ["geo", "eu"]);
  await complete(bob.secret, "local/gpt-4o-mini", "three");
  fake.setScenario({ content: "slow", usage: { promptTokens: 10, completionTokens: 1 }, delayMs: 2500 });
  await complete(bob.secret, "local/big", "four", ["slow"]);
  fake.setScenario({ status: 400, errorBody: { message: "no" } });
  await complete(alice.secret, "local/gpt-4o-mini", "five");
  fake.reset();
  await complete(bob.secret, "nope/unknown", "six");
  await fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "local/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "seven" }] }),
  }).then((r) => r.text());
  await t.app.services.usage.flush();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
  await fake?.close();
});

describe("requests: the request log", () => {
  it("pages newest first through every record, with the same figures as the raw rows", async () => {
    const rows = await usageRows(t);
    const nodes = await all(t.adminKey);
    expect(new Set(nodes.map((n) => n.id))).toEqual(new Set(rows.map((r) => r.id)));
    expect(nodes).toHaveLength(7);
    for (let i = 1; i < nodes.length; i++) expect(Date.parse(nodes[i - 1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(nodes[i]!.createdAt));
    for (const n of nodes) {
      const r = rows.find((x) => x.id === n.id)!;
      expect({ input: n.inputTokens, output: n.outputTokens, cost: n.costUsd, status: n.status, latency: n.latencyMs, user: n.userId }).toEqual({
        input: r.input_tokens,
        output: r.output_tokens,
        cost: Number(r.cost_micro_usd) / 1e6,
        status: r.status.toUpperCase(),
        latency: r.latency_ms,
        user: r.user_id,
      });
    }
    const streamed = nodes.find((n) => n.stream)!;
    expect(streamed).toMatchObject({ transport: "rest", status: "OK", model: "local/gpt-4o-mini", provider: "local" });
    expect(streamed.ttftMs).toBeGreaterThan(0);
    expect(streamed.attempts).toMatchObject([{ model: "local/gpt-4o-mini", provider: "local", outcome: "OK" }]);
    const failed = nodes.find((n) => n.status === "ERROR" && n.model)!;
    expect(failed).toMatchObject({ errorCode: "UPSTREAM_ERROR", attempts: [{ outcome: "ERROR", errorCode: "UPSTREAM_ERROR" }] });
    const refused = nodes.find((n) => n.requestedModel === "nope/unknown")!;
    expect(refused).toMatchObject({ status: "ERROR", model: null, errorCode: "BAD_USER_INPUT", attempts: [] });
  });

  it("filters by model, provider, user, team, key, status, error code, tag, latency, cost and time", async () => {
    const ids = async (f: RequestFilter) => (await all(t.adminKey, f, 3)).map((n) => n.requestedModel + ":" + n.userId).sort();
    expect(await ids({ models: ["local/big"] })).toEqual(["local/big:alice", "local/big:bob"]);
    expect(await ids({ users: ["bob"], statuses: ["OK"] })).toEqual(["local/big:bob", "local/gpt-4o-mini:bob"]);
    expect(await ids({ teams: ["team-a"], statuses: ["ERROR"] })).toEqual(["local/gpt-4o-mini:alice"]);
    expect(await ids({ keys: [bob.id] })).toHaveLength(3);
    expect(await ids({ errorCodes: ["BAD_USER_INPUT"] })).toEqual(["nope/unknown:bob"]);
    expect(await ids({ tags: ["eu", "slow"] })).toEqual(["local/big:alice", "local/big:bob"]);
    expect(await ids({ minLatencyMs: 2000 })).toEqual(["local/big:bob"]);
    expect(await ids({ minCostUsd: 0.00005 })).toEqual(["local/big:alice", "local/big:bob"]);
    expect(await ids({ providers: ["local"], users: ["admin"] })).toEqual(["local/gpt-4o-mini:admin"]);
    expect(await ids({ to: new Date(Date.now() - 3_600_000).toISOString() })).toEqual([]);
    expect(await ids({ from: new Date(Date.now() - 3_600_000).toISOString() })).toHaveLength(7);
  });

  it("rejects a malformed cursor and an out-of-range page size", async () => {
    const q = `query($a: String, $f: Int) { requests(after: $a, first: $f) { pageInfo { hasNextPage } } }`;
    expect((await gql(t, t.adminKey, q, { a: "not-a-cursor" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await gql(t, t.adminKey, q, { f: 0 })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await gql(t, t.adminKey, q, { f: 501 })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("request log RBAC and bodies", () => {
  it("a member sees only their own requests, and cannot ask for another's", async () => {
    const mine = await all(alice.secret);
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((n) => n.userId))).toEqual(new Set(["alice"]));
    const r = await gql(t, alice.secret, `query { requests(filter: { users: ["bob"] }) { nodes { id } } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const bobs = (await all(bob.secret))[0]!;
    const { data } = await apolloClient(t.url, alice.secret).query({ query: RequestByIdDocument, variables: { id: bobs.id } });
    expect(data!.request).toBeNull();
  });

  it("stores bodies only for teams with body logging on; only admins and the owner read them", async () => {
    const asAdmin = await apolloClient(t.url, t.adminKey).query({ query: RequestsWithBodiesDocument, variables: { first: 50 } });
    const byUser = (u: string) => asAdmin.data!.requests.nodes.filter((n) => n.userId === u);
    for (const n of byUser("alice")) expect(n.body).not.toBeNull();
    for (const n of byUser("bob")) expect(n.body).toBeNull();
    for (const n of byUser("admin")) expect(n.body).toBeNull();
    const one = byUser("alice").find((n) => n.body?.response === "Paris is lovely")!;
    expect(one.body!.request).toMatchObject({ model: expect.stringMatching(/^local\//), messages: [{ role: "user", content: expect.any(String) }] });

    const own = await apolloClient(t.url, alice.secret).query({ query: RequestByIdDocument, variables: { id: one.id } });
    expect(own.data!.request!.body!.response).toBe("Paris is lovely");
    // Bob may not read Alice's body, whichever way he asks.
    const theirs = await apolloClient(t.url, bob.secret).query({ query: RequestByIdDocument, variables: { id: one.id } });
    expect(theirs.data!.request).toBeNull();
    const bodies = await t.app.services.observability.requests.bodies(await t.app.services.keys.authenticate(bob.secret), [{ id: one.id, userId: "alice" }]);
    expect(bodies.size).toBe(0);
  });

  it("stores the redacted request and the transformed answer, never the raw ones", async () => {
    const { catalogue, usage, config, log, observability } = t.app.services;
    // A stand-in for the guardrails (built elsewhere): redacts emails in, replaces a name out.
    const guard: Guard = {
      begin: (req) => ({
        request: { ...req, messages: req.messages.map((m) => ({ ...m, content: typeof m.content === "string" ? m.content.replaceAll("jane@example.com", "[EMAIL_1]") : m.content })) },
        redactions: 1,
        injectionScore: 0.1,
        findings: { EMAIL: 1 },
        output: { push: (s) => s.replaceAll("Paris", "[CITY_1]"), flush: () => "", whole: (s) => s.replaceAll("Paris", "[CITY_1]"), discard: () => undefined },
      }),
    };
    const gateway = new Gateway({ catalogue, upstream, usage, limits: config.limits, log, guard, observer: observability.observer });
    const principal = await t.app.services.keys.authenticate(alice.secret);
    fake.setScenario({ content: "Paris is lovely", usage: { promptTokens: 10, completionTokens: 4 } });
    const c = await gateway.complete({ principal, transport: "graphql" }, { model: "local/gpt-4o-mini", messages: [{ role: "user", content: "mail jane@example.com" }] });
    expect(c.content).toBe("[CITY_1] is lovely");
    expect(fake.requests.at(-1)!.body).toMatchObject({ messages: [{ content: "mail [EMAIL_1]" }] });
    await usage.flush();

    const { data } = await apolloClient(t.url, t.adminKey).query({ query: RequestByIdDocument, variables: { id: c.id } });
    const entry = data!.request!;
    expect(entry.guardrails).toMatchObject({ redactions: 1, injectionScore: 0.1, findings: [{ type: "EMAIL", count: 1 }] });
    expect(entry.body!.response).toBe("[CITY_1] is lovely");
    expect(JSON.stringify(entry.body!.request)).toContain("[EMAIL_1]");
    const stored = await t.app.services.db.rows<{ request: unknown; response: string }>(sql`select request, response from request_bodies where id = ${c.id}`);
    expect(JSON.stringify(stored)).not.toContain("jane@example.com");
    expect(JSON.stringify(stored)).not.toMatch(/Paris/);
  });
});
