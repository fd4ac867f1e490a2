import { randomUUID } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/core/auth/keys.js";
import type { UsageRecord } from "../../src/core/metering/usage-writer.js";
import { LIVE_CHANNEL, LiveRequests } from "../../src/core/observability/live.js";
import type { Database } from "../../src/db/client.js";

const admin: Principal = { keyId: "k-admin", role: "ADMIN", userId: "admin", teamId: null, allowedModels: null };
const alice: Principal = { keyId: "k-alice", role: "MEMBER", userId: "alice", teamId: "team-a", allowedModels: null };

/** A database that only records NOTIFYs: the hub reads rows only for other instances' batches. */
function fakeDb(kind: Database["kind"]) {
  const notified: string[] = [];
  const db = {
    kind,
    async notify(channel: string, payload: string) {
      expect(channel).toBe(LIVE_CHANNEL);
      notified.push(payload);
    },
    async listen() {
      return async () => undefined;
    },
  } as unknown as Database;
  return { db, notified };
}

function record(userId: string, i: number): UsageRecord {
  return {
    id: randomUUID(),
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    userId,
    transport: "graphql",
    stream: false,
    modelRequested: "m",
    inputTokens: i,
    outputTokens: 1,
    costMicroUsd: 0,
    latencyMs: 1,
    status: "ok",
  };
}

describe("LiveRequests hub", () => {
  it("keeps a slow subscriber's backlog bounded: the oldest entries go, and are counted", async () => {
    const drops: number[] = [];
    const hub = new LiveRequests(fakeDb("pglite").db, pino({ level: "silent" }), { onDrop: (n) => drops.push(n) });
    const feed = hub.subscribe(admin, 3);
    hub.committed(Array.from({ length: 5 }, (_, i) => record("u", i)));
    hub.committed([record("u", 5)]);
    expect(feed.dropped).toBe(3);
    expect(drops).toEqual([2, 1]);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push((await feed.next()).value!.inputTokens);
    expect(seen).toEqual([3, 4, 5]);
    await feed.return!();
    expect(hub.subscriberCount).toBe(0);
    expect((await feed.next()).done).toBe(true);
  });

  it("gives a member only their own requests, with the columns the writer left to defaults filled in", async () => {
    const hub = new LiveRequests(fakeDb("pglite").db, pino({ level: "silent" }));
    const feed = hub.subscribe(alice);
    hub.committed([record("bob", 1), record("alice", 2), { ...record("nobody", 3), userId: null }]);
    const r = (await feed.next()).value!;
    expect(r).toMatchObject({ userId: "alice", inputTokens: 2, tags: [], attempts: [], guardrails: null, cachedInputTokens: 0, tokensEstimated: false, keyId: null });
    hub.committed([record("alice", 4)]);
    expect((await feed.next()).value!.inputTokens).toBe(4);
    await hub.stop();
    expect((await feed.next()).done).toBe(true);
  });

  it("announces a Postgres batch in NOTIFYs under 8000 bytes, and PGlite batches not at all", async () => {
    const pg = fakeDb("postgres");
    const hub = new LiveRequests(pg.db, pino({ level: "silent" }));
    const batch = Array.from({ length: 400 }, (_, i) => record("u", i % 60));
    hub.committed(batch);
    await hub.stop();
    expect(pg.notified.length).toBeGreaterThan(1);
    const ids: string[] = [];
    for (const p of pg.notified) {
      expect(Buffer.byteLength(p)).toBeLessThan(8000);
      const n = JSON.parse(p) as { i: string; r: string[] };
      expect(n.i).toBe(hub.instanceId);
      ids.push(...n.r);
    }
    expect(ids).toEqual(batch.map((r) => r.id));

    const lite = fakeDb("pglite");
    new LiveRequests(lite.db, pino({ level: "silent" })).committed(batch);
    expect(lite.notified).toEqual([]);
  });
});
