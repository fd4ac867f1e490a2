import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { ChatChunk, ChatRequest, FinishReason, ToolCall, Usage } from "../domain/chat.js";
import { ErrorCode, GatewayError, isGatewayError } from "../domain/errors.js";
import { requestCost, type MicroUsd } from "../domain/money.js";
import { ChunkAccumulator } from "../providers/collect.js";
import type { UpstreamClient } from "../providers/http.js";
import type { Principal } from "./auth/keys.js";
import type { Catalogue, Resolved } from "./catalogue/index.js";
import { countPrompt, countText } from "./metering/tokens.js";
import { Timing } from "./metering/timing.js";
import { uuidv7 } from "./ids.js";
import { ToolCallOutput } from "./tool-output.js";
import type { UsageWriter } from "./metering/usage-writer.js";
import {
  noopObserver,
  openPolicy,
  passThroughGuard,
  type Admission,
  type Guard,
  type GuardSession,
  type Observer,
  type Policy,
  type RequestObservation,
  type RoutePlan,
  type Router,
} from "./pipeline.js";
import { DirectRouter } from "./routing/direct.js";
import { meterUsage, usageRecord, zeroUsage, type Attempt, type CompletionMetrics, type MeteredUsage } from "./settle.js";
import { parseRequest, type Limits } from "./validate.js";

export type { Attempt, CompletionMetrics } from "./settle.js";
export type Transport = "graphql" | "rest";

export interface RequestContext {
  principal: Principal;
  transport: Transport;
  /** Aborted when the client goes away; the upstream call is cancelled at once. */
  signal?: AbortSignal | undefined;
  /** W3C traceparent from the caller, when given. */
  traceparent?: string | undefined;
}

export interface Completion {
  id: string;
  createdAt: Date;
  /** Catalogue id that served the request. */
  model: string;
  requestedModel: string;
  provider: string;
  /** Model name the provider reported, when it did. */
  providerModel: string | null;
  content: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage & { totalTokens: number; estimated: boolean };
  costMicroUsd: MicroUsd;
  metrics: CompletionMetrics;
  attempts: Attempt[];
  guardrails: { redactions: number; injectionScore: number | null; findings: Record<string, number> };
  route: { rule: string | null; requestKind: string };
}

export type StreamEvent =
  /** Sent just before the first content event: who answers. Transports may hold headers until then. */
  | { type: "start"; id: string; model: string; provider: string; createdAt: Date }
  | { type: "delta"; text: string }
  | { type: "tool_call"; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: "done"; completion: Completion };

export interface RetryOptions {
  /** Attempts across all targets, the first included. */
  maxAttempts: number;
  /** No new attempt starts after this much time since the request began. */
  maxTotalMs: number;
  /** Base of the full-jitter exponential backoff between attempts on the same target. */
  backoffMs: number;
  /** A retry-after longer than this is not waited for: the next target is tried, or the error returned. */
  maxRetryAfterMs: number;
}

export const defaultRetry: RetryOptions = { maxAttempts: 3, maxTotalMs: 30_000, backoffMs: 200, maxRetryAfterMs: 5_000 };

export interface GatewayDeps {
  catalogue: Catalogue;
  upstream: UpstreamClient;
  usage: UsageWriter;
  limits: Limits;
  log: Logger;
  router?: Router;
  policy?: Policy;
  guard?: Guard;
  observer?: Observer;
  retry?: Partial<RetryOptions>;
}

/** One request from admission to settlement. */
interface Run {
  id: string;
  ctx: RequestContext;
  req: ChatRequest;
  guard: GuardSession;
  plan: RoutePlan;
  admission: Admission;
  obs: RequestObservation;
  timing: Timing;
  controller: AbortController;
  stream: boolean;
  attempts: Attempt[];
  served: Resolved;
  settled: boolean;
  /** Text handed to the client so far, after output transforms (what a stored body records). */
  sent: string;
  /** The upstream answer was read to its end: nothing of it is still running. */
  done: boolean;
}

/**
 * The single facade every transport calls; it knows nothing of GraphQL or HTTP. It runs the
 * pipeline in pipeline.ts, fails over between targets before the first token, and settles
 * every request exactly once: one usage record, holds replaced by the actual cost.
 */
