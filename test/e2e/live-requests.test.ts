import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { wsClient } from "../helpers/clients.js";
import {
  LiveRequestsDocument,
  RequestsDocument,
  RequestsWithBodiesDocument,
  type LiveRequestsSubscription,
  type RequestsQuery,
  type RequestsWithBodiesQuery,
} from "../generated/graphql.js";

const UPSTREAM_KEY = "sk-upstream-live-0123456789abcdef";
const config = (url: string) => ({
  providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
  models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 1000 }],
  // Bodies are stored for team-a: the live feed must still never carry them.
  logging: { bodies: false, teams: { "team-a": { bodies: true } } },
});

type Entry = LiveRequestsSubscription["liveRequests"];

/** One `liveRequests` subscriber over graphql-ws's own client, registered on the server before it is returned. */
async function subscriber(app: TestApp, key: string) {
  const live = app.app.services.observability.live;
  const before = live.subscriberCount;
  const client = wsClient(app.wsUrl, `Bearer ${key}`);
  const events: Entry[] = [];
  const errors: unknown[] = [];
  client.subscribe<LiveRequestsSubscription>(
    { query: print(LiveRequestsDocument) },
    {
      next: (v) => {
        if (v.data) events.push(v.data.liveRequests);
        if (v.errors) errors.push(...v.errors);
      },
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  await expect.poll(() => live.subscriberCount, { timeout: 10_000 }).toBeGreaterThan(before);
  return {
    events,
    errors,
    ids: () => events.map((e) => e.id),
    /** Waits until every id has arrived (the usage writer commits in batches, every 250 ms by default). */
    async waitFor(...ids: string[]) {
      await expect.poll(() => ids.filter((id) => !events.some((e) => e.id === id)), { timeout: 15_000 }).toEqual([]);
    },
    /** Resolves once the server has let go of this subscriber (the socket closes asynchronously). */
    async close() {
      const open = live.subscriberCount;
      await client.dispose();
      await expect.poll(() => live.subscriberCount, { timeout: 10_000 }).toBeLessThan(open);
    },
  };
}

let fake: FakeOpenAI;
let t: TestApp;
let alice: string;
let bob: string;

async function createKey(app: TestApp, userId: string, teamId: string): Promise<string> {
  const r = await gql<{ createApiKey: { secret: string } }>(app, app.adminKey, `mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name: userId, userId, teamId } });
  return r.data!.createApiKey.secret;
}

async function complete(app: TestApp, key: string, content: string): Promise<string> {
  const r = await gql<{ complete: { id: string } }>(app, key, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, {
    i: { model: "local/gpt-4o-mini", messages: [{ role: "USER", content }], tags: ["live"] },
  });
  expect(r.errors).toBeUndefined();
  return r.data!.complete.id;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  fake.setScenario({ content: "live and well", usage: { promptTokens: 12, completionTokens: 3 } });
  t = await startTestApp({ file: config(fake.url) });
  alice = await createKey(t, "alice", "team-a");
  bob = await createKey(t, "bob", "team-b");
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("Subscription.liveRequests", () => {
  it("an admin sees every key's requests once, with the same content as Query.requests and no body", async () => {
    const admin = await subscriber(t, t.adminKey);
    try {
      const a = await complete(t, alice, "from alice");
      const b = await complete(t, bob, "from bob");
      await admin.waitFor(a, b);
      expect(admin.errors).toEqual([]);
      expect(admin.events.map((e) => e.userId).sort()).toEqual(["alice", "bob"]);

      // The feed matches the log as the query returns it, field for field; the body the log stored for alice stays out.
      const vars = { filter: { tags: ["live"] }, first: 10 };
      const logged = (await gql<RequestsQuery>(t, t.adminKey, print(RequestsDocument), vars)).data!.requests.edges.map((e) => e.node);
      const bodies = (await gql<RequestsWithBodiesQuery>(t, t.adminKey, print(RequestsWithBodiesDocument), vars)).data!.requests.nodes;
      expect(bodies.find((n) => n.id === a)?.body).not.toBeNull();
      for (const e of admin.events) {
        const { body, ...fields } = e;
        expect(body).toBeNull();
        expect(fields).toEqual(logged.find((n) => n.id === e.id));
      }
      // Published once: a third request arrives after the first two, and nothing arrived twice.
      const c = await complete(t, t.adminKey, "from admin");
      await admin.waitFor(c);
      expect(admin.ids()).toEqual([a, b, c]);
    } finally {
      await admin.close();
    }
  });

  it("a member sees only their own requests", async () => {
    const mine = await subscriber(t, alice);
    const admin = await subscriber(t, t.adminKey);
    try {
      const b = await complete(t, bob, "bob again");
      const a = await complete(t, alice, "alice again");
      // Delivery follows commit order: once alice's later request is here, bob's would have been too.
      await mine.waitFor(a);
      await admin.waitFor(b, a);
      expect(mine.errors).toEqual([]);
      expect(mine.ids()).toEqual([a]);
      expect(mine.events[0]).toMatchObject({ userId: "alice", teamId: "team-a", requestedModel: "local/gpt-4o-mini", status: "OK", inputTokens: 12, outputTokens: 3, body: null });
    } finally {
      await Promise.all([mine.close(), admin.close()]);
    }
    await expect.poll(() => t.app.services.observability.live.subscriberCount).toBe(0);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("Subscription.liveRequests across instances (Postgres)", () => {
  let second: TestApp;

  beforeAll(async () => {
    second = await startTestApp({ shareWith: t, file: config(fake.url) });
  }, 60_000);
  afterAll(async () => {
    await second?.close();
  });

  it("a request served by another instance reaches a subscriber here, once, with its own content", async () => {
    const admin = await subscriber(t, t.adminKey);
    const mine = await subscriber(t, bob);
    try {
      const there = await complete(second, alice, "served by instance 2");
      const theirs = await complete(second, bob, "bob on instance 2");
      await admin.waitFor(there, theirs);
      await mine.waitFor(theirs);
      expect(admin.events.find((e) => e.id === there)).toMatchObject({ userId: "alice", status: "OK", inputTokens: 12, outputTokens: 3, tags: ["live"], body: null });

      // This instance's own batch is published locally and its NOTIFY echo ignored: a request here, then a
      // sentinel from instance 2 whose NOTIFY follows that echo, and still each id exactly once. The sentinel
      // waits for the local publish (which follows the commit), since the two instances' usage writers batch
      // independently and their commits would otherwise race.
      const here = await complete(t, alice, "served by instance 1");
      await admin.waitFor(here);
      const sentinel = await complete(second, alice, "sentinel");
      await admin.waitFor(here, sentinel);
      expect(admin.ids()).toEqual([there, theirs, here, sentinel]);
      expect(mine.ids()).toEqual([theirs]);
      expect([...admin.errors, ...mine.errors]).toEqual([]);
    } finally {
      await Promise.all([admin.close(), mine.close()]);
    }
  });
});
