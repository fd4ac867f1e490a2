import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { routingRules } from "../../src/db/schema.js";
import { GatewayError } from "../../src/domain/errors.js";
import {
  CompleteDocument,
  CompletionStreamDocument,
  CreateApiKeyDocument,
  DeleteRoutingRuleDocument,
  ExplainRouteDocument,
  RoutingRulesDocument,
  SetModelEnabledDocument,
  UpsertRoutingRuleDocument,
  type RoutingRuleInput,
} from "../generated/graphql.js";
import { subscribeAll } from "../helpers/clients.js";
import { setBudget } from "../helpers/policy.js";
import { op, resetRouting, startRoutingFixture, userInput, type RoutingFixture } from "../helpers/routing.js";

let f: RoutingFixture;
let memberKey: string;
let memberKeyId: string;

beforeAll(async () => {
  f = await startRoutingFixture({ routing: { pollMs: 100 } });
  const k = await op(f.t, f.t.adminKey, CreateApiKeyDocument, { input: { name: "member", role: "MEMBER", userId: "u-member", teamId: "team-x" } });
  memberKey = k.data!.createApiKey.secret;
  memberKeyId = k.data!.createApiKey.key.id;
});
afterAll(async () => {
  await f?.close();
});
afterEach(async () => {
  await resetRouting(f);
});

const upsert = (input: RoutingRuleInput, key = f.t.adminKey) => op(f.t, key, UpsertRoutingRuleDocument, { input });
const explain = async (input: ReturnType<typeof userInput>, key = f.t.adminKey) => {
  const r = await op(f.t, key, ExplainRouteDocument, { input });
  expect(r.errors).toBeUndefined();
  return r.data!.explainRoute;
};
const kept = (x: Awaited<ReturnType<typeof explain>>) => x.candidates.filter((c) => c.kept).map((c) => c.model);
const base = (over: Partial<RoutingRuleInput> = {}): RoutingRuleInput => ({
  name: "r",
  priority: 10,
  when: { models: ["auto"] },
  targets: [{ model: "a/gpt-4o-mini" }],
  strategy: "FALLBACK",
  ...over,
});