export class Gateway {
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private draining = false;
  private readonly router: Router;
  private readonly policy: Policy;
  private readonly guard: Guard;
  private readonly observer: Observer;
  private readonly retry: RetryOptions;

  constructor(private readonly deps: GatewayDeps) {
    this.router = deps.router ?? new DirectRouter(deps.catalogue);
    this.policy = deps.policy ?? openPolicy;
    this.guard = deps.guard ?? passThroughGuard;
    this.observer = deps.observer ?? noopObserver;
    this.retry = { ...defaultRetry, ...deps.retry };
  }

  get activeRequests(): number {
    return this.inflight;
  }

  async complete(ctx: RequestContext, input: unknown): Promise<Completion> {
    const run = await this.begin(ctx, input, false);
    let result: Awaited<ReturnType<UpstreamClient["complete"]>> | undefined;
    try {
      result = await this.withFailover(run, (r, signal) => this.deps.upstream.complete(r.adapter, run.guard.request, r.target, signal));
      run.done = true;
      const out = run.guard.output;
      const content = out ? out.whole(result.content) : result.content;
      const toolCalls = ToolCallOutput.whole(out, result.toolCalls);
      run.sent = content;
      // The answer reaches the client only once the output guard let it through, and only if it has something in it.
      if (content !== "" || toolCalls.length > 0) run.timing.delta();
      return this.finish(run, { raw: result.content, content, toolCalls, finishReason: result.finishReason, reported: result.usage, providerModel: result.model });
    } catch (e) {
      // Refused after the provider answered (the output guard blocked it): the provider billed the call, so must we.
      throw result ? this.fail(run, e, result.content, result.toolCalls, result.usage) : this.fail(run, e, "", [], undefined);
    } finally {
      this.end(run);
    }
  }

  /**
   * Streams events; the last one is `done`. Errors are thrown as GatewayError. Breaking out of the
   * loop or aborting `ctx.signal` cancels the upstream call; the request is settled either way.
   */
  async *stream(ctx: RequestContext, input: unknown): AsyncGenerator<StreamEvent, void, undefined> {
    const run = await this.begin(ctx, input, true);
    let acc = new ChunkAccumulator();
    let committed = false;
    let deltas = 0;
    const out = run.guard.output;
    let tools = new ToolCallOutput(out);
    // Output so far by the tokenizer, text and tool-call arguments alike, when a budget needs it. Chunks are
    // counted one by one: a token split across two chunks counts twice, so the sum errs high, never low.
    const metered = run.admission.holdsMoney === true;
    let produced = 0;
    let reported = false;
    try {
      for (let attempt = 0; ; attempt++) {
        const cand = this.candidate(run, attempt);
        const span = run.obs.attempt(cand);
        const started = performance.now();
        try {
          for await (const chunk of this.deps.upstream.stream(cand.adapter, run.guard.request, cand.target, run.controller.signal)) {
            acc.add(chunk);
            if (metered) produced += outputTokens(chunk);
            const ev = toEvent(chunk, out, tools);
            if (!ev) continue;
            if (!committed) {
              committed = true;
              reported = true;
              this.router.report(cand, { ok: true, ttftMs: performance.now() - started });
              yield this.startEvent(run);
            }
            run.timing.delta();
            if (ev.type === "delta") run.sent += ev.text;
            yield ev;
            deltas++;
            const ok = run.admission.extend(metered ? Math.max(deltas, Math.ceil(produced * cand.adapter.tokenEstimateFactor)) : deltas, cand.model);
            if (ok !== true && !(await ok)) {
              throw new GatewayError(ErrorCode.BUDGET_EXCEEDED, "budget exhausted while streaming; the answer was cut here");
            }
          }
          span.end("ok");
          run.attempts.push(this.attemptOf(cand, "ok", null, started));
          // An answer held back whole, or empty, is still a success (a half-open circuit's trial waits on it).
          if (!reported) this.router.report(cand, { ok: true, ttftMs: performance.now() - started });
          run.done = true;
          break;
        } catch (e) {
          const err = toGatewayError(e);
          const cancelled = err.code === ErrorCode.CLIENT_CLOSED;
          span.end(cancelled ? "cancelled" : "error", err);
          run.attempts.push(this.attemptOf(cand, cancelled ? "cancelled" : "error", err, started));
          if (!cancelled && err.code === ErrorCode.UPSTREAM_ERROR) this.router.report(cand, { ok: false, error: err });
          if (committed || cancelled || !(await this.backoff(run, err, attempt))) throw err;
          acc = new ChunkAccumulator();
          tools = new ToolCallOutput(out);
          produced = 0;
          out?.discard();
        }
      }
      // An empty answer, or one held back whole by the output guard, still opens with `start`.
      if (!committed) yield this.startEvent(run);
      if (out) {
        const rest = out.flush();
        if (rest) {
          run.timing.delta();
          run.sent += rest;
          yield { type: "delta", text: rest };
        }
        for (const t of tools.flush()) {
          run.timing.delta();
          yield { type: "tool_call", index: t.index, argumentsDelta: t.text };
        }
      }
      const r = acc.result();
      const completion = this.finish(run, { raw: r.content, content: run.sent, toolCalls: out ? tools.sent() : r.toolCalls, finishReason: r.finishReason, reported: acc.usage, providerModel: acc.model });
      yield { type: "done", completion };
    } catch (e) {
      throw this.fail(run, e, acc.content, acc.toolCalls, acc.usage);
    } finally {
      // The consumer left (return() without an error): the client is gone, the answer was cut short.
      if (!run.settled) this.fail(run, new GatewayError(ErrorCode.CLIENT_CLOSED, "client closed the stream"), acc.content, acc.toolCalls, acc.usage);
      this.end(run);
    }
  }

