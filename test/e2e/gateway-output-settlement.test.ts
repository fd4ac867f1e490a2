import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { apolloClient, subscribeAll } from "../helpers/clients.js";
import { usageRows, type UsageRow } from "../helpers/db.js";
import {
  CompleteDocument,
  CompletionStreamDocument,
  DeleteGuardrailPolicyDocument,
  GuardrailPoliciesDocument,
  ModelHealthDocument,
  RequestByIdDocument,
  SetGuardrailPolicyDocument,
  type CompletionStreamSubscription,
  type GuardrailPolicyInput,
} from "../generated/graphql.js";

/**
 * What the gateway settles and measures once the output guard has had its say: an answer it blocks
 * is still billed, text it holds back to the end is still timed, a failed attempt's held-back text is
 * dropped, and a stored body keeps the caller's own values as placeholders.
 */
const UPSTREAM_KEY = "sk-upstream-settle-0123456789abcdef";
const MODEL = "local/gpt-4o-mini";
const CARD = "4111 1111 1111 1111";
const EMAIL = "carol@example.org";

let fake: FakeOpenAI;
let t: TestApp;

type Row = UsageRow & { tokens_per_second: number | null; reasoning_tokens: number };

const input = (content: string, extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: "USER" as const, content }], ...extra });
/** Text deltas the client received, one per event. */
const pieces = (events: CompletionStreamSubscription[]) =>
  events.flatMap((e) => (e.completionStream.__typename === "CompletionDelta" && e.completionStream.content ? [e.completionStream.content] : []));
const deltas = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? e.completionStream.content : "")).join("");
const doneOf = (events: CompletionStreamSubscription[]) => {
  const last = events.at(-1)?.completionStream;
  return last?.__typename === "CompletionDone" ? last.completion : undefined;
};
async function rowOf(id: string): Promise<Row> {
  const [row] = await usageRows(t, sql`id = ${id}`);
  expect(row).toBeDefined();
  return row as Row;
}
/** The newest usage record (for refusals, whose id the client never sees). */
async function lastRow(): Promise<Row> {
  const rows = await usageRows(t);
  return rows.at(-1) as Row;
}
async function setPolicy(p: GuardrailPolicyInput): Promise<void> {
  await apolloClient(t.url, t.adminKey).mutate({ mutation: SetGuardrailPolicyDocument, variables: { input: p } });
}
async function health() {
  const { data } = await apolloClient(t.url, t.adminKey).query({ query: ModelHealthDocument, variables: { id: MODEL } });
  return data!.model!.health;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
      // $1 per million input tokens, $10 per million output: 1 µ$ an input token, 10 µ$ an output token.
      models: [{ id: MODEL, inputPricePerMTok: 1, outputPricePerMTok: 10, contextWindow: 128000, maxOutputTokens: 2000, capabilities: ["chat", "streaming", "tools"] }],
      guardrails: { piiTypes: ["EMAIL", "CREDIT_CARD", "IBAN", "SECRET", "US_SSN"], pollMs: 200 },
      logging: { bodies: true },
      // One failure opens the circuit, and it turns half-open quickly: a trial's outcome is visible at once.
      routing: { retry: { backoffMs: 1 }, breaker: { failureThreshold: 1, cooldownMs: 150 } },
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
});
afterEach(async () => {
  fake.reset();
  t.app.services.routing.health.reset();
  const c = apolloClient(t.url, t.adminKey);
  const { data } = await c.query({ query: GuardrailPoliciesDocument });
  for (const p of data!.guardrailPolicies) await c.mutate({ mutation: DeleteGuardrailPolicyDocument, variables: { id: p.id } });
});

