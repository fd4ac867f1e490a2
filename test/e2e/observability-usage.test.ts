import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient } from "../helpers/clients.js";
import { syntheticRecords } from "../helpers/usage-records.js";
import { UsageQuery as UsageQueryService } from "../../src/core/observability/usage-query.js";
import { UsageDocument, UsageTotalsDocument, type UsageDimension, type UsageFilter, type UsageQuery } from "../generated/graphql.js";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const localConfig = (url: string) => ({
  providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
  models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 1000 }],
});
const H = 3_600_000;
const D = 86_400_000;

let fake: FakeOpenAI;
let t: TestApp;
let alice: { secret: string; id: string };
let bob: { secret: string; id: string };
const base = Math.floor(Date.now() / D) * D - 10 * D;

interface Raw {
  created_at: Date | string;
  model_served: string | null;
  model_requested: string;
  provider: string | null;
  user_id: string | null;
  team_id: string | null;
  key_id: string | null;
  tags: string[];
  status: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cost_micro_usd: string | number;
  ttft_ms: number | null;
  itl_ms: number | null;
  latency_ms: number;
}

async function rawRows(): Promise<Raw[]> {
  await t.app.services.usage.flush();
  return t.app.services.db.rows<Raw>(sql`select * from usage_records`);
}

type Bucket = UsageQuery["usage"][number];
interface Exp {
  requests: number;
  errors: number;
  cancelled: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costMicroUsd: number;
  ttft: number[];
  itl: number[];
  latency: number[];
}

const nul = (v: string | null | undefined) => (v == null || v === "" ? null : v);
const iso = (ms: number) => new Date(ms).toISOString();

function bucketKey(b: Record<string, unknown>, groupBy: UsageDimension[]): string {
  const field: Record<UsageDimension, string> = { MODEL: "model", PROVIDER: "provider", USER: "userId", TEAM: "teamId", KEY: "keyId", TAG: "tag", DAY: "day", HOUR: "hour" };
  return groupBy.map((d) => String(b[field[d]] ?? "∅")).join("|");
}

/** What `usage` must answer, computed from the raw records in plain code. */
function expected(rows: Raw[], from: number, to: number, groupBy: UsageDimension[], f: UsageFilter = {}): Map<string, Exp> {
  const out = new Map<string, Exp>();
  const byTag = groupBy.includes("TAG") || Boolean(f.tags);
  for (const r of rows) {
    const at = new Date(r.created_at).getTime();
    if (at < from || at >= to) continue;
    const model = r.model_served ?? r.model_requested;
    if (f.models && !f.models.includes(model)) continue;
    if (f.providers && !f.providers.includes(r.provider ?? "")) continue;
    if (f.users && !f.users.includes(r.user_id ?? "")) continue;
    if (f.teams && !f.teams.includes(r.team_id ?? "")) continue;
    if (f.keys && !f.keys.includes(r.key_id ?? "")) continue;
    if (f.statuses && !f.statuses.includes(r.status.toUpperCase() as never) && !f.statuses.includes(r.status as never)) continue;
    const tags = byTag ? (r.tags.length ? r.tags : [""]) : [""];
    for (const tag of tags) {
      if (f.tags && !f.tags.includes(tag)) continue;
      const b = {
        model,
        provider: nul(r.provider),
        userId: nul(r.user_id),
        teamId: nul(r.team_id),
        keyId: nul(r.key_id),
        tag: nul(tag),
        day: iso(at - (at % D)),
        hour: iso(at - (at % H)),
      };
      const k = bucketKey(b, groupBy);
      let e = out.get(k);
      if (!e) out.set(k, (e = { requests: 0, errors: 0, cancelled: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costMicroUsd: 0, ttft: [], itl: [], latency: [] }));
      e.requests++;
      if (r.status === "error") e.errors++;
      if (r.status === "cancelled") e.cancelled++;
      e.inputTokens += r.input_tokens;
      e.outputTokens += r.output_tokens;
      e.cachedInputTokens += r.cached_input_tokens;
      e.costMicroUsd += Number(r.cost_micro_usd);
      if (r.ttft_ms != null) e.ttft.push(r.ttft_ms);
      if (r.itl_ms != null) e.itl.push(r.itl_ms);
      e.latency.push(r.latency_ms);
    }
  }
  return out;
}

function exactQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1]!;
}

/** Histogram estimates land in the true value's log bucket (a quarter octave wide). */
function expectClose(estimate: number | null | undefined, values: number[], q: number): void {
  if (values.length === 0) return expect(estimate ?? null).toBeNull();
  const exact = exactQuantile(values, q);
  expect(estimate).not.toBeNull();
  const ratio = estimate! / exact;
  expect(ratio, `p${q * 100} estimate ${estimate} vs exact ${exact}`).toBeGreaterThan(0.83);
  expect(ratio, `p${q * 100} estimate ${estimate} vs exact ${exact}`).toBeLessThan(1.2);
}

async function usageAs(key: string, from: number, to: number, groupBy: UsageDimension[], filter?: UsageFilter): Promise<Bucket[]> {
  const { data } = await apolloClient(t.url, key).query({ query: UsageDocument, variables: { from: iso(from), to: iso(to), groupBy, filter: filter ?? null } });
  return data!.usage;
}

async function check(from: number, to: number, groupBy: UsageDimension[], filter?: UsageFilter, key = t.adminKey, rowsFilter?: (r: Raw) => boolean): Promise<number> {
  const rows = (await rawRows()).filter(rowsFilter ?? (() => true));
  const want = expected(rows, from, to, groupBy, filter);
  const got = await usageAs(key, from, to, groupBy, filter);
  expect(new Set(got.map((b) => bucketKey(b, groupBy)))).toEqual(new Set(want.keys()));
  for (const b of got) {
    const e = want.get(bucketKey(b, groupBy))!;
    expect({ requests: b.requests, errors: b.errors, cancelled: b.cancelled, inputTokens: b.inputTokens, outputTokens: b.outputTokens, cachedInputTokens: b.cachedInputTokens, costMicroUsd: b.costMicroUsd }).toEqual({
      requests: e.requests,
      errors: e.errors,
      cancelled: e.cancelled,
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      cachedInputTokens: e.cachedInputTokens,
      costMicroUsd: e.costMicroUsd,
    });
    expect(b.costUsd).toBe(e.costMicroUsd / 1e6);
    expect(b.ttft.count).toBe(e.ttft.length);
    expect(b.latency.count).toBe(e.latency.length);
    expect(b.latency.meanMs).toBeCloseTo(e.latency.reduce((a, x) => a + x, 0) / e.latency.length, 2);
    for (const q of [0.5, 0.95, 0.99]) {
      const field = q === 0.5 ? "p50Ms" : q === 0.95 ? "p95Ms" : "p99Ms";
      expectClose(b.ttft[field], e.ttft, q);
      expectClose(b.itl[field], e.itl, q);
      expectClose(b.latency[field], e.latency, q);
    }
  }
  return got.length;
}

