import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CompleteDocument, CompletionStreamDocument, ExplainRouteDocument, ModelHealthDocument, type CompletionStreamSubscription } from "../generated/graphql.js";
import { subscribeAll } from "../helpers/clients.js";
import { usageRows } from "../helpers/db.js";
import { ErrorCode, GatewayError } from "../../src/domain/errors.js";
import { op, resetRouting, startRoutingFixture, userInput, type RoutingFixture } from "../helpers/routing.js";

let f: RoutingFixture;

beforeAll(async () => {
  f = await startRoutingFixture();
});
afterAll(async () => {
  await f?.close();
});
afterEach(async () => {
  await resetRouting(f);
});

type Strategy = "FALLBACK" | "WEIGHTED" | "LEAST_LATENCY" | "LEAST_COST";
async function rule(name: string, router: string, targets: string[], extra: { kinds?: ("CODE" | "TEXT")[]; priority?: number; strategy?: Strategy } = {}) {
  return f.t.app.services.routing.upsertRule({
    name,
    priority: extra.priority ?? 10,
    when: { models: [router], ...(extra.kinds ? { kinds: extra.kinds } : {}) },
    targets: targets.map((model) => ({ model })),
    strategy: extra.strategy ?? "FALLBACK",
  });
}

async function complete(model: string, content = "hello there") {
  const r = await op(f.t, f.t.adminKey, CompleteDocument, { input: userInput(model, content) });
  expect(r.errors).toBeUndefined();
  return r.data!.complete;
}

const streamDone = (events: CompletionStreamSubscription[]) => {
  const last = events.at(-1)?.completionStream;
  return last?.__typename === "CompletionDone" ? last.completion : undefined;
};
const streamText = (events: CompletionStreamSubscription[]) =>
  events.map((e) => (e.completionStream.__typename === "CompletionDelta" ? e.completionStream.content : "")).join("");

async function health(model: string) {
  const r = await op(f.t, f.t.adminKey, ModelHealthDocument, { id: model });
  return r.data!.model!.health;
}