describe("non-streamed answers", () => {
  it("an answer the output guard blocks is billed for the tokens the provider reported", async () => {
    await setPolicy({ scope: "GLOBAL" as never, piiOutput: "BLOCK" as never });
    fake.setScenario({ content: "Sure: write to bob@example.com", usage: { promptTokens: 30, completionTokens: 12 } });
    const r = await gql(t, t.adminKey, `mutation($input: CompletionInput!) { complete(input: $input) { id } }`, { input: input("who do I write to?") });
    expect(r.errors?.[0]?.extensions?.code).toBe("GUARDRAIL_BLOCKED");
    expect(fake.requests).toHaveLength(1);
    const row = await lastRow();
    expect(row).toMatchObject({ status: "error", error_code: "GUARDRAIL_BLOCKED", model_served: MODEL, input_tokens: 30, output_tokens: 12, tokens_estimated: false });
    // The provider billed the call: 30 × 1 µ$ + 12 × 10 µ$.
    expect(Number(row.cost_micro_usd)).toBe(150);
  });

  it("neither a blocked answer nor an empty one has a TTFT (nothing reached the client); an answer with content has", async () => {
    await setPolicy({ scope: "GLOBAL" as never, piiOutput: "BLOCK" as never });
    fake.setScenario({ content: "Card 4111 1111 1111 1111", usage: { promptTokens: 8, completionTokens: 9 } });
    const blocked = await gql(t, t.adminKey, `mutation($input: CompletionInput!) { complete(input: $input) { id } }`, { input: input("my card?") });
    expect(blocked.errors?.[0]?.extensions?.code).toBe("GUARDRAIL_BLOCKED");
    expect(await lastRow()).toMatchObject({ error_code: "GUARDRAIL_BLOCKED", ttft_ms: null, itl_ms: null });

    fake.setScenario({ content: "", usage: { promptTokens: 8, completionTokens: 0 } });
    const client = apolloClient(t.url, t.adminKey);
    const empty = await client.mutate({ mutation: CompleteDocument, variables: { input: input("say nothing") } });
    expect(empty.data!.complete.content).toBe("");
    expect(empty.data!.complete.metrics.ttftMs).toBeNull();
    expect((await rowOf(empty.data!.complete.id)).ttft_ms).toBeNull();

    fake.setScenario({ content: "Something.", usage: { promptTokens: 8, completionTokens: 2 } });
    const some = await client.mutate({ mutation: CompleteDocument, variables: { input: input("say something") } });
    expect(some.data!.complete.metrics.ttftMs).not.toBeNull();
    expect((await rowOf(some.data!.complete.id)).ttft_ms).not.toBeNull();
  });
});

describe("streamed answers the output guard holds back", () => {
  it("an answer that is just an email, released only at the end, still gets a TTFT (as late as the release)", async () => {
    fake.setScenario({ tokens: ["bob@exa", "mple.com"], itlMs: 40, usage: { promptTokens: 5, completionTokens: 4 } });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("an email please") });
    expect(r.errors).toEqual([]);
    expect(deltas(r.events)).toBe("[EMAIL_1]");
    const done = doneOf(r.events)!;
    // Held until the upstream finished, which was at least one 40 ms gap after its first delta.
    expect(done.metrics.ttftMs).not.toBeNull();
    expect(done.metrics.ttftMs!).toBeGreaterThanOrEqual(35);
    expect(done.metrics.ttftMs!).toBeLessThanOrEqual(done.metrics.latencyMs);
    const row = await rowOf(done.id);
    expect(row.ttft_ms).toBe(done.metrics.ttftMs);
  });

  it("a held tail released at the end is timed: ITL and tokens/s cover it", async () => {
    // "Card: " goes out at once; the card number is held back until the stream ends, two 40 ms gaps later.
    fake.setScenario({ tokens: ["Card: ", "4111 1111 ", "1111 1111"], itlMs: 40, usage: { promptTokens: 5, completionTokens: 9 } });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("a card please") });
    expect(r.errors).toEqual([]);
    expect(pieces(r.events)).toEqual(["Card: ", "[CREDIT_CARD_1]"]);
    const m = doneOf(r.events)!.metrics;
    expect(m.ttftMs).not.toBeNull();
    // Two deltas: "Card: " and the tail released once the upstream finished.
    expect(m.itlMs).not.toBeNull();
    expect(m.itlMs!).toBeGreaterThan(0);
    expect(m.tokensPerSecond).not.toBeNull();
    // 8 tokens after the first over the generation phase (= one ITL here).
    expect(m.tokensPerSecond!).toBeCloseTo(8_000 / m.itlMs!, 1);
    const row = await rowOf(doneOf(r.events)!.id);
    expect({ itl: row.itl_ms, tps: row.tokens_per_second }).toEqual({ itl: m.itlMs, tps: m.tokensPerSecond });
  });

  it("an attempt whose whole answer was held back is reported to the router as a success: a half-open circuit closes", async () => {
    // A 401 counts as a failure and, with a threshold of 1, opens the circuit.
    fake.enqueue({ status: 401 });
    const refused = await gql(t, t.adminKey, `mutation($input: CompletionInput!) { complete(input: $input) { id } }`, { input: input("hello") });
    expect(refused.errors?.[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    expect((await health()).circuit).toBe("OPEN");
    await expect.poll(async () => (await health()).circuit, { timeout: 5_000, interval: 25 }).toBe("HALF_OPEN");

    // The trial: an answer that is only a card number, which the output guard releases after the upstream finished.
    fake.setScenario({ tokens: ["4111 1111 ", "1111 1111"], usage: { promptTokens: 5, completionTokens: 8 } });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("my card?") });
    expect(r.errors).toEqual([]);
    expect(deltas(r.events)).toBe("[CREDIT_CARD_1]");
    expect(doneOf(r.events)!.attempts).toMatchObject([{ model: MODEL, outcome: "OK" }]);
    const h = await health();
    expect(h).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0 });
    expect(h.ttftMs).not.toBeNull();
  });

  it("text a failed attempt left held back does not open the next attempt's answer", async () => {
    // First attempt: the start of a card number (held back), then a retryable in-stream server error.
    fake.enqueue({ tokens: ["4111 1111"], errorAfter: 1 });
    fake.setScenario({ tokens: ["Hello", " again."], usage: { promptTokens: 5, completionTokens: 2 } });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("hi") });
    expect(r.errors).toEqual([]);
    expect(fake.requests).toHaveLength(2);
    const done = doneOf(r.events)!;
    expect(done.attempts).toMatchObject([{ outcome: "ERROR" }, { outcome: "OK" }]);
    expect(deltas(r.events)).toBe("Hello again.");
    expect(done.content).toBe("Hello again.");
    expect(JSON.stringify(r.events)).not.toContain("4111");
  });
});

