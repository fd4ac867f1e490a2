import { Arg, Ctx, Mutation, Resolver, Root, Subscription } from "type-graphql";
import type { StreamEvent } from "../../../core/gateway.js";
import { GatewayError } from "../../../domain/errors.js";
import type { GqlContext } from "../context.js";
import type { PlainValue } from "../event-execution.js";
import { toChatRequest, toGqlCompletion } from "../mappers.js";
import { Completion, CompletionDelta, CompletionDone, CompletionEvent, CompletionInput } from "../types/completion.js";

/** What the subscription's source stream yields: an event, or an error to report as a GraphQL error then stop. */
type Payload = { event: StreamEvent } | { error: GatewayError };

/**
 * Wraps the core stream so that graphql-ws's `return()` (client completes or socket closes)
 * aborts the upstream call at once. An async generator's own return() would wait until the
 * pending next() settles, i.e. until the provider sends its next token.
 */
function subscribeStream(input: CompletionInput, ctx: GqlContext): AsyncIterableIterator<Payload> {
  const controller = new AbortController();
  const source = ctx.services.gateway.stream(
    { principal: ctx.principal, transport: "graphql", signal: controller.signal, traceparent: ctx.traceparent },
    toChatRequest(input),
  );
  let finished = false;
  const it: AsyncIterableIterator<Payload> = {
    async next() {
      if (finished) return { done: true, value: undefined };
      try {
        let r = await source.next();
        if (!r.done && r.value.type === "start") r = await source.next();
        if (r.done) {
          finished = true;
          return { done: true, value: undefined };
        }
        return { done: false, value: { event: r.value } };
      } catch (e) {
        // Reported as one `next` with errors, then the subscription completes: graphql-ws would
        // otherwise turn a thrown iterator error into a socket-level failure.
        finished = true;
        return { done: false, value: { error: e instanceof GatewayError ? e : new GatewayError("INTERNAL_SERVER_ERROR", "internal error") } };
      }
    },
    async return() {
      finished = true;
      controller.abort();
      await source.return(undefined).catch(() => undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

@Resolver()
export class CompletionResolver {
  @Mutation(() => Completion, { description: "Runs one completion and returns it whole." })
  async complete(@Arg("input", () => CompletionInput) input: CompletionInput, @Ctx() ctx: GqlContext): Promise<Completion> {
    const c = await ctx.services.gateway.complete({ principal: ctx.principal, transport: "graphql", signal: ctx.signal, traceparent: ctx.traceparent }, toChatRequest(input));
    return toGqlCompletion(c);
  }

  @Subscription(() => CompletionEvent, {
    description: "Streams a completion: CompletionDelta events, then one CompletionDone.",
    subscribe: ({ args, context }) => subscribeStream(args.input as CompletionInput, context as GqlContext),
  })
  completionStream(
    @Root() payload: Payload,
    @Arg("input", () => CompletionInput) _input: CompletionInput,
  ): typeof CompletionEvent {
    return completionEvent(payload);
  }
}

/** A text delta as a plain value (event-execution.ts builds its result without `execute`); others: undefined. */
export function plainCompletionEvent(p: unknown): PlainValue | undefined {
  const payload = p as Payload;
  if ("error" in payload || payload.event.type !== "delta") return undefined;
  return { typename: "CompletionDelta", fields: { content: payload.event.text, toolCall: null } };
}

/**
 * One source-stream payload as the subscription's value. Also used directly by the WebSocket
 * transport's event execution (event-execution.ts), which skips the resolver above per event.
 */
export function completionEvent(p: unknown): typeof CompletionEvent {
  const payload = p as Payload;
  if ("error" in payload) throw payload.error;
  const ev = payload.event;
  if (ev.type === "done") return Object.assign(new CompletionDone(), { completion: toGqlCompletion(ev.completion) });
  if (ev.type === "delta" || ev.type === "start") return Object.assign(new CompletionDelta(), { content: ev.type === "delta" ? ev.text : "", toolCall: null });
  return Object.assign(new CompletionDelta(), {
    content: "",
    toolCall: { index: ev.index, id: ev.id ?? null, name: ev.name ?? null, argumentsDelta: ev.argumentsDelta },
  });
}