describe("failover before the first token", () => {
  it("connection refused: the next target answers; both attempts are traced in the answer and the usage record", async () => {
    await rule("dead first", "auto", ["dead/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.b.setScenario({ content: "from b" });
    const c = await complete("auto");
    expect(c).toMatchObject({ model: "b/gpt-4o-mini", provider: "b", requestedModel: "auto", content: "from b" });
    expect(c.attempts).toMatchObject([
      { model: "dead/gpt-4o-mini", provider: "dead", outcome: "ERROR", errorCode: "UPSTREAM_ERROR" },
      { model: "b/gpt-4o-mini", provider: "b", outcome: "OK", error: null },
    ]);
    expect(c.attempts[0]!.error).toContain("connection refused");
    const [row] = await usageRows(f.t, sql`id = ${c.id}`);
    expect(row).toMatchObject({ status: "ok", model_requested: "auto", model_served: "b/gpt-4o-mini", provider: "b" });
    expect(row!.attempts).toMatchObject([{ model: "dead/gpt-4o-mini", outcome: "error" }, { model: "b/gpt-4o-mini", outcome: "ok" }]);
  });

  it("429 with retry-after: the next target answers, and the limited one is skipped until its retry-after has passed", async () => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.enqueue({ status: 429, headers: { "retry-after": "6" } });
    const first = await complete("auto");
    expect(first.model).toBe("b/gpt-4o-mini");
    expect(first.attempts.map((x) => [x.model, x.outcome])).toEqual([
      ["a/gpt-4o-mini", "ERROR"],
      ["b/gpt-4o-mini", "OK"],
    ]);
    expect(first.attempts[0]!.error).toContain("429");
    expect((await health("a/gpt-4o-mini")).cooldownUntil).not.toBeNull();

    // Cooling down: a is not even tried.
    const second = await complete("auto");
    expect(second.attempts.map((x) => x.model)).toEqual(["b/gpt-4o-mini"]);
    expect(f.a.requests).toHaveLength(1);
    const explained = await op(f.t, f.t.adminKey, ExplainRouteDocument, { input: userInput("auto", "hi") });
    expect(explained.data!.explainRoute.candidates[0]).toMatchObject({ model: "a/gpt-4o-mini", kept: false });
    expect(explained.data!.explainRoute.candidates[0]!.reason).toContain("429");

    await expect
      .poll(async () => (await op(f.t, f.t.adminKey, ExplainRouteDocument, { input: userInput("auto", "hi") })).data!.explainRoute.candidates[0]!.kept, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    expect((await complete("auto")).model).toBe("a/gpt-4o-mini");
  });

  it.each([503, 529])("%i: the next target answers", async (status) => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.enqueue({ status });
    const c = await complete("auto");
    expect(c.model).toBe("b/gpt-4o-mini");
    expect(c.attempts[0]).toMatchObject({ model: "a/gpt-4o-mini", outcome: "ERROR" });
    expect(c.attempts[0]!.error).toContain(String(status));
    expect(f.a.requests).toHaveLength(1);
    expect(f.b.requests).toHaveLength(1);
  });

  it("hang before the first byte: a's own 500 ms first-byte timeout moves the stream to b", async () => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.enqueue({ hang: true });
    f.b.setScenario({ content: "b streams instead" });
    const started = Date.now();
    const r = await subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto", "stream please") });
    expect(r.errors).toEqual([]);
    expect(streamText(r.events)).toBe("b streams instead");
    const done = streamDone(r.events)!;
    expect(done.model).toBe("b/gpt-4o-mini");
    expect(done.attempts).toMatchObject([{ model: "a/gpt-4o-mini", outcome: "ERROR" }, { model: "b/gpt-4o-mini", outcome: "OK" }]);
    expect(done.attempts[0]!.error).toContain("timed out waiting for the first byte");
    // The global first-byte timeout is 120 s: only a's own setting can have cut it short.
    expect(Date.now() - started).toBeLessThan(10_000);
    await f.a.waitFor((x) => x.disconnects === 1);
  });

  it("dies before the first token: the next target answers", async () => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.enqueue({ dieAfter: 0 });
    const r = await subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto", "hi") });
    expect(r.errors).toEqual([]);
    expect(streamDone(r.events)!.attempts.map((x) => [x.model, x.outcome])).toEqual([
      ["a/gpt-4o-mini", "ERROR"],
      ["b/gpt-4o-mini", "OK"],
    ]);
  });

  it("dies mid-stream: no silent switch; the stream ends with a typed error and the attempt is recorded", async () => {
    await rule("a then b", "auto-mid", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    // The pause after each token makes sure the first one is on the wire before the socket dies.
    f.a.enqueue({ content: "one two three four five", dieAfter: 2, itlMs: 200 });
    const r = await subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto-mid", "hi") });
    expect(["one", "one two"]).toContain(streamText(r.events));
    expect(r.errors[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    expect(f.b.requests).toHaveLength(0);
    await expect.poll(async () => (await usageRows(f.t, sql`model_requested = 'auto-mid'`)).length).toBe(1);
    const [row] = await usageRows(f.t, sql`model_requested = 'auto-mid'`);
    expect(row).toMatchObject({ model_served: "a/gpt-4o-mini", error_code: "UPSTREAM_ERROR" });
    expect(row!.attempts).toMatchObject([{ model: "a/gpt-4o-mini", outcome: "error" }]);
  });
});

describe("circuit breakers", () => {
  it("open after a run of failures, skip the target, half-open after the cool-down and close on a good trial", async () => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.setScenario({ status: 503 });
    for (let i = 0; i < 3; i++) expect((await complete("auto")).attempts.map((x) => x.outcome)).toEqual(["ERROR", "OK"]);
    expect(await health("a/gpt-4o-mini")).toMatchObject({ circuit: "OPEN", consecutiveFailures: 3 });
    expect((await health("a/gpt-4o-mini")).lastError).toContain("503");
    expect(await health("b/gpt-4o-mini")).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0 });

    // Open: a is skipped without being called.
    const skipped = await complete("auto");
    expect(skipped.attempts.map((x) => x.model)).toEqual(["b/gpt-4o-mini"]);
    expect(f.a.requests).toHaveLength(3);
    const x = await op(f.t, f.t.adminKey, ExplainRouteDocument, { input: userInput("auto", "hi") });
    expect(x.data!.explainRoute.candidates.map((c) => [c.model, c.kept, c.circuit])).toEqual([
      ["a/gpt-4o-mini", false, "OPEN"],
      ["b/gpt-4o-mini", true, "CLOSED"],
    ]);
    expect(x.data!.explainRoute.candidates[0]!.reason).toContain("circuit open");

    // a recovers; after the cool-down one trial request goes to it and closes the circuit.
    f.a.setScenario({ content: "a is back" });
    await expect.poll(async () => (await health("a/gpt-4o-mini")).circuit, { timeout: 15_000, interval: 100 }).toBe("HALF_OPEN");
    const trial = await complete("auto");
    expect(trial).toMatchObject({ model: "a/gpt-4o-mini", content: "a is back" });
    expect(await health("a/gpt-4o-mini")).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0 });
  });

  it("a failed trial re-opens the circuit", async () => {
    await rule("a then b", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    f.a.setScenario({ status: 500 });
    for (let i = 0; i < 3; i++) await complete("auto");
    await expect.poll(async () => (await health("a/gpt-4o-mini")).circuit, { timeout: 15_000, interval: 100 }).toBe("HALF_OPEN");
    const trial = await complete("auto");
    expect(trial.attempts.map((x) => [x.model, x.outcome])).toEqual([
      ["a/gpt-4o-mini", "ERROR"],
      ["b/gpt-4o-mini", "OK"],
    ]);
    expect((await health("a/gpt-4o-mini")).circuit).toBe("OPEN");
  });

  it("when every target is open, the one available soonest is still tried rather than refusing", async () => {
    await rule("a then dead", "auto", ["a/gpt-4o-mini", "dead/gpt-4o-mini"]);
    const health = f.t.app.services.routing.health;
    const down = (m: string) => new GatewayError(ErrorCode.UPSTREAM_ERROR, `${m}: connection refused`, { retryable: true });
    // a's circuit opens first, so it is the first to be allowed back.
    for (let i = 0; i < 3; i++) health.failure("a/gpt-4o-mini", down("a"));
    for (let i = 0; i < 3; i++) health.failure("dead/gpt-4o-mini", down("dead"));
    f.a.setScenario({ content: "still served" });
    const x = await op(f.t, f.t.adminKey, ExplainRouteDocument, { input: userInput("auto", "hi") });
    expect(x.data!.explainRoute.errorCode).toBeNull();
    expect(x.data!.explainRoute.candidates[0]).toMatchObject({ model: "a/gpt-4o-mini", kept: true });
    const c = await complete("auto");
    expect(c).toMatchObject({ model: "a/gpt-4o-mini", content: "still served" });
    expect(c.attempts.map((a) => a.model)).toEqual(["a/gpt-4o-mini"]);
  });
});