async function createKey(userId: string, teamId: string): Promise<{ secret: string; id: string }> {
  const r = await gql<{ createApiKey: { secret: string; key: { id: string } } }>(t, t.adminKey, `mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret key { id } } }`, {
    i: { name: userId, userId, teamId },
  });
  return { secret: r.data!.createApiKey.secret, id: r.data!.createApiKey.key.id };
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({ file: localConfig(fake.url) });
  alice = await createKey("alice", "team-a");
  bob = await createKey("bob", "team-b");
  const users = [
    { userId: "alice", teamId: "team-a", keyId: alice.id },
    { userId: "bob", teamId: "team-b", keyId: bob.id },
    { userId: "carol", teamId: "team-a", keyId: "key_carol" },
    { userId: "admin", teamId: null, keyId: "key_admin" },
  ];
  // Three days of history, written through the same batch path as live traffic (rollups included).
  for (const r of syntheticRecords({ from: base, to: base + 3 * D, count: 1200, seed: 7, users })) t.app.services.usage.add(r);
  await t.app.services.usage.flush();
}, 60_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("usage answers from rollups, equal to the raw records", () => {
  it("whole days: totals and every single dimension", async () => {
    for (const g of [[], ["MODEL"], ["PROVIDER"], ["USER"], ["TEAM"], ["KEY"], ["TAG"], ["DAY"], ["HOUR"]] as UsageDimension[][]) {
      expect(await check(base, base + 3 * D, g)).toBeGreaterThan(0);
    }
  });

  it("several dimensions at once", async () => {
    expect(await check(base, base + 3 * D, ["MODEL", "DAY"])).toBeGreaterThan(3);
    expect(await check(base, base + 3 * D, ["TEAM", "USER", "KEY"])).toBeGreaterThan(3);
    expect(await check(base, base + 3 * D, ["TAG", "USER", "DAY"])).toBeGreaterThan(3);
    expect(await check(base, base + 3 * D, ["PROVIDER", "MODEL", "HOUR"])).toBeGreaterThan(3);
  });

  it("unaligned ranges mix raw edges, hourly and daily rows, and still match to the micro-dollar", async () => {
    const from = base + 5 * H + 17 * 60_000 + 1234;
    const to = base + 3 * D - 3 * H - 3 * 60_000;
    expect(await check(from, to, [])).toBe(1);
    expect(await check(from, to, ["MODEL", "DAY"])).toBeGreaterThan(3);
    expect(await check(from, to, ["HOUR"])).toBeGreaterThan(40);
    expect(await check(from, to, ["TAG", "USER"])).toBeGreaterThan(3);
    // Inside one hour: raw records only.
    expect(await check(base + 26 * H + 10 * 60_000, base + 26 * H + 50 * 60_000, ["MODEL"])).toBeGreaterThan(0);
  });

  it("filters by every dimension and status", async () => {
    const r = [base, base + 3 * D] as const;
    await check(...r, ["MODEL"], { statuses: ["ERROR"] });
    await check(...r, ["MODEL"], { tags: ["alpha"] });
    await check(...r, ["USER"], { tags: ["alpha", "beta"] });
    await check(...r, ["DAY"], { teams: ["team-a"], models: ["local/big"] });
    await check(...r, ["TAG"], { providers: ["other"], statuses: ["OK", "CANCELLED"] });
    await check(...r, [], { keys: [alice.id], users: ["alice"] });
    expect(await usageAs(t.adminKey, ...r, ["MODEL"], { users: ["nobody"] })).toEqual([]);
  });

  it("merges histograms in SQL when there are many rollup rows, with the same answer", async () => {
    const admin = await t.app.services.keys.authenticate(t.adminKey);
    const sqlSide = new UsageQueryService(t.app.services.db, 0);
    for (const groupBy of [["MODEL", "DAY"], ["TAG"], [], ["HOUR"]] as UsageDimension[][]) {
      const input = { from: new Date(base + 3 * H + 5), to: new Date(base + 3 * D - 1), groupBy };
      expect(await sqlSide.usage(admin, input)).toEqual(await t.app.services.observability.usage.usage(admin, input));
    }
  });

  it("latency percentiles are skipped when not asked for, and the sums are the same", async () => {
    const { data } = await apolloClient(t.url, t.adminKey).query({ query: UsageTotalsDocument, variables: { from: iso(base), to: iso(base + 3 * D), groupBy: ["MODEL"] } });
    const full = await usageAs(t.adminKey, base, base + 3 * D, ["MODEL"]);
    expect(data!.usage.map((b) => [b.model, b.requests, b.costMicroUsd])).toEqual(full.map((b) => [b.model, b.requests, b.costMicroUsd]));
  });

  it("counts live traffic too (GraphQL and REST, streamed, failed)", async () => {
    const before = Date.now() - 1000;
    fake.setScenario({ content: "Hello there friend", usage: { promptTokens: 100, completionTokens: 20 }, itlMs: 5 });
    for (const tags of [["live"], ["live", "x"], []]) {
      const r = await gql(t, alice.secret, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, {
        i: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: "hi" }], tags },
      });
      expect(r.errors).toBeUndefined();
    }
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    await res.text();
    fake.setScenario({ status: 400, errorBody: { message: "bad" } });
    await gql(t, bob.secret, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, { i: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: "x" }] } });
    fake.reset();
    const to = Date.now() + 60_000;
    expect(await check(before, to, ["USER", "MODEL"])).toBe(2);
    expect(await check(before, to, ["TAG"])).toBe(3);
    const [total] = await usageAs(t.adminKey, before, to, []);
    expect(total!.requests).toBe(5);
    expect(total!.errors).toBe(1);
    expect(total!.ttft.count).toBe(4);
  });
});