describe("rule administration", () => {
  it("creates, lists in priority order, replaces and deletes rules; members may not", async () => {
    const low = await upsert(base({ name: "low", priority: 20 }));
    const high = await upsert(base({ name: "high", priority: 1, targets: [{ model: "b/gpt-4o-mini", weight: 2 }] }));
    expect(high.data!.upsertRoutingRule).toMatchObject({ name: "high", enabled: true, strategy: "FALLBACK", targets: [{ model: "b/gpt-4o-mini", weight: 2 }] });
    const list = await op(f.t, f.t.adminKey, RoutingRulesDocument, {});
    expect(list.data!.routingRules.map((r) => r.name)).toEqual(["high", "low"]);
    expect((await explain(userInput("auto", "hi"))).rule?.name).toBe("high");

    const id = high.data!.upsertRoutingRule.id;
    await upsert(base({ id, name: "high, now disabled", priority: 1, enabled: false }));
    expect((await explain(userInput("auto", "hi"))).rule?.name).toBe("low");

    expect((await op(f.t, f.t.adminKey, DeleteRoutingRuleDocument, { id: low.data!.upsertRoutingRule.id })).data!.deleteRoutingRule).toBe(true);
    expect((await op(f.t, f.t.adminKey, DeleteRoutingRuleDocument, { id: "nope" })).data!.deleteRoutingRule).toBe(false);

    expect((await upsert(base(), memberKey)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await op(f.t, memberKey, RoutingRulesDocument, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await op(f.t, memberKey, DeleteRoutingRuleDocument, { id })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it.each([
    ["an unknown model, with a suggestion", base({ targets: [{ model: "a/gpt-4o-mni" }] }), /unknown model "a\/gpt-4o-mni".*did you mean "a\/gpt-4o-mini"/],
    ["an unknown model in the condition", base({ when: { models: ["nope/x"] } }), /when\.models: unknown model "nope\/x"/],
    ["empty targets", base({ targets: [] }), /has no targets/],
    ["weights that sum to 0", base({ strategy: "WEIGHTED", targets: [{ model: "a/gpt-4o-mini", weight: 0 }, { model: "b/gpt-4o-mini", weight: 0 }] }), /weights .* sum to 0/],
    ["a negative weight", base({ targets: [{ model: "a/gpt-4o-mini", weight: -1 }] }), /weight of "a\/gpt-4o-mini"/],
    ["a target listed twice", base({ targets: [{ model: "a/gpt-4o-mini" }, { model: "a/gpt-4o-mini" }] }), /listed twice/],
    ["min above max prompt tokens", base({ when: { minPromptTokens: 10, maxPromptTokens: 5 } }), /could never match/],
    ["a self-referencing router name", base({ targets: [{ model: "auto" }] }), /cycle: auto → auto/],
  ])("rejects %s with BAD_USER_INPUT", async (_label, input, message) => {
    const r = await upsert(input);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toMatch(message);
    expect(f.t.app.services.routing.rules()).toHaveLength(0);
  });

  it("rejects a cycle through router names (auto → smart → auto), and routes through them when acyclic", async () => {
    expect((await upsert(base({ name: "smart", when: { models: ["smart"] }, targets: [{ model: "b/gpt-4o-mini" }] }))).errors).toBeUndefined();
    expect((await upsert(base({ name: "auto via smart", targets: [{ model: "smart" }, { model: "a/gpt-4o-mini" }] }))).errors).toBeUndefined();
    const x = await explain(userInput("auto", "hi"));
    expect(kept(x)).toEqual(["b/gpt-4o-mini", "a/gpt-4o-mini"]);
    expect(x.candidates[0]!.reason).toContain('via "smart"');
    const loop = await upsert(base({ name: "smart loops", priority: 5, when: { models: ["smart"] }, targets: [{ model: "auto" }] }));
    expect(loop.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(loop.errors?.[0]?.message).toMatch(/cycle: (auto → smart → auto|smart → auto → smart)/);
  });
});

describe("explainRoute", () => {
  it("serves the requested model directly when no rule matches, and refuses a router name no rule serves", async () => {
    const direct = await explain(userInput("mini", "hi"), memberKey);
    expect(direct).toMatchObject({ rule: null, requestKind: "TEXT", errorCode: null });
    expect(direct.candidates).toMatchObject([{ model: "b/gpt-4o-mini", provider: "b", kept: true }]);
    await upsert(base({ when: { models: ["auto"], kinds: ["CODE"] } }));
    const none = await explain(userInput("auto", "What is the capital of France?"), memberKey);
    expect(none).toMatchObject({ rule: null, errorCode: "NO_ROUTE" });
    const unknown = await explain(userInput("a/gpt-4o-mni", "hi"), memberKey);
    expect(unknown.errorCode).toBe("BAD_USER_INPUT");
    expect(unknown.error).toContain("did you mean");
  });

  it("says why each candidate is kept or skipped, for the caller's key, without calling any provider", async () => {
    await upsert(
      base({
        name: "tools",
        targets: [{ model: "b/small" }, { model: "dead/gpt-4o-mini" }, { model: "a/gpt-4o-mini" }, { model: "g/gemini-2.0-flash" }, { model: "b/gpt-4o-mini" }],
      }),
    );
    await op(f.t, f.t.adminKey, SetModelEnabledDocument, { id: "dead/gpt-4o-mini", enabled: false });
    try {
      const err = new GatewayError("UPSTREAM_ERROR", "g 503", { retryable: true, upstreamStatus: 503 });
      for (let i = 0; i < 3; i++) f.t.app.services.routing.health.failure("g/gemini-2.0-flash", err);
      const tools = [{ name: "lookup", parameters: { type: "object", properties: {} } }];
      const x = await explain(userInput("auto", "find it", { tools }), memberKey);
      expect(x.rule?.name).toBe("tools");
      expect(x.candidates.map((c) => [c.model, c.kept])).toEqual([
        ["b/small", false],
        ["dead/gpt-4o-mini", false],
        ["a/gpt-4o-mini", true],
        ["g/gemini-2.0-flash", false],
        ["b/gpt-4o-mini", true],
      ]);
      const reasons = x.candidates.map((c) => c.reason ?? "");
      expect(reasons[0]).toContain("does not support tools");
      expect(reasons[1]).toBe("disabled");
      expect(reasons[2]).toContain("FALLBACK #3 of 5");
      expect(reasons[3]).toContain("circuit open");
      expect(x.candidates[3]!.circuit).toBe("OPEN");
      expect(f.a.requests.length + f.b.requests.length + f.g.requests.length).toBe(0);
    } finally {
      await op(f.t, f.t.adminKey, SetModelEnabledDocument, { id: "dead/gpt-4o-mini", enabled: true });
    }
  });
});

describe("conditions", () => {
  it("match on kind, tags, user, team, key, prompt size, tools and images; the first matching rule in priority order wins", async () => {
    await upsert(base({ name: "code", priority: 1, when: { kinds: ["CODE"] }, targets: [{ model: "g/gemini-2.0-flash" }] }));
    await upsert(base({ name: "tagged", priority: 2, when: { tagsAny: ["batch", "cheap"] }, targets: [{ model: "b/small" }] }));
    await upsert(base({ name: "team x", priority: 3, when: { teams: ["team-x"], users: ["u-member"], keys: [memberKeyId] }, targets: [{ model: "b/gpt-4o-mini" }] }));
    await upsert(base({ name: "big", priority: 4, when: { minPromptTokens: 1000 }, targets: [{ model: "g/gemini-2.0-flash" }] }));
    await upsert(base({ name: "tools", priority: 5, when: { hasTools: true, maxPromptTokens: 999 }, targets: [{ model: "a/gpt-4o-mini" }] }));
    await upsert(base({ name: "images", priority: 6, when: { hasImages: true }, targets: [{ model: "g/gemini-2.0-flash" }] }));
    const name = async (input: ReturnType<typeof userInput>, key?: string) => (await explain(input, key)).rule?.name ?? null;
    expect(await name(userInput("b/gpt-4o-mini", "```js\nconsole.log(1)\n```"))).toBe("code");
    expect(await name(userInput("b/gpt-4o-mini", "hello", { tags: ["x", "cheap"] }))).toBe("tagged");
    expect(await name(userInput("b/gpt-4o-mini", "hello"), memberKey)).toBe("team x");
    expect(await name(userInput("b/gpt-4o-mini", "hello"))).toBeNull();
    expect(await name(userInput("b/gpt-4o-mini", "lorem ipsum ".repeat(400)))).toBe("big");
    expect(await name(userInput("b/gpt-4o-mini", "hello", { tools: [{ name: "t" }] }))).toBe("tools");
    const image = { model: "b/gpt-4o-mini", messages: [{ role: "USER" as const, content: "what is this?", images: [{ url: "https://example.com/cat.png" }] }] };
    const x = await op(f.t, f.t.adminKey, ExplainRouteDocument, { input: image });
    expect(x.data!.explainRoute.rule?.name).toBe("images");
  });

  it("an alias in the condition matches requests for its model, and a model id matches requests through an alias", async () => {
    await upsert(base({ name: "by alias", when: { models: ["mini"] }, targets: [{ model: "a/gpt-4o-mini" }] }));
    expect((await explain(userInput("b/gpt-4o-mini", "hi"))).rule?.name).toBe("by alias");
    expect((await explain(userInput("mini", "hi"))).rule?.name).toBe("by alias");
    await resetRouting(f);
    await upsert(base({ name: "by id", when: { models: ["b/gpt-4o-mini"] }, targets: [{ model: "mini" }, { model: "a/gpt-4o-mini" }] }));
    const x = await explain(userInput("mini", "hi"));
    expect(x.rule?.name).toBe("by id");
    expect(kept(x)).toEqual(["b/gpt-4o-mini", "a/gpt-4o-mini"]);
  });
});

describe("strategies", () => {
  it("WEIGHTED draws by weight: weight 0 always goes last, equal weights both come first sometimes", async () => {
    await upsert(base({ strategy: "WEIGHTED", targets: [{ model: "a/gpt-4o-mini", weight: 0 }, { model: "b/gpt-4o-mini", weight: 1 }] }));
    for (let i = 0; i < 10; i++) expect(kept(await explain(userInput("auto", "hi")))).toEqual(["b/gpt-4o-mini", "a/gpt-4o-mini"]);
    await resetRouting(f);
    await upsert(base({ strategy: "WEIGHTED", targets: [{ model: "a/gpt-4o-mini", weight: 1 }, { model: "b/gpt-4o-mini", weight: 1 }] }));
    const firsts = new Set<string>();
    for (let i = 0; i < 60 && firsts.size < 2; i++) firsts.add(kept(await explain(userInput("auto", "hi")))[0]!);
    expect(firsts).toEqual(new Set(["a/gpt-4o-mini", "b/gpt-4o-mini"]));
  });

  it("LEAST_COST puts the cheapest model for this request's size first", async () => {
    await upsert(base({ strategy: "LEAST_COST", targets: [{ model: "g/gemini-2.0-flash" }, { model: "a/gpt-4o-mini" }, { model: "b/gpt-4o-mini" }] }));
    const x = await explain(userInput("auto", "hi", { maxTokens: 100 }));
    expect(kept(x)).toEqual(["b/gpt-4o-mini", "a/gpt-4o-mini", "g/gemini-2.0-flash"]);
    expect(x.candidates[0]!.reason).toMatch(/LEAST_COST: ≈ \$0\.0000\d+ for \d+ prompt \+ 100 output tokens/);
  });

  it("LEAST_LATENCY prefers the target with the lower recent time to first token", async () => {
    await upsert(base({ strategy: "LEAST_LATENCY", targets: [{ model: "b/gpt-4o-mini" }, { model: "a/gpt-4o-mini" }] }));
    // Unmeasured targets go first (in rule order) so each gets measured: b (slow), then a.
    // (b is the slow one: a has its own 500 ms first-byte timeout in this fixture.)
    f.b.setScenario({ delayMs: 1500 });
    const first = await subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto", "hi") });
    expect(first.errors).toEqual([]);
    expect(f.b.requests).toHaveLength(1);
    expect(kept(await explain(userInput("auto", "hi")))).toEqual(["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    await subscribeAll(f.t.wsUrl, f.t.adminKey, CompletionStreamDocument, { input: userInput("auto", "hi") });
    expect(f.a.requests).toHaveLength(1);
    // Both measured now: a (fast) stays first.
    const x = await explain(userInput("auto", "hi"));
    expect(kept(x)).toEqual(["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    expect(x.candidates[0]!.reason).toMatch(/recent TTFT [\d.]+ ms/);
    expect(x.candidates[1]!.reason).toMatch(/recent TTFT 1[5-9]\d\d(\.\d)? ms|recent TTFT [2-9]\d\d\d(\.\d)? ms/);
  });
});

describe("LEAST_LATENCY without streams", () => {
  it("learns from non-streamed calls' latency while no TTFT is known", async () => {
    await upsert(base({ strategy: "LEAST_LATENCY", targets: [{ model: "b/gpt-4o-mini" }, { model: "a/gpt-4o-mini" }] }));
    f.b.setScenario({ delayMs: 1000 });
    const ask = async () => {
      const r = await op(f.t, f.t.adminKey, CompleteDocument, { input: userInput("auto", "hi") });
      expect(r.errors).toBeUndefined();
      return r.data!.complete.model;
    };
    // Both unmeasured: rule order, so b (slow) is measured first; then a, still unmeasured, goes first.
    expect(await ask()).toBe("b/gpt-4o-mini");
    expect(kept(await explain(userInput("auto", "hi")))).toEqual(["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    expect(await ask()).toBe("a/gpt-4o-mini");
    // Both measured by whole calls only: a (fast) stays first, ranked by that latency.
    const x = await explain(userInput("auto", "hi"));
    expect(kept(x)).toEqual(["a/gpt-4o-mini", "b/gpt-4o-mini"]);
    expect(x.candidates[0]!.reason).toMatch(/no TTFT measured yet; recent non-streamed latency [\d.]+ ms/);
    const slow = f.t.app.services.routing.healthOf("b/gpt-4o-mini");
    expect(slow.ttftMs).toBeNull();
    expect(slow.latencyMs).toBeGreaterThanOrEqual(1000);
    expect(await ask()).toBe("a/gpt-4o-mini");
    expect(f.b.requests).toHaveLength(1);
  });
});

describe("budgets in routing", () => {
  const budgets: string[] = [];
  afterEach(async () => {
    for (const id of budgets.splice(0)) await f.t.app.services.policy.deleteBudget(id);
  });
  const budget = async (input: Record<string, unknown>) => {
    const b = await setBudget(f.t, input);
    expect(b.errors).toBeUndefined();
    budgets.push(b.id);
  };
  const complete = (input: ReturnType<typeof userInput>, key = memberKey) => op(f.t, key, CompleteDocument, { input });

  it("skips a target whose MODEL budget is spent: explainRoute says over budget, and the next target serves instead of BUDGET_EXCEEDED", async () => {
    await upsert(base({ targets: [{ model: "a/gpt-4o-mini" }, { model: "b/gpt-4o-mini" }] }));
    // a costs $0.15 / $0.60 per million tokens: 12 + 1000 tokens cost 602 µ$, leaving 18 µ$ of 620 —
    // less than the prompt plus 32 output tokens (≥ 19.2 µ$) that any admission on a holds.
    await budget({ scope: "MODEL", subject: "a/gpt-4o-mini", period: "DAY", limitUsd: 0.00062 });
    f.a.setScenario({ content: "ok", usage: { promptTokens: 12, completionTokens: 1000 } });
    const first = await complete(userInput("auto", "hi", { maxTokens: 1000 }));
    expect(first.errors).toBeUndefined();
    expect(first.data!.complete.model).toBe("a/gpt-4o-mini");
    // The instance learns the new spending from its own settlement, without a poll.
    await f.t.app.services.policy.flush();

    const x = await explain(userInput("auto", "hi", { maxTokens: 1000 }), memberKey);
    expect(x.errorCode).toBeNull();
    expect(x.candidates.map((c) => [c.model, c.kept])).toEqual([
      ["a/gpt-4o-mini", false],
      ["b/gpt-4o-mini", true],
    ]);
    expect(x.candidates[0]!.reason).toMatch(/^over budget: MODEL budget "a\/gpt-4o-mini" \(DAY\) has \$0\.0000\d+ left of \$0\.00062 /);

    const second = await complete(userInput("auto", "hi", { maxTokens: 1000 }));
    expect(second.errors).toBeUndefined();
    expect(second.data!.complete.model).toBe("b/gpt-4o-mini");
    expect(second.data!.complete.attempts.map((a) => a.model)).toEqual(["b/gpt-4o-mini"]);
    expect(f.a.requests).toHaveLength(1);
  });

  it("skips a target that a shared budget could not pay for, so a cheaper one serves within it", async () => {
    await upsert(base({ targets: [{ model: "g/gemini-2.0-flash" }, { model: "b/gpt-4o-mini" }] }));
    // 100 µ$ for u-member: g needs ≥ 128 µ$ for 32 output tokens at $4/M, b about 14 µ$. Without the skip
    // the hold would be sized for g (100 output tokens × $4/M = 400 µ$) and the request refused.
    await budget({ scope: "USER", subject: "u-member", period: "DAY", limitUsd: 0.0001 });
    const x = await explain(userInput("auto", "hi", { maxTokens: 100 }), memberKey);
    expect(x.candidates.map((c) => [c.model, c.kept])).toEqual([
      ["g/gemini-2.0-flash", false],
      ["b/gpt-4o-mini", true],
    ]);
    expect(x.candidates[0]!.reason).toMatch(/^over budget: USER budget "u-member" \(DAY\) has \$0\.0001 left of \$0\.0001 .* needs at least \$0\.000\d+ on this model$/);
    const r = await complete(userInput("auto", "hi", { maxTokens: 100 }));
    expect(r.errors).toBeUndefined();
    expect(r.data!.complete.model).toBe("b/gpt-4o-mini");
    // The admin's key is not under that budget: g stays first for it.
    expect(kept(await explain(userInput("auto", "hi", { maxTokens: 100 })))).toEqual(["g/gemini-2.0-flash", "b/gpt-4o-mini"]);
    expect(f.g.requests).toHaveLength(0);
  });

  it("when every target is over budget, the request gets BUDGET_EXCEEDED from admission, not NO_ROUTE", async () => {
    await upsert(base({ targets: [{ model: "g/gemini-2.0-flash" }, { model: "b/gpt-4o-mini" }] }));
    await budget({ scope: "USER", subject: "u-member", period: "DAY", limitUsd: 0.000001 });
    const x = await explain(userInput("auto", "hi"), memberKey);
    expect(x.errorCode).toBe("BUDGET_EXCEEDED");
    expect(x.candidates.map((c) => [c.model, c.kept])).toEqual([
      ["g/gemini-2.0-flash", true],
      ["b/gpt-4o-mini", true],
    ]);
    expect(x.candidates[1]!.reason).toMatch(/^over budget: .*; every target is excluded, so admission decides$/);
    const r = await complete(userInput("auto", "hi"));
    expect(r.errors?.[0]?.extensions?.code).toBe("BUDGET_EXCEEDED");
    expect(r.errors?.[0]?.message).toContain('USER budget "u-member" (DAY) has $0.000001 left of $0.000001');
    expect(f.g.requests.length + f.b.requests.length).toBe(0);
  });
});

describe("rule changes reach the instance", () => {
  it("picks up a rule written to the database behind its back (no NOTIFY) by polling", async () => {
    const now = new Date();
    await f.t.app.services.db.db.insert(routingRules).values({
      id: "rr_external",
      name: "written elsewhere",
      priority: 1,
      when: { models: ["b/gpt-4o-mini"] },
      targets: [{ model: "a/gpt-4o-mini", weight: 1 }],
      strategy: "FALLBACK",
      createdAt: now,
      updatedAt: now,
    });
    await expect.poll(async () => (await explain(userInput("b/gpt-4o-mini", "hi"))).rule?.name ?? null, { timeout: 5000, interval: 50 }).toBe("written elsewhere");
  });
});