  /**
   * Dry runs (Query.admission): validation, guardrails and routing exactly as a real request
   * meets them before admission, with nothing admitted, called or recorded.
   */
  async prepare(ctx: RequestContext, input: unknown): Promise<{ req: ChatRequest; plan: RoutePlan; promptTokens: () => number }> {
    const req = parseRequest(input, this.deps.limits);
    const sent = (await this.guard.begin(req, ctx.principal)).request;
    const plan = this.router.plan(sent, ctx.principal);
    let counted: number | undefined;
    return { req: sent, plan, promptTokens: () => (counted ??= countPrompt(sent.messages, sent.tools ? JSON.stringify(sent.tools) : undefined)) };
  }

  /** Stop admitting requests and wait (bounded) for running ones to finish. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.inflight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Everything before the first upstream byte. A refusal here is recorded with nothing billed. */
  private async begin(ctx: RequestContext, input: unknown, stream: boolean): Promise<Run> {
    const id = uuidv7();
    const timing = new Timing();
    if (this.draining) throw new GatewayError(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down; retry on another instance", { retryable: true });
    let req: ChatRequest | undefined;
    let plan: RoutePlan | undefined;
    try {
      if (this.deps.usage.backlogged) {
        throw new GatewayError(ErrorCode.OVERLOADED, "this gateway instance cannot record usage right now (its database is unreachable or too slow); retry shortly or on another instance", {
          retryable: true,
          retryAfterMs: 1_000,
        });
      }
      req = parseRequest(input, this.deps.limits);
      const guard = await this.guard.begin(req, ctx.principal);
      plan = this.router.plan(guard.request, ctx.principal);
      let counted: number | undefined;
      const sent = guard.request;
      const admission = await this.policy.admit({
        requestId: id,
        principal: ctx.principal,
        req: sent,
        plan,
        promptTokens: () => (counted ??= countPrompt(sent.messages, sent.tools ? JSON.stringify(sent.tools) : undefined)),
        stream,
      });
      let obs: RequestObservation;
      try {
        obs = this.observer.start({ id, principal: ctx.principal, model: req.model, transport: ctx.transport, stream, traceparent: ctx.traceparent });
      } catch (e) {
        // Holds are placed: give them back now rather than leave them to expire.
        admission.settle(0, zeroUsage(), null);
        throw e;
      }
      const controller = new AbortController();
      if (ctx.signal) {
        if (ctx.signal.aborted) controller.abort();
        else ctx.signal.addEventListener("abort", () => controller.abort(), { once: true });
      }
      this.inflight++;
      return { id, ctx, req, guard, plan, admission, obs, timing, controller, stream, attempts: [], served: plan.candidates[0]!, settled: false, sent: "", done: false };
    } catch (e) {
      const err = toGatewayError(e);
      const raw = (input ?? {}) as { model?: unknown; tags?: unknown; user?: unknown };
      const record = usageRecord({
        id,
        startedAt: timing.startedAt,
        principal: ctx.principal,
        transport: ctx.transport,
        stream,
        requested: req?.model ?? (typeof raw.model === "string" ? raw.model : ""),
        served: plan?.candidates[0] ?? null,
        status: "error",
        usage: zeroUsage(),
        costMicros: 0,
        metrics: timing.result(0),
        finishReason: null,
        attempts: [],
        error: err,
        tags: req?.tags ?? (Array.isArray(raw.tags) ? [...new Set(raw.tags.filter((t): t is string => typeof t === "string"))].slice(0, 16) : []),
        endUser: req?.user ?? (typeof raw.user === "string" ? raw.user.slice(0, 256) : null),
      });
      // A refusal for a full usage queue is not queued too: metrics and the log line still count it.
      if (err.code !== ErrorCode.OVERLOADED) this.deps.usage.add(record);
      this.observer.start({ id, principal: ctx.principal, model: record.modelRequested, transport: ctx.transport, stream, traceparent: ctx.traceparent }).end(record);
      throw err;
    }
  }

  private startEvent(run: Run): StreamEvent {
    return { type: "start", id: run.id, model: run.served.model.id, provider: run.served.target.provider, createdAt: new Date(run.timing.startedAt) };
  }

  private candidate(run: Run, attempt: number): Resolved {
    const c = run.plan.candidates;
    run.served = c[attempt % c.length]!;
    return run.served;
  }

  /**
   * Whether to try again after a failure before the first token, waiting as needed: a retry-after
   * is honoured when short, the next target is tried at once, the same target after jittered backoff.
   */
  private async backoff(run: Run, err: GatewayError, attempt: number): Promise<boolean> {
    if (!err.retryable || attempt + 1 >= this.retry.maxAttempts) return false;
    const elapsed = Date.now() - run.timing.startedAt;
    const sameTarget = run.plan.candidates.length === 1 || run.plan.candidates[(attempt + 1) % run.plan.candidates.length] === run.served;
    let wait = 0;
    if (sameTarget) {
      if (err.retryAfterMs !== undefined && err.retryAfterMs > this.retry.maxRetryAfterMs) return false;
      wait = err.retryAfterMs ?? Math.random() * this.retry.backoffMs * 2 ** attempt;
    }
    if (elapsed + wait > this.retry.maxTotalMs) return false;
    if (wait > 0) await sleep(wait, undefined, { signal: run.controller.signal }).catch(() => undefined);
    return !run.controller.signal.aborted;
  }

  /** Runs a whole (non-streamed) call with the same failover rules as streams. */
  private async withFailover<T>(run: Run, call: (r: Resolved, signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const cand = this.candidate(run, attempt);
      const span = run.obs.attempt(cand);
      const started = performance.now();
      try {
        const result = await call(cand, run.controller.signal);
        span.end("ok");
        run.attempts.push(this.attemptOf(cand, "ok", null, started));
        this.router.report(cand, { ok: true, latencyMs: performance.now() - started });
        return result;
      } catch (e) {
        const err = toGatewayError(e);
        const cancelled = err.code === ErrorCode.CLIENT_CLOSED;
        span.end(cancelled ? "cancelled" : "error", err);
        run.attempts.push(this.attemptOf(cand, cancelled ? "cancelled" : "error", err, started));
        if (!cancelled && err.code === ErrorCode.UPSTREAM_ERROR) this.router.report(cand, { ok: false, error: err });
        if (cancelled || !(await this.backoff(run, err, attempt))) throw err;
      }
    }
  }

  private attemptOf(r: Resolved, outcome: Attempt["outcome"], err: GatewayError | null, started: number): Attempt {
    return {
      model: r.model.id,
      provider: r.target.provider,
      outcome,
      error: err ? err.message : null,
      errorCode: err ? err.code : null,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  }

  private end(run: Run): void {
    // A call that read its answer to the end has nothing left to cancel; aborting anyway costs a
    // DOMException and an event dispatch per request.
    if (!run.done && !run.controller.signal.aborted) run.controller.abort();
    if (--this.inflight === 0 && this.idleWaiters.length) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private finish(
    run: Run,
    a: { raw: string; content: string; toolCalls: ToolCall[]; finishReason: FinishReason; reported: Partial<Usage> | undefined; providerModel: string | undefined },
  ): Completion {
    const usage = meterUsage(run.guard.request, run.served, a.reported, a.raw, a.toolCalls, false);
    const cost = requestCost(usage, run.served.model.prices);
    const metrics = run.timing.result(usage.outputTokens - usage.reasoningTokens);
    const plan = run.plan;
    this.settle(run, "ok", usage, cost, metrics, a.finishReason, undefined);
    return {
      id: run.id,
      createdAt: new Date(run.timing.startedAt),
      model: run.served.model.id,
      requestedModel: run.req.model,
      provider: run.served.target.provider,
      providerModel: a.providerModel ?? null,
      content: a.content,
      toolCalls: a.toolCalls,
      finishReason: a.finishReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      costMicroUsd: cost,
      metrics,
      attempts: run.attempts,
      guardrails: { redactions: run.guard.redactions, injectionScore: run.guard.injectionScore, findings: run.guard.findings },
      route: {
        rule: run.plan.rule?.name ?? null,
        // Classifying the prompt costs tens of µs; only a reader of this field pays for it.
        get requestKind() {
          return plan.requestKind;
        },
      },
    };
  }

  /** Settles a failed or cancelled request and returns the error to throw. */
  private fail(run: Run, e: unknown, content: string, toolCalls: ToolCall[], reported: Partial<Usage> | undefined): GatewayError {
    const err = toGatewayError(e);
    if (run.settled) return err;
    const cancelled = err.code === ErrorCode.CLIENT_CLOSED;
    const nothing = content === "" && toolCalls.length === 0;
    const usage = meterUsage(run.guard.request, run.served, reported, content, toolCalls, nothing && !cancelled);
    const cost = requestCost(usage, run.served.model.prices);
    const metrics = run.timing.result(usage.outputTokens - usage.reasoningTokens);
    this.settle(run, cancelled ? "cancelled" : "error", usage, cost, metrics, cancelled ? null : "ERROR", err);
    return err;
  }

  private settle(run: Run, status: "ok" | "error" | "cancelled", usage: MeteredUsage, cost: number, metrics: CompletionMetrics, finishReason: FinishReason | null, err: GatewayError | undefined): void {
    run.settled = true;
    run.admission.settle(cost, usage, run.served.model);
    const record = usageRecord({
      id: run.id,
      startedAt: run.timing.startedAt,
      principal: run.ctx.principal,
      transport: run.ctx.transport,
      stream: run.stream,
      requested: run.req.model,
      served: run.served,
      status,
      usage,
      costMicros: cost,
      metrics,
      finishReason,
      attempts: run.attempts,
      error: err,
      tags: run.req.tags ?? [],
      endUser: run.req.user ?? null,
      guardrails: run.guard,
      request: run.guard.request,
      // Stored bodies are redacted: the caller's values the answer had restored go back to placeholders.
      response: run.guard.output?.redacted ?? run.sent,
    });
    this.deps.usage.add(record);
    run.obs.end(record);
  }
}

/** Tokens of what a chunk adds to the answer (text, or a tool call's name and arguments). */
function outputTokens(c: ChatChunk): number {
  if (c.type === "text") return countText(c.text);
  if (c.type === "tool_call") return countText(c.argumentsDelta) + (c.name ? countText(c.name) : 0);
  return 0;
}

function toEvent(c: ChatChunk, out: GuardSession["output"], tools: ToolCallOutput): StreamEvent | undefined {
  if (c.type === "text") {
    const text = out ? out.push(c.text) : c.text;
    return text ? { type: "delta", text } : undefined;
  }
  if (c.type === "tool_call") {
    const argumentsDelta = tools.push(c.index, c.argumentsDelta, c.id, c.name);
    // A delta held back whole still goes out when it names the call (id, name).
    return argumentsDelta || c.id || c.name ? { ...c, type: "tool_call", argumentsDelta } : undefined;
  }
  return undefined;
}

export function toGatewayError(e: unknown): GatewayError {
  if (isGatewayError(e)) return e;
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "internal error", { cause: e });
}
