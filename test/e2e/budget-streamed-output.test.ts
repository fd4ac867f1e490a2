import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { subscribeAll } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { POLICY_UPSTREAM_KEY, ask, budgetRow, createKey, holdCount, policyConfig, setBudget, clearBudgets } from "../helpers/policy.js";
import { CompletionStreamDocument, type CompletionStreamSubscription } from "../generated/graphql.js";

/**
 * A stream's hold grows with its output, counted with the tokenizer: tool-call arguments and text
 * that packs many tokens into few characters (CJK) must cut a BLOCK budget as plain English does.
 * `local/m` costs 10 µ$ per output token and nothing for input, so a $0.01 budget is 1000 tokens.
 */
let fake: FakeOpenAI;
let t: TestApp;

const LIMIT_MICROS = 10_000;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: POLICY_UPSTREAM_KEY, models: ["m"] });
  const file = policyConfig(fake.url);
  file.models[0]!.capabilities = ["chat", "streaming", "tools"];
  t = await startTestApp({ file });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
}, 60_000);
afterEach(async () => {
  fake.reset();
  await clearBudgets(t);
}, 60_000);

const toolArgs = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? (e.completionStream.toolCall?.argumentsDelta ?? "") : "")).join("");
const text = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? e.completionStream.content : "")).join("");

/** Cut near the limit: what the client got was paid for, no more than the limit was spent, no hold is left. */
async function expectCutNearLimit(budgetId: string, keyId: string): Promise<void> {
  const after = await budgetRow(t, budgetId);
  const [row] = await usageRows(t, sql`key_id = ${keyId}`);
  expect(row).toMatchObject({ status: "error", error_code: "BUDGET_EXCEEDED", stream: true, tokens_estimated: true });
  expect(after).toEqual({ spent: Number(row!.cost_micro_usd), reserved: 0, limit: LIMIT_MICROS });
  expect(after.spent).toBeGreaterThan(LIMIT_MICROS / 2);
  expect(after.spent).toBeLessThanOrEqual(LIMIT_MICROS);
  expect(await holdCount(t)).toBe(0);
}

describe("streamed output that the character count underestimates", { timeout: 120_000 }, () => {
  it("a tool call whose arguments outrun a BLOCK budget is cut with BUDGET_EXCEEDED, and spending stays at the limit", async () => {
    const key = await createKey(t, { userId: "tool-caller" });
    const b = await setBudget(t, { scope: "KEY", subject: key.id, period: "TOTAL", limitUsd: LIMIT_MICROS / 1e6 });
    expect(b.errors).toBeUndefined();
    // 5000 tokens of arguments in ~40-character fragments of ~9 tokens each: each far below what a
    // single delta may overshoot by, so the hold must follow them.
    const args = JSON.stringify({ text: Array.from({ length: 5000 }, () => "word").join(" ") });
    fake.setScenario({ toolCalls: [{ id: "call_w", name: "write", arguments: args }], argChunkSize: 40, usage: { promptTokens: 20, completionTokens: 5010 } });
    const r = await subscribeAll(t.wsUrl, key.secret, CompletionStreamDocument, {
      input: ask("write it all down", { tools: [{ name: "write", parameters: { type: "object", properties: { text: { type: "string" } } } }] }),
    });
    expect(r.errors.map((e) => e.extensions?.code)).toEqual(["BUDGET_EXCEEDED"]);
    const got = toolArgs(r.events);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(args.length);
    expect(args.startsWith(got)).toBe(true);

    await expectCutNearLimit(b.id, key.id);
  });

  it("CJK text (~6 tokens in 8 characters) is cut at the limit, not at a multiple of it", async () => {
    const key = await createKey(t, { userId: "cjk-writer" });
    const b = await setBudget(t, { scope: "KEY", subject: key.id, period: "TOTAL", limitUsd: LIMIT_MICROS / 1e6 });
    expect(b.errors).toBeUndefined();
    // 600 deltas of 6 tokens each: 3600 tokens in 4800 characters. Paced, so that each arrives on its own
    // (text deltas that arrive in one read are handed on as one, and a single huge delta may overshoot).
    fake.setScenario({ tokens: Array.from({ length: 600 }, () => "预算永远不会超支"), itlMs: 2, usage: { promptTokens: 20, completionTokens: 3600 } });
    const r = await subscribeAll(t.wsUrl, key.secret, CompletionStreamDocument, { input: ask("写一篇长文") });
    expect(r.errors.map((e) => e.extensions?.code)).toEqual(["BUDGET_EXCEEDED"]);
    expect(text(r.events).length).toBeGreaterThan(0);

    await expectCutNearLimit(b.id, key.id);
  });
});
