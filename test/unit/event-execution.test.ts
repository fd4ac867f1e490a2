import "reflect-metadata";
import { parse, type ExecutionResult } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../src/core/gateway.js";
import { eventSubscribe } from "../../src/transport/graphql/event-execution.js";
import { completionEvent, plainCompletionEvent } from "../../src/transport/graphql/resolvers/completion.js";
import { buildSchemas } from "../../src/transport/graphql/schema.js";
import type { GraphQLSchema } from "graphql";

// Text deltas skip `execute` when the selection is plain (event-execution.ts). The results must be the
// ones `execute` gives, key order included: each document runs twice over the same events, once with
// the shortcut and once without, and the two streams must serialise identically.

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = (await buildSchemas()).subgraph;
});

const EVENTS: StreamEvent[] = [
  { type: "start", id: "r1", model: "m", provider: "p", createdAt: new Date(0) },
  { type: "delta", text: "Hel" },
  { type: "delta", text: 'lo "you"\n' },
  { type: "tool_call", index: 0, id: "call_1", name: "f", argumentsDelta: '{"a":' },
  { type: "delta", text: "" },
];

function context() {
  return {
    principal: { keyId: "k", role: "ADMIN", userId: "u", teamId: null, allowedModels: null },
    services: {
      gateway: {
        async *stream() {
          for (const e of EVENTS) yield e;
        },
      },
    },
  };
}

async function run(query: string, plain: boolean): Promise<string[]> {
  const subscribe = eventSubscribe(schema, { completionStream: plain ? { map: completionEvent, plain: plainCompletionEvent } : completionEvent });
  const result = await subscribe({
    schema,
    document: parse(query),
    contextValue: context(),
    variableValues: { i: { model: "m", messages: [{ role: "USER", content: "hi" }] }, yes: true },
  });
  const out: string[] = [];
  for await (const r of result as AsyncIterable<ExecutionResult>) out.push(JSON.stringify(r));
  return out;
}

const DOCS = {
  typical: `subscription($i: CompletionInput!) { completionStream(input: $i) { __typename ... on CompletionDelta { content toolCall { index id name argumentsDelta } } ... on CompletionDone { completion { id } } } }`,
  aliasesAndFragments: `subscription($i: CompletionInput!) { s: completionStream(input: $i) { ...D ... on CompletionDelta { c: content content t: __typename } } }
    fragment D on CompletionEvent { ... on CompletionDelta { toolCall { index } content } ...D2 }
    fragment D2 on CompletionDelta { __typename content }`,
  typenameOnly: `subscription($i: CompletionInput!) { completionStream(input: $i) { __typename } }`,
  bareFragment: `subscription($i: CompletionInput!) { completionStream(input: $i) { ... { __typename } ... on CompletionDelta { content } } }`,
  directives: `subscription($i: CompletionInput!, $yes: Boolean!) { completionStream(input: $i) { ... on CompletionDelta @include(if: $yes) { content } __typename @skip(if: $yes) } }`,
};

describe("subscription events built without execute", () => {
  for (const [name, query] of Object.entries(DOCS)) {
    it(`gives what execute gives: ${name}`, async () => {
      const fast = await run(query, true);
      const slow = await run(query, false);
      expect(fast.length).toBeGreaterThan(2);
      expect(fast).toEqual(slow);
    });
  }

  it("really takes the shortcut for plain selections, and not for others", async () => {
    const shape = (query: string) => {
      const doc = parse(query);
      const op = doc.definitions[0]!;
      if (op.kind !== "OperationDefinition") throw new Error("no operation");
      const field = op.selectionSet.selections[0]!;
      return field.kind === "Field" ? field.selectionSet : undefined;
    };
    const { plainSelection } = await import("../../src/transport/graphql/event-execution.js");
    const delta = plainCompletionEvent({ event: { type: "delta", text: "x" } })!;
    expect(plainSelection(schema, parse(DOCS.typical), shape(DOCS.typical))!(delta)).toEqual({ __typename: "CompletionDelta", content: "x", toolCall: null });
    expect(plainSelection(schema, parse(DOCS.directives), shape(DOCS.directives))!(delta)).toBeUndefined();
    expect(plainCompletionEvent({ event: { type: "tool_call", index: 0, argumentsDelta: "{" } })).toBeUndefined();
  });
});
