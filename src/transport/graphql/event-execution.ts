import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isObjectType,
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
  type SelectionSetNode,
  type VariableDefinitionNode,
} from "graphql";

/** Turns one source-stream payload into the root field's value (may throw: a GraphQL error for that event). */
export type EventMapper = (payload: unknown) => unknown;

/** A root-field value that is an object of `typename` with these field values, none needing a resolver. */
export interface PlainValue {
  typename: string;
  fields: Readonly<Record<string, unknown>>;
}

export interface EventField {
  map: EventMapper;
  /**
   * The payload as a PlainValue when it is one (a token delta), else undefined. Such events skip
   * `execute` whenever the subscription's selection of that type is plain (see plainSelection).
   */
  plain?: (payload: unknown) => PlainValue | undefined;
}

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
export function eventSubscribe(schema: GraphQLSchema, fields: Record<string, EventMapper | EventField>) {
  const eventFields = new Map<string, { schema: GraphQLSchema; plain: EventField["plain"] }>();
  const subscriptionType = schema.getSubscriptionType();
  for (const [name, spec] of Object.entries(fields)) {
    const type = subscriptionType?.getFields()[name]?.type;
    if (!type || !isOutputType(type)) throw new Error(`no subscription field ${name}`);
    const { map, plain } = typeof spec === "function" ? { map: spec, plain: undefined } : spec;
    eventFields.set(name, { schema: oneFieldSchema(type, map), plain });
  }

  return async (args: ExecutionArgs) => {
    const op = getOperationAST(args.document, args.operationName);
    const only = op?.operation === "subscription" && op.selectionSet.selections.length === 1 ? op.selectionSet.selections[0] : undefined;
    const event = only?.kind === Kind.FIELD ? eventFields.get(only.name.value) : undefined;
    if (!op || !only || only.kind !== Kind.FIELD || !event) return subscribe(args);

    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const document = eventDocument(args.document, only, op.variableDefinitions ?? []);
    const base: ExecutionArgs = { schema: event.schema, document, contextValue: args.contextValue, variableValues: args.variableValues };
    const key = (only.alias ?? only.name).value;
    const shape = event.plain && !only.directives?.length ? plainSelection(schema, args.document, only.selectionSet) : undefined;
    return mapEvents(source, (payload) => {
      const value = shape && event.plain!(payload);
      const data = value && shape!(value);
      return data ? { data: { [key]: data } } : execute({ ...base, rootValue: payload });
    });
  };
}

/**
 * For a selection set made only of plain fields (no arguments, no directives; object fields only where
 * the value is null), a function building the result object for a PlainValue exactly as `execute`
 * would: response keys in the order CollectFields gives, through inline fragments and fragment spreads
 * whose type condition applies. It answers undefined, and the caller executes, for anything else.
 */
export function plainSelection(schema: GraphQLSchema, doc: DocumentNode, selectionSet: SelectionSetNode | undefined): ((v: PlainValue) => Record<string, unknown> | undefined) | undefined {
  if (!selectionSet) return undefined;
  const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const byType = new Map<string, [key: string, field: string, isObject: boolean][] | null>();

  const applies = (condition: string | undefined, typename: string): boolean => {
    if (condition === undefined || condition === typename) return true;
    const cond = schema.getType(condition);
    const obj = schema.getType(typename);
    return !!cond && isAbstractType(cond) && isObjectType(obj) && schema.isSubType(cond, obj);
  };
  const collect = (set: SelectionSetNode, typename: string, out: Map<string, [string, boolean]>, seen: Set<string>): boolean => {
    for (const sel of set.selections) {
      if (sel.directives?.length) return false;
      if (sel.kind === Kind.FIELD) {
        if (sel.arguments?.length) return false;
        const key = (sel.alias ?? sel.name).value;
        if (!out.has(key)) out.set(key, [sel.name.value, sel.selectionSet !== undefined]);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (applies(sel.typeCondition?.name.value, typename) && !collect(sel.selectionSet, typename, out, seen)) return false;
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag) return false;
        if (seen.has(frag.name.value) || !applies(frag.typeCondition.name.value, typename)) continue;
        seen.add(frag.name.value);
        if (!collect(frag.selectionSet, typename, out, seen)) return false;
      }
    }
    return true;
  };
  const plan = (typename: string) => {
    let p = byType.get(typename);
    if (p === undefined) {
      const out = new Map<string, [string, boolean]>();
      p = collect(selectionSet, typename, out, new Set()) ? [...out].map(([key, [field, isObject]]) => [key, field, isObject] as [string, string, boolean]) : null;
      byType.set(typename, p);
    }
    return p;
  };

  return (v) => {
    const p = plan(v.typename);
    if (!p) return undefined;
    const data: Record<string, unknown> = {};
    for (const [key, field, isObject] of p) {
      if (field === "__typename") {
        data[key] = v.typename;
        continue;
      }
      if (!(field in v.fields)) return undefined;
      const value = v.fields[field];
      if (isObject && value !== null) return undefined;
      data[key] = value;
    }
    return data;
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
