import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLObjectType,
  GraphQLSchema,
  isOutputType,
  Kind,
  OperationTypeNode,
  subscribe,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLOutputType,
  type VariableDefinitionNode,
} from "graphql";

/** Turns one source-stream payload into the root field's value (may throw: a GraphQL error for that event). */
export type EventMapper = (payload: unknown) => unknown;

/**
 * graphql-js executes every subscription event as a fresh operation: it coerces all the operation's
 * variables again (for `completionStream` the whole CompletionInput, prompt included) and calls the
 * root field's resolver, which converts its arguments once more, per event. For a token stream that
 * was most of the CPU per token and grew with the prompt.
 *
 * For the root fields given here, events are executed instead against a one-field schema that holds
 * the same output types: its field returns the mapped payload, and the document is the subscription's
 * own selection set (same alias, directives and fragments), keeping only the variables it uses. What the
 * client receives is the same; the subscription's arguments are coerced and resolved once, by
 * `createSourceEventStream`. Other subscriptions go through graphql's `subscribe` unchanged.
 */
export function eventSubscribe(schema: GraphQLSchema, mappers: Record<string, EventMapper>) {
  const eventSchemas = new Map<string, GraphQLSchema>();
  const subscriptionType = schema.getSubscriptionType();
  for (const [name, map] of Object.entries(mappers)) {
    const type = subscriptionType?.getFields()[name]?.type;
    if (!type || !isOutputType(type)) throw new Error(`no subscription field ${name}`);
    eventSchemas.set(name, oneFieldSchema(type, map));
  }

  return async (args: ExecutionArgs) => {
    const op = getOperationAST(args.document, args.operationName);
    const only = op?.operation === "subscription" && op.selectionSet.selections.length === 1 ? op.selectionSet.selections[0] : undefined;
    const eventSchema = only?.kind === Kind.FIELD ? eventSchemas.get(only.name.value) : undefined;
    if (!op || !only || only.kind !== Kind.FIELD || !eventSchema) return subscribe(args);

    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const document = eventDocument(args.document, only, op.variableDefinitions ?? []);
    const base: ExecutionArgs = { schema: eventSchema, document, contextValue: args.contextValue, variableValues: args.variableValues };
    return mapEvents(source, (payload) => execute({ ...base, rootValue: payload }));
  };
}

const EVENT_FIELD = "event";

function oneFieldSchema(type: GraphQLOutputType, map: EventMapper): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "SubscriptionEventRoot", fields: { [EVENT_FIELD]: { type, resolve: (root: unknown) => map(root) } } }),
  });
}

/** `query { <alias>: event <directives> { …selection… } }` + the fragments, with the variables those use. */
function eventDocument(doc: DocumentNode, field: FieldNode, varDefs: readonly VariableDefinitionNode[]): DocumentNode {
  const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const root: FieldNode = { ...field, alias: field.alias ?? { kind: Kind.NAME, value: field.name.value }, name: { kind: Kind.NAME, value: EVENT_FIELD }, arguments: [] };
  const selectionSet = { kind: Kind.SELECTION_SET, selections: [root] } as const;
  const used = new Set<string>();
  for (const node of [selectionSet, ...fragments]) {
    visit(node, {
      Variable(v) {
        used.add(v.name.value);
      },
    });
  }
  const operation: DefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    variableDefinitions: varDefs.filter((d) => used.has(d.variable.name.value)),
    selectionSet,
  };
  return { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === "function";
}

/** Maps each event; return() and throw() reach the source at once (graphql-ws calls return() when the client completes). */
function mapEvents(source: AsyncIterable<unknown>, fn: (payload: unknown) => ExecutionResult | Promise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const it = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: await fn(r.value) };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(e: unknown) {
      if (it.throw) await it.throw(e);
      throw e;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
