import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, usingPostgres, type TestApp } from "../helpers/app.js";
import { usageRows } from "../helpers/db.js";
import { POLICY_UPSTREAM_KEY, budgetRow, createKey, holdCount, policyConfig, seesBudgets, setBudget } from "../helpers/policy.js";

/**
 * A stream still running when the drain period ends is cut; it settles (usage record, budget
 * settlement) once its upstream call has unwound. Shutdown must wait for that before the last flushes
 * and before the database closes: before, the settlement came after the settler had stopped, so the
 * stream's cost was never counted, its hold stayed reserved until it expired, and its usage record was
 * lost. A second instance on the same Postgres is shut down, and the first reads what it left behind.
 */
describe.runIf(usingPostgres())("shutdown with a stream still running at the drain timeout", { timeout: 60_000 }, () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let key: { id: string; secret: string };
  // Neither instance sweeps expired holds during the test: a hold left behind must stay visible.
  const config = () => policyConfig(fake.url, { sweepIntervalMs: 600_000 });

  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
    t = await startTestApp({ file: config() });
    key = await createKey(t, { userId: "cut-user", teamId: "cut-team" });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  afterEach(() => fake.reset());

  it("REST: the cut stream's hold is released, its cost spent and its usage record written (cancelled) before the database closes", async () => {
    const bud = await setBudget(t, { scope: "USER", subject: "cut-user", period: "TOTAL", limitUsd: 1 });
    expect(bud.errors).toBeUndefined();
    const s = await startTestApp({ file: { ...config(), shutdown: { drainMs: 300 } }, shareWith: t });
    let closed = false;
    try {
      await seesBudgets(s, 1);
      // One delta at once, then nothing for a minute: the stream outlives the 300 ms drain.
      fake.setScenario({ tokens: Array.from({ length: 50 }, (_, i) => ` word${i}`), itlMs: 60_000 });
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ model: "local/m", stream: true, messages: [{ role: "user", content: "a long answer please" }] }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("word0")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(text).toContain("word0");
      expect(await holdCount(t)).toBe(1);
      expect((await budgetRow(t, bud.id)).reserved).toBeGreaterThan(0);

      await s.close();
      closed = true;
      // The client's stream was cut without [DONE].
      let rest = "";
      for (;;) {
        const r = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (r.done) break;
        rest += decoder.decode(r.value, { stream: true });
      }
      expect(rest).not.toContain("[DONE]");

      // Read at once: nothing written after the instance closed could have counted.
      const rows = await usageRows(t, sql`user_id = 'cut-user'`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "cancelled", model_served: "local/m", stream: true });
      expect(rows[0]!.output_tokens).toBeGreaterThan(0);
      const cost = Number(rows[0]!.cost_micro_usd);
      expect(cost).toBe(rows[0]!.output_tokens * 10);
      expect(await budgetRow(t, bud.id)).toEqual({ spent: cost, reserved: 0, limit: 1_000_000 });
      expect(await holdCount(t)).toBe(0);
    } finally {
      if (!closed) await s.close();
    }
  });
});
