import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { startTestApp, gql, usingPostgres, type TestApp } from "../helpers/app.js";
import { subscribeAll } from "../helpers/clients.js";
import { CompletionStreamDocument } from "../generated/graphql.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const CREATE = `mutation($input: ApiKeyInput!) { createApiKey(input: $input) { secret key { id role userId teamId prefix } } }`;
const ME = `{ me { keyId role userId teamId } }`;

async function createKey(key: string, input: Record<string, unknown>) {
  return gql<{ createApiKey: { secret: string; key: { id: string; role: string; userId: string; teamId: string | null; prefix: string } } }>(t, key, CREATE, { input });
}

describe("API keys", () => {
  it("creates a key whose secret is shown once and stored only as a hash", async () => {
    const r = await createKey(t.adminKey, { name: "svc", userId: "alice", teamId: "payments" });
    const { secret, key } = r.data!.createApiKey;
    expect(secret).toMatch(/^sb-[A-Za-z0-9_-]{40,}$/);
    expect(secret.startsWith(key.prefix)).toBe(true);
    const rows = await t.app.services.db.rows<Record<string, unknown>>(sql`select * from api_keys where id = ${key.id}`);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    const me = await gql<{ me: { role: string; userId: string; teamId: string } }>(t, secret, ME);
    expect(me.data!.me).toMatchObject({ role: "MEMBER", userId: "alice", teamId: "payments" });
    const list = await gql<{ apiKeys: { id: string }[] }>(t, t.adminKey, `{ apiKeys { id secret: prefix } }`);
    expect(list.data!.apiKeys.map((k) => k.id)).toContain(key.id);
  });

  it("lets members see and make only their own keys", async () => {
    const alice = (await createKey(t.adminKey, { name: "a", userId: "alice2" })).data!.createApiKey.secret;
    await createKey(t.adminKey, { name: "b", userId: "bob2" });
    const own = await gql<{ apiKeys: { userId: string }[] }>(t, alice, `{ apiKeys { userId } }`);
    expect(own.data!.apiKeys.every((k) => k.userId === "alice2")).toBe(true);
    const forBob = await createKey(alice, { name: "x", userId: "bob2" });
    expect(forBob.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const admin = await createKey(alice, { name: "x", role: "ADMIN" });
    expect(admin.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const model = await gql(t, alice, `mutation { setModelEnabled(id: "demo/echo", enabled: false) { id } }`);
    expect(model.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects a missing or wrong bearer with 401 UNAUTHENTICATED", async () => {
    const none = await gql(t, undefined, ME);
    expect(none.status).toBe(401);
    expect(none.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const wrong = await gql(t, "sb-not-a-real-key", ME);
    expect(wrong.status).toBe(401);
  });

  it("revocation takes effect at once, despite the key cache", async () => {
    const { secret, key } = (await createKey(t.adminKey, { name: "temp", userId: "carol" })).data!.createApiKey;
    expect((await gql(t, secret, ME)).status).toBe(200); // now cached
    const rev = await gql<{ revokeApiKey: { revokedAt: string } }>(t, t.adminKey, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: key.id });
    expect(rev.data!.revokeApiKey.revokedAt).toBeTruthy();
    expect((await gql(t, secret, ME)).status).toBe(401);
  });

  it.runIf(usingPostgres())("revocation on one instance reaches a second instance sharing the database", async () => {
    const other = await startTestApp({ shareWith: t });
    try {
      const { secret, key } = (await createKey(t.adminKey, { name: "shared", userId: "dave" })).data!.createApiKey;
      expect((await gql(other, secret, ME)).status).toBe(200); // cached on the second instance
      await gql(t, t.adminKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id });
      await expect.poll(async () => (await gql(other, secret, ME)).status, { timeout: 3000 }).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("closes a graphql-ws connection with 4401 when no key is given and 4403 when it is wrong", async () => {
    const input = { model: "demo/echo", messages: [{ role: "USER" as const, content: "hi" }] };
    const missing = await subscribeAll(t.wsUrl, undefined, CompletionStreamDocument, { input });
    expect(missing.closeCode).toBe(4401);
    const wrong = await subscribeAll(t.wsUrl, "sb-wrong", CompletionStreamDocument, { input });
    expect(wrong.closeCode).toBe(4403);
    const bare = await subscribeAll(t.wsUrl, undefined, CompletionStreamDocument, { input }, { authorization: t.adminKey, stopAfter: 1 });
    expect(bare.events.length).toBe(1);
  });
});