describe("tokens per second", () => {
  it("counts only the visible tokens: reasoning tokens are generated before the first delta", async () => {
    // No output transform: every upstream delta is one delta to the client.
    await setPolicy({ scope: "GLOBAL" as never, piiOutput: "OFF" as never });
    const words = [" one", " two", " three", " four", " five", " six", " seven", " eight", " nine", " ten", " eleven"];
    // 1011 output tokens billed, 1000 of them reasoning: 11 visible, one per delta.
    fake.setScenario({ tokens: words, itlMs: 15, usage: { promptTokens: 5, completionTokens: 1011, reasoningTokens: 1000 } });
    const r = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input("count to eleven") });
    expect(r.errors).toEqual([]);
    const done = doneOf(r.events)!;
    expect(done.usage.outputTokens).toBe(1011);
    const { itlMs, tokensPerSecond } = done.metrics;
    expect(itlMs).not.toBeNull();
    expect(tokensPerSecond).not.toBeNull();
    // 10 visible tokens after the first over the generation phase, which is ITL × (deltas − 1). Deltas that
    // arrived in one read reach the client as one, hence counting them rather than assuming 11.
    const n = pieces(r.events).length;
    expect(n).toBeGreaterThan(1);
    expect(pieces(r.events).join("")).toBe(words.join(""));
    expect(tokensPerSecond!).toBeCloseTo(10_000 / (itlMs! * (n - 1)), 1);
    const row = await rowOf(done.id);
    expect(row).toMatchObject({ output_tokens: 1011, reasoning_tokens: 1000 });
    expect(row.tokens_per_second).toBe(tokensPerSecond);
  });
});

describe("stored bodies", () => {
  it("keep the caller's own values as placeholders where the answer had them restored", async () => {
    fake.setScenario({ content: "Sure, I will write to [EMAIL_1]", usage: { promptTokens: 10, completionTokens: 8 } });
    const client = apolloClient(t.url, t.adminKey);
    const { data } = await client.mutate({ mutation: CompleteDocument, variables: { input: input(`My address is ${EMAIL}`) } });
    // The provider never saw the address, the client gets it back.
    expect(fake.requests.at(-1)!.rawBody).not.toContain(EMAIL);
    expect(data!.complete.content).toBe(`Sure, I will write to ${EMAIL}`);

    // Streamed, with the placeholder split across deltas.
    fake.setScenario({ tokens: ["Sure, I will write to [EM", "AIL_", "1] today."], usage: { promptTokens: 10, completionTokens: 9 } });
    const s = await subscribeAll(t.wsUrl, t.adminKey, CompletionStreamDocument, { input: input(`My address is ${EMAIL}`) });
    expect(deltas(s.events)).toBe(`Sure, I will write to ${EMAIL} today.`);

    await t.app.services.usage.flush();
    const stored = async (id: string) => (await client.query({ query: RequestByIdDocument, variables: { id } })).data!.request!.body!;
    const whole = await stored(data!.complete.id);
    expect(whole.response).toBe("Sure, I will write to [EMAIL_1]");
    const streamed = await stored(doneOf(s.events)!.id);
    expect(streamed.response).toBe("Sure, I will write to [EMAIL_1] today.");
    const raw = await t.app.services.db.rows<{ request: unknown; response: string }>(sql`select request, response from request_bodies`);
    expect(raw.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(raw)).not.toContain(EMAIL);
  });
});
