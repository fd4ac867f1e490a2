import OpenAI from "openai";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { apolloClient } from "../helpers/clients.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { CompleteDocument } from "../generated/graphql.js";

/**
 * A database that stops taking usage records must not make the gateway hold them in memory until it
 * dies (losing them all): past `usage.maxQueued` unwritten records it refuses new requests with
 * OVERLOADED, /readyz says so, and once writes succeed again every record is in the database and
 * requests flow again.
 */
const MAX_QUEUED = 10;
let fake: FakeOpenAI;
let t: TestApp;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, models: ["gpt-4o-mini"] } },
      models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
      usage: { batchSize: 4, flushIntervalMs: 20, maxQueued: MAX_QUEUED },
    },
  });
  client = new OpenAI({ apiKey: t.adminKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const ask = () => client.chat.completions.create({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

async function refusals(): Promise<number> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
  const family = parsePrometheusTextFormat(await res.text()).find((f) => f.name === "switchboard_requests_total");
  const s = family?.metrics.find((m) => (m as { labels?: Record<string, string> }).labels?.error_type === "OVERLOADED");
  return Number((s as { value?: string } | undefined)?.value ?? 0);
}

describe("usage backlog", () => {
  it("refuses new requests past usage.maxQueued while records cannot be written, loses none, and recovers", async () => {
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push((await ask()).id);
    await t.app.services.usage.flush();

    // Usage inserts now fail (the table is gone), as they would with the database unreachable.
    await t.app.services.db.rows(sql`alter table usage_records rename to usage_records_away`);
    for (let i = 0; i < MAX_QUEUED; i++) served.push((await ask()).id);
    expect(t.app.services.usage.depth).toBe(MAX_QUEUED);
    expect(t.app.services.usage.consecutiveFailures).toBeGreaterThan(0);

    const refused = await ask().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    const err = refused as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(503);
    expect(err.code).toBe("overloaded");
    expect(err.type).toBe("server_error");
    expect(err.headers?.get("retry-after")).toBe("1");

    const gqlRefused = await apolloClient(t.url, t.adminKey)
      .mutate({ mutation: CompleteDocument, variables: { input: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: "hi" }] } } })
      .then(
        () => undefined,
        (e: { errors?: { extensions?: Record<string, unknown> }[]; graphQLErrors?: { extensions?: Record<string, unknown> }[] }) => (e.errors ?? e.graphQLErrors)?.[0]?.extensions,
      );
    expect(gqlRefused).toMatchObject({ code: "OVERLOADED", retryAfterMs: 1000 });

    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "usage backlog", queued: MAX_QUEUED });
    // Refusals are counted and logged, not queued: the queue is what is full.
    expect(await refusals()).toBe(2);
    expect(t.app.services.usage.depth).toBe(MAX_QUEUED);
    expect(fake.requests.length).toBe(3 + MAX_QUEUED);

    await t.app.services.db.rows(sql`alter table usage_records_away rename to usage_records`);
    // A backlogged writer retries within 2 s.
    await expect.poll(() => fetch(`${t.url}/readyz`).then((r) => r.status), { timeout: 6_000, interval: 100 }).toBe(200);
    served.push((await ask()).id);
    await t.app.services.usage.flush();

    const rows = await t.app.services.db.rows<{ id: string; status: string }>(sql`select id, status from usage_records`);
    expect(rows.map((r) => `chatcmpl-${r.id}`).sort()).toEqual([...served].sort());
    expect(rows.every((r) => r.status === "ok")).toBe(true);
  }, 30_000);
});
