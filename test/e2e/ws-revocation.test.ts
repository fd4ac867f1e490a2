import { print } from "graphql";
import { sql } from "drizzle-orm";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApp, gql, usingPostgres, type TestApp } from "../helpers/app.js";
import { wsClient } from "../helpers/clients.js";
import { BudgetAlertsDocument, CompletionStreamDocument, CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument } from "../generated/graphql.js";

/**
 * A graphql-ws socket authenticates once, when it connects. Revoking its key must end it (4403) and
 * nothing may run on it afterwards; before, a socket opened with the key kept full access, down to
 * minting a fresh key with createApiKey.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

let users = 0;
async function memberKey(): Promise<{ id: string; secret: string; userId: string }> {
  const userId = `ws-member-${++users}`;
  const r = await gql<{ createApiKey: { secret: string; key: { id: string } } }>(t, t.adminKey, print(CreateApiKeyDocument), { input: { name: "ws", role: "MEMBER", userId } });
  expect(r.errors).toBeUndefined();
  return { id: r.data!.createApiKey.key.id, secret: r.data!.createApiKey.secret, userId };
}

interface Outcome<T> {
  data?: T | null;
  /** GraphQL errors, or the close event when the socket went away under the operation. */
  error?: unknown;
}

/** One operation over the client, to its end. */
function run<T>(client: Client, query: string, variables?: Record<string, unknown>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    let out: Outcome<T> = {};
    client.subscribe<T>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (v) => (out = { data: v.data ?? null, ...(v.errors ? { error: v.errors } : {}) }),
        error: (error) => resolve({ ...out, error }),
        complete: () => resolve(out),
      },
    );
  });
}

/**
 * A member's socket held open by a budgetAlerts subscription (the client is lazy: it keeps the socket
 * only while an operation is active), so later operations run on that same socket.
 */
async function openSocket(app: TestApp, secret: string) {
  const closes: number[] = [];
  const client = wsClient(app.wsUrl, `Bearer ${secret}`, (code) => closes.push(code));
  const before = app.app.services.policy.alerts.subscriberCount;
  const alerts = new Promise<unknown>((resolve) => {
    client.subscribe({ query: print(BudgetAlertsDocument) }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
  });
  await expect.poll(() => app.app.services.policy.alerts.subscriberCount, { timeout: 10_000 }).toBe(before + 1);
  return {
    client,
    closes,
    alerts,
    async dispose() {
      await client.dispose();
      await expect.poll(() => app.app.services.policy.alerts.subscriberCount, { timeout: 10_000 }).toBe(before);
    },
  };
}

const keysOf = async (userId: string) => (await t.app.services.db.rows<{ id: string }>(sql`select id from api_keys where user_id = ${userId}`)).map((r) => r.id);
const input = { model: "demo/echo", messages: [{ role: "USER" as const, content: "hi" }] };

describe("graphql-ws after a key is revoked", () => {
  it("closes the key's open socket with 4403; createApiKey, queries and subscriptions on it all fail", async () => {
    const key = await memberKey();
    const ws = await openSocket(t, key.secret);
    try {
      const me = await run<{ me: { keyId: string } }>(ws.client, print(MeDocument));
      expect(me.data?.me.keyId).toBe(key.id);

      const rev = await gql(t, t.adminKey, print(RevokeApiKeyDocument), { id: key.id });
      expect(rev.errors).toBeUndefined();
      // The socket goes at once (give it a moment; on a socket that outlived its key the next step tells).
      await Promise.race([ws.alerts, new Promise((r) => setTimeout(r, 1_000))]);

      const minted = await run<{ createApiKey: { secret: string } }>(ws.client, print(CreateApiKeyDocument), { input: { name: "persist", role: "MEMBER", userId: key.userId } });
      expect(minted.data?.createApiKey?.secret, "createApiKey ran on the revoked key's socket").toBeUndefined();
      expect(minted.error).toBeDefined();
      expect(await keysOf(key.userId)).toEqual([key.id]);

      expect(ws.closes[0]).toBe(4403);
      expect(await ws.alerts).toMatchObject({ code: 4403 });
      await expect.poll(() => t.app.services.policy.alerts.subscriberCount).toBe(0);

      // The next operations find the socket gone; the lazy client connects again and is refused (4403).
      const again = await run<{ me: { keyId: string } }>(ws.client, print(MeDocument));
      expect(again.data?.me).toBeUndefined();
      const stream = await run(ws.client, print(CompletionStreamDocument), { input });
      expect(stream.data).toBeUndefined();
      expect(stream.error).toBeDefined();
      expect(ws.closes.every((c) => c === 4403)).toBe(true);
    } finally {
      await ws.dispose();
    }
  });

  it("checks the key on every operation: a revocation whose notice never came ends the socket once the key cache expires", async () => {
    const key = await memberKey();
    const ws = await openSocket(t, key.secret);
    try {
      expect((await run<{ me: { keyId: string } }>(ws.client, print(MeDocument))).data?.me.keyId).toBe(key.id);
      // Revoked behind the gateway's back (as if another instance's NOTIFY were lost): the key stays cached...
      await t.app.services.db.rows(sql`update api_keys set revoked_at = now() where id = ${key.id}`);
      // ...for at most its TTL of a minute.
      vi.setSystemTime(Date.now() + 61_000);
      const minted = await run<{ createApiKey: { secret: string } }>(ws.client, print(CreateApiKeyDocument), { input: { name: "persist", role: "MEMBER", userId: key.userId } });
      expect(minted.data?.createApiKey?.secret, "createApiKey ran on the revoked key's socket").toBeUndefined();
      expect(minted.error).toBeDefined();
      expect(await keysOf(key.userId)).toEqual([key.id]);
      expect(await ws.alerts).toMatchObject({ code: 4403 });
      expect(ws.closes[0]).toBe(4403);
    } finally {
      vi.useRealTimers();
      await ws.dispose();
    }
  });

  it.runIf(usingPostgres())("a revocation on one instance closes the key's sockets on another sharing the database", async () => {
    const other = await startTestApp({ shareWith: t });
    try {
      const key = await memberKey();
      const ws = await openSocket(other, key.secret);
      try {
        expect((await run<{ me: { keyId: string } }>(ws.client, print(MeDocument))).data?.me.keyId).toBe(key.id);
        await gql(t, t.adminKey, print(RevokeApiKeyDocument), { id: key.id });
        await expect.poll(() => ws.closes[0], { timeout: 5_000 }).toBe(4403);
        expect(await ws.alerts).toMatchObject({ code: 4403 });
        const minted = await run<{ createApiKey: { secret: string } }>(ws.client, print(CreateApiKeyDocument), { input: { name: "persist", role: "MEMBER", userId: key.userId } });
        expect(minted.data?.createApiKey?.secret, "createApiKey ran on the revoked key's socket").toBeUndefined();
        expect(await keysOf(key.userId)).toEqual([key.id]);
      } finally {
        await ws.dispose();
      }
    } finally {
      await other.close();
    }
  });
});
