import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { subscribeAll } from "../helpers/clients.js";

// Subscription events are executed against the selection set alone (src/transport/graphql/event-execution.ts):
// these pin down that aliases, fragments, variables inside the selection and per-event errors behave as the
// GraphQL spec says they would for a fresh execution of the whole document.

let fake: FakeOpenAI;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-upstream-secret-0123456789abcdef", models: ["gpt-4o-mini"] });
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: fake.url, apiKey: "sk-upstream-secret-0123456789abcdef", models: ["gpt-4o-mini"] } },
      models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
    },
  });
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

type Event = { s: { __typename: string; content?: string; completion?: { id: string; content: string } } };
const DOC = parse(`
  subscription Aliased($in: CompletionInput!, $full: Boolean!, $skipText: Boolean! = false) {
    s: completionStream(input: $in) {
      __typename
      ...Text @skip(if: $skipText)
      ...Done @include(if: $full)
    }
  }
  fragment Text on CompletionEvent { ... on CompletionDelta { content } }
  fragment Done on CompletionEvent { ... on CompletionDone { completion { id content } } }
`) as TypedDocumentNode<Event, Record<string, unknown>>;

const input = { model: "local/gpt-4o-mini", messages: [{ role: "USER", content: "count to five, please" }] };

describe("subscription event execution", () => {
  it("keeps the alias, fragments and directives whose variables are only used below the root field", async () => {
    fake.setScenario({ content: "one two three", itlMs: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, DOC, { in: input, full: true });
    expect(r.errors).toEqual([]);
    const deltas = r.events.filter((e) => e.s.__typename === "CompletionDelta");
    expect(deltas.map((e) => e.s.content).join("")).toBe("one two three");
    const last = r.events.at(-1)!.s;
    expect(last.__typename).toBe("CompletionDone");
    expect(last.completion).toMatchObject({ content: "one two three" });

    const lean = await subscribeAll(t.wsUrl, t.adminKey, DOC, { in: input, full: false, skipText: true });
    expect(lean.errors).toEqual([]);
    expect(lean.events.length).toBeGreaterThan(1);
    for (const e of lean.events) expect(Object.keys(e.s)).toEqual(["__typename"]);
  });

  it("reports an upstream failure as an error at the aliased path, after the deltas already sent", async () => {
    fake.setScenario({ content: "alpha beta gamma delta", errorAfter: 2, itlMs: 2 });
    const r = await subscribeAll(t.wsUrl, t.adminKey, DOC, { in: input, full: true });
    const sent = r.events.map((e) => e.s.content ?? "").join("");
    expect(sent).toMatch(/^alpha ?beta ?$/);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ path: ["s"], extensions: { code: "UPSTREAM_ERROR" } });
  });

  it("refuses bad variables before any event with BAD_USER_INPUT naming the variable and the field", async () => {
    const r = await subscribeAll(t.wsUrl, t.adminKey, DOC, { in: { model: "local/gpt-4o-mini" }, full: true });
    expect(r.events).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(r.errors[0]?.message).toContain('Variable "$in"');
    expect(r.errors[0]?.message).toContain("messages");
  });
});