describe("usage RBAC and federation entities", () => {
  it("members see only their own usage, whatever they group by", async () => {
    const r = [base, base + 3 * D] as const;
    await check(...r, ["MODEL", "DAY"], undefined, alice.secret, (x) => x.user_id === "alice");
    await check(...r, ["TEAM", "TAG"], undefined, alice.secret, (x) => x.user_id === "alice");
    const res = await gql(t, alice.secret, `query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t, filter: { users: ["bob"] }) { requests } }`, { f: iso(base), t: iso(base + D) });
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("User.aiUsage and Team.aiUsage resolve through the same code", async () => {
    const q = `query($r: [_Any!]!, $f: DateTime!, $t: DateTime!) { _entities(representations: $r) {
      ... on User { id aiUsage(from: $f, to: $t, groupBy: [MODEL]) { model requests costMicroUsd } }
      ... on Team { id aiUsage(from: $f, to: $t) { requests costMicroUsd } } } }`;
    const vars = { r: [{ __typename: "User", id: "alice" }, { __typename: "Team", id: "team-a" }], f: iso(base), t: iso(base + 3 * D) };
    const res = await gql<{ _entities: { id: string; aiUsage: { model?: string; requests: number; costMicroUsd: number }[] }[] }>(t, t.adminKey, q, vars);
    expect(res.errors).toBeUndefined();
    const rows = (await rawRows()).filter((x) => new Date(x.created_at).getTime() < base + 3 * D && new Date(x.created_at).getTime() >= base);
    const userRows = rows.filter((x) => x.user_id === "alice");
    const teamRows = rows.filter((x) => x.team_id === "team-a");
    const [user, team] = res.data!._entities;
    expect(user!.aiUsage.reduce((a, b) => a + b.requests, 0)).toBe(userRows.length);
    expect(user!.aiUsage.reduce((a, b) => a + b.costMicroUsd, 0)).toBe(userRows.reduce((a, x) => a + Number(x.cost_micro_usd), 0));
    expect(team!.aiUsage).toEqual([{ requests: teamRows.length, costMicroUsd: teamRows.reduce((a, x) => a + Number(x.cost_micro_usd), 0) }]);

    // A member may read their own entity, not someone else's; their team's usage is limited to their share.
    const mine = await gql<{ _entities: { aiUsage: { requests: number }[] }[] }>(t, alice.secret, q, vars);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!._entities[1]!.aiUsage[0]!.requests).toBe(userRows.length);
    const other = await gql(t, alice.secret, q, { ...vars, r: [{ __typename: "User", id: "bob" }] });
    expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects a backwards range", async () => {
    const res = await gql(t, t.adminKey, `query($f: DateTime!, $t: DateTime!) { usage(from: $f, to: $t) { requests } }`, { f: iso(base + D), t: iso(base) });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
