import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { usageRows } from "../helpers/db.js";
import { POLICY_UPSTREAM_KEY, ask, complete, createKey, policyConfig, setRateLimit } from "../helpers/policy.js";

let fake: FakeOpenAI;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"], scenario: { content: "ok", usage: { promptTokens: 10, completionTokens: 100 } } });
  t = await startTestApp({ file: policyConfig(fake.url) });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
}, 60_000);
afterEach(async () => {
  fake.reset();
  await t.app.services.db.rows(sql`delete from rate_limits`);
  await t.app.services.policy.index.reload();
}, 60_000);

const windowOf = async (key: string) =>
  (await gql<{ rateLimits: { scope: string; subject: string | null; requestsInWindow: number; tokensInWindow: number }[] }>(t, key, `{ rateLimits { scope subject requestsInWindow tokensInWindow } }`)).data!.rateLimits;

describe("rate limits", { timeout: 120_000 }, () => {
  it("admits exactly the requests-per-minute limit, then RATE_LIMITED with retryAfterMs (GraphQL) and 429 + retry-after (REST)", async () => {
    const member = await createKey(t, { userId: "rpm-user" });
    expect((await setRateLimit(t, { scope: "USER", subject: "rpm-user", requestsPerMinute: 60 })).errors).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 90 }, () => complete(t, member.secret, ask("hi", { maxTokens: 100 }))));
    expect(results.filter((r) => r.ok).length).toBe(60);
    const refused = results.filter((r) => !r.ok);
    expect(refused.every((r) => r.code === "RATE_LIMITED")).toBe(true);
    for (const r of refused) {
      expect(r.extensions?.retryAfterMs).toBeGreaterThan(0);
      expect(r.extensions?.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await windowOf(member.secret)).toMatchObject([{ scope: "USER", subject: "rpm-user", requestsInWindow: 60 }]);
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${member.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(429);
    const after = Number(res.headers.get("retry-after"));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    // Refused requests are recorded, and were never sent upstream.
    expect(fake.requests).toHaveLength(60);
    expect(await usageRows(t, sql`user_id = 'rpm-user' and error_code = 'RATE_LIMITED'`)).toHaveLength(31);
  });

  it("counts tokens per minute as the requests really used them", async () => {
    const member = await createKey(t, { userId: "tpm-user" });
    await setRateLimit(t, { scope: "KEY", subject: member.id, tokensPerMinute: 2_000 });
    let admitted = 0;
    for (let i = 0; i < 30; i++) {
      const r = await complete(t, member.secret, ask("hi", { maxTokens: 100 }));
      if (!r.ok) {
        expect(r.code).toBe("RATE_LIMITED");
        expect(r.extensions?.retryAfterMs).toBeGreaterThan(0);
        break;
      }
      admitted++;
      await t.app.services.policy.flush();
    }
    // 110 tokens each (10 in, 100 out): 18 fit in 2 000.
    expect(admitted).toBe(18);
    const [w] = await windowOf(t.adminKey);
    expect(w!.tokensInWindow).toBe(18 * 110);
  });

  it("a request larger than a whole minute's tokens is refused as such: not retryable, no retry-after to wait out", async () => {
    const member = await createKey(t, { userId: "tpm-small" });
    await setRateLimit(t, { scope: "KEY", subject: member.id, tokensPerMinute: 50 });
    const r = await complete(t, member.secret, ask("hi", { maxTokens: 100 }));
    expect(r.ok).toBe(false);
    expect(r.code).toBe("RATE_LIMITED");
    expect(r.extensions?.retryAfterMs).toBeUndefined();
    expect(r.extensions?.tokensPerMinute).toBe(50);
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${member.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeNull();
  });

  it("shows members only the limits that cover them", async () => {
    const a = await createKey(t, { userId: "rl-a", teamId: "rl-team" });
    await createKey(t, { userId: "rl-b" });
    await setRateLimit(t, { scope: "USER", subject: "rl-a", requestsPerMinute: 5 });
    await setRateLimit(t, { scope: "USER", subject: "rl-b", requestsPerMinute: 5 });
    await setRateLimit(t, { scope: "TEAM", subject: "rl-team", tokensPerMinute: 5_000 });
    await setRateLimit(t, { scope: "GLOBAL", requestsPerMinute: 10_000 });
    expect((await windowOf(a.secret)).map((l) => `${l.scope}:${l.subject ?? ""}`).sort()).toEqual(["GLOBAL:", "TEAM:rl-team", "USER:rl-a"]);
    expect(await windowOf(t.adminKey)).toHaveLength(4);
  });
});
