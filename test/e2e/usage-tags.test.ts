import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient } from "../helpers/clients.js";
import { usageRows, type UsageRow } from "../helpers/db.js";
import { syntheticRecords } from "../helpers/usage-records.js";
import { UsageTotalsDocument, type UsageDimension, type UsageFilter } from "../generated/graphql.js";

/**
 * A tag is counted once per request, however often the request named it: `usage` by TAG answers the
 * same from the hourly rollups (aligned ranges) and from raw records (unaligned edges).
 */
const UPSTREAM_KEY = "sk-upstream-tags-0123456789abcdef";
const H = 3_600_000;

let fake: FakeOpenAI;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
      models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 1, outputPricePerMTok: 10, contextWindow: 128000, maxOutputTokens: 1000 }],
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const createdAt = (row: UsageRow) => new Date((row as UsageRow & { created_at: Date | string }).created_at).getTime();

async function usage(from: number, to: number, groupBy: UsageDimension[], filter: UsageFilter) {
  const { data } = await apolloClient(t.url, t.adminKey).query({ query: UsageTotalsDocument, variables: { from: iso(from), to: iso(to), groupBy, filter } });
  return data!.usage.map((b) => ({ tag: b.tag, requests: b.requests, costMicroUsd: b.costMicroUsd }));
}

/**
 * `usage` for one tag over the hour holding `at` (rollups), over [at, at + 1 ms) (raw records only),
 * and filtered by the tag without grouping, both ways.
 */
async function countsFor(tag: string, at: number) {
  const hour = at - (at % H);
  return {
    rollup: await usage(hour, hour + H, ["TAG"], { tags: [tag] }),
    raw: await usage(at, at + 1, ["TAG"], { tags: [tag] }),
    filteredRollup: (await usage(hour, hour + H, [], { tags: [tag] })).map((b) => b.requests),
    filteredRaw: (await usage(at, at + 1, [], { tags: [tag] })).map((b) => b.requests),
  };
}

describe("a tag given twice", () => {
  it("in the body and in the x-switchboard-tags header is stored once and counted once, aligned or not", async () => {
    fake.setScenario({ content: "ok", usage: { promptTokens: 10, completionTokens: 2 } });
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json", "x-switchboard-tags": "proj-x, other" },
      body: JSON.stringify({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], tags: ["proj-x"] }),
    });
    expect(res.status).toBe(200);
    await res.json();
    const [row] = await usageRows(t, sql`tags @> array['proj-x']::text[]`);
    expect(row!.tags).toEqual(["proj-x", "other"]);

    const at = createdAt(row!);
    // 10 × 1 µ$ + 2 × 10 µ$.
    const once = [{ tag: "proj-x", requests: 1, costMicroUsd: 30 }];
    expect(await countsFor("proj-x", at)).toEqual({ rollup: once, raw: once, filteredRollup: [1], filteredRaw: [1] });
  });

  it("in a GraphQL request's tags is stored once", async () => {
    fake.setScenario({ content: "ok", usage: { promptTokens: 10, completionTokens: 2 } });
    const r = await gql<{ complete: { id: string } }>(t, t.adminKey, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, {
      i: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: "hi" }], tags: ["gql-dup", "gql-dup"] },
    });
    expect(r.errors).toBeUndefined();
    const [row] = await usageRows(t, sql`id = ${r.data!.complete.id}`);
    expect(row!.tags).toEqual(["gql-dup"]);
    const at = createdAt(row!);
    const once = [{ tag: "gql-dup", requests: 1, costMicroUsd: 30 }];
    expect(await countsFor("gql-dup", at)).toEqual({ rollup: once, raw: once, filteredRollup: [1], filteredRaw: [1] });
  });

  it("in a record stored before tags were deduplicated counts once at raw edges too, as in the rollups", async () => {
    // Three days ago, half past an hour: well clear of the records the other tests write now.
    const hour = Math.floor((Date.now() - 3 * 86_400_000) / H) * H;
    const at = hour + H / 2;
    const [rec] = syntheticRecords({ from: at, to: at + 1, count: 1, seed: 11 });
    t.app.services.usage.add({ ...rec!, createdAt: new Date(at), status: "ok", errorCode: null, errorMessage: null, costMicroUsd: 4_321, tags: ["legacy", "legacy"] });
    await t.app.services.usage.flush();
    const [row] = await usageRows(t, sql`id = ${rec!.id}`);
    expect(row!.tags).toEqual(["legacy", "legacy"]);

    const once = [{ tag: "legacy", requests: 1, costMicroUsd: 4_321 }];
    expect(await countsFor("legacy", at)).toEqual({ rollup: once, raw: once, filteredRollup: [1], filteredRaw: [1] });
    // The same with an unaligned start inside the hour (raw from there to the hour's end).
    expect(await usage(hour + 1, hour + H, ["TAG"], { tags: ["legacy"] })).toEqual(once);
  });
});