describe("the seed's example", () => {
  it("if provider A is down switch to B; if the request is code, route to Gemini; else OpenAI", async () => {
    await rule("code goes to Gemini", "auto", ["g/gemini-2.0-flash"], { kinds: ["CODE"], priority: 1 });
    await rule("everything else: OpenAI A, then B", "auto", ["a/gpt-4o-mini", "b/gpt-4o-mini"], { priority: 2 });
    f.g.setScenario({ content: "def reverse(xs): return xs[::-1]" });
    f.a.setScenario({ content: "Paris." });

    const code = await complete("auto", "Write a Python function that reverses a list");
    expect(code).toMatchObject({ model: "g/gemini-2.0-flash", provider: "g", content: "def reverse(xs): return xs[::-1]" });
    expect(f.g.requests).toHaveLength(1);

    const text = await complete("auto", "What is the capital of France?");
    expect(text).toMatchObject({ model: "a/gpt-4o-mini", content: "Paris." });

    // A goes down: B answers, and the attempt on A is on record.
    f.a.setScenario({ status: 503 });
    const failover = await complete("auto", "What is the capital of Italy?");
    expect(failover.model).toBe("b/gpt-4o-mini");
    expect(failover.attempts.map((x) => x.model)).toEqual(["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    expect(f.g.requests).toHaveLength(1);
  });
});

describe("rule changes and requests in flight", () => {
  it("a request already streaming finishes on its plan; the next one follows the new rule", async () => {
    const r1 = await rule("slow a", "auto", ["a/gpt-4o-mini"]);
    f.a.setScenario({ content: "w1 w2 w3 w4 w5 w6", itlMs: 120 });
    const streaming = subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto", "hi") });
    await f.a.waitFor((x) => x.active === 1, 5000);
    await f.t.app.services.routing.upsertRule({ id: r1.id, name: "now b", priority: 10, when: { models: ["auto"] }, targets: [{ model: "b/gpt-4o-mini" }], strategy: "FALLBACK" });
    const r = await streaming;
    expect(r.errors).toEqual([]);
    expect(streamText(r.events)).toBe("w1 w2 w3 w4 w5 w6");
    expect(streamDone(r.events)!.model).toBe("a/gpt-4o-mini");
    expect((await complete("auto")).model).toBe("b/gpt-4o-mini");
  });
});
