import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ChatChunk, ChatRequest, ChatResult, FinishReason, ToolCall, Usage } from "../domain/chat.js";
import { ErrorCode, GatewayError, isGatewayError } from "../domain/errors.js";
import { requestCost, type MicroUsd } from "../domain/money.js";
import { ChunkAccumulator } from "../providers/collect.js";
import type { UpstreamClient } from "../providers/http.js";
import type { Principal } from "./auth/keys.js";
import type { Catalogue, Resolved } from "./catalogue/index.js";
import { countCompletion, countPrompt } from "./metering/tokens.js";
import { Timing } from "./metering/timing.js";
import type { UsageRecord, UsageWriter } from "./metering/usage-writer.js";
import { validateRequest, type Limits } from "./validate.js";

export type Transport = "graphql" | "rest";

export interface RequestContext {
  principal: Principal;
  transport: Transport;
  /** Aborted when the client goes away; the upstream call is cancelled at once. */
  signal?: AbortSignal | undefined;
}

export interface Attempt {
  model: string;
  provider: string;
  outcome: "ok" | "error" | "cancelled";
  error: string | null;
  errorCode: string | null;
  latencyMs: number;
}

export interface CompletionMetrics {
  ttftMs: number | null;
  itlMs: number | null;
  latencyMs: number;
  tokensPerSecond: number | null;
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
  guardrails: { redactions: number; injectionScore: number | null };
}

export type StreamEvent =
  /** First event: who will answer. Carries no content; transports may hold headers until the next one. */
  | { type: "start"; id: string; model: string; provider: string; createdAt: Date }
  | { type: "delta"; text: string }
  | { type: "tool_call"; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: "done"; completion: Completion };

export interface GatewayDeps {
  catalogue: Catalogue;
  upstream: UpstreamClient;
  usage: UsageWriter;
  limits: Limits;
  log: Logger;
}

/** State of one request from validation to settlement. */
interface Run {
  id: string;
  ctx: RequestContext;
  req: ChatRequest;
  resolved: Resolved;
  timing: Timing;
  controller: AbortController;
  stream: boolean;
}

/**
 * The single facade every transport calls. It knows nothing of GraphQL or HTTP: it validates,
 * resolves the model, calls the provider through UpstreamClient, meters the answer and
 * writes exactly one usage record per request, whatever the ending.
 */
export class Gateway {
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private draining = false;

  constructor(private readonly deps: GatewayDeps) {}

  get activeRequests(): number {
    return this.inflight;
  }

  async complete(ctx: RequestContext, input: unknown): Promise<Completion> {
    const run = this.begin(ctx, input, false);
    const { adapter, target } = run.resolved;
    try {
      const result: ChatResult = await this.deps.upstream.complete(adapter, run.req, target, run.controller.signal);
      run.timing.delta();
      return this.finish(run, result.content, result.toolCalls, result.finishReason, result.usage, result.model);
    } catch (e) {
      throw this.fail(run, e, "", []);
    } finally {
      this.end(run);
    }
  }

  /**
   * Streams events; the last one is `done`. Errors are thrown as GatewayError. Breaking out of
   * the loop or aborting `ctx.signal` cancels the upstream call; the usage record is written either way.
   */
  async *stream(ctx: RequestContext, input: unknown): AsyncGenerator<StreamEvent, void, undefined> {
    const run = this.begin(ctx, input, true);
    const { adapter, target } = run.resolved;
    const acc = new ChunkAccumulator();
    let settled = false;
    try {
      yield { type: "start", id: run.id, model: run.resolved.model.id, provider: run.resolved.target.provider, createdAt: new Date(run.timing.startedAt) };
      for await (const chunk of this.deps.upstream.stream(adapter, run.req, target, run.controller.signal)) {
        acc.add(chunk);
        const ev = toEvent(chunk);
        if (ev) {
          run.timing.delta();
          yield ev;
        }
      }
      settled = true;
      const r = acc.result();
      yield { type: "done", completion: this.finish(run, r.content, r.toolCalls, r.finishReason, acc.usage, acc.model) };
    } catch (e) {
      settled = true;
      throw this.fail(run, e, acc.content, acc.toolCalls, acc);
    } finally {
      // The consumer left (return() without an error): the client is gone, the answer was cut short.
      if (!settled) this.fail(run, new GatewayError(ErrorCode.CLIENT_CLOSED, "client closed the stream"), acc.content, acc.toolCalls, acc);
      this.end(run);
    }
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

  private begin(ctx: RequestContext, input: unknown, stream: boolean): Run {
    const id = randomUUID();
    const timing = new Timing();
    if (this.draining) throw new GatewayError(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down; retry on another instance", { retryable: true });
    let validated: ReturnType<typeof validateRequest>;
    try {
      validated = validateRequest(input, ctx.principal, this.deps.catalogue, this.deps.limits);
    } catch (e) {
      this.recordRejected(id, ctx, input, stream, timing, e);
      throw e;
    }
    const controller = new AbortController();
    if (ctx.signal) {
      if (ctx.signal.aborted) controller.abort();
      else ctx.signal.addEventListener("abort", () => controller.abort(), { once: true });
    }
    this.inflight++;
    return { id, ctx, req: validated.req, resolved: validated.resolved, timing, controller, stream };
  }

  private end(run: Run): void {
    if (!run.controller.signal.aborted) run.controller.abort();
    if (--this.inflight === 0 && this.idleWaiters.length) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private finish(
    run: Run,
    content: string,
    toolCalls: ToolCall[],
    finishReason: FinishReason,
    reported: Partial<Usage> | undefined,
    providerModel: string | undefined,
  ): Completion {
    const usage = this.usage(run, reported, content, toolCalls);
    const cost = requestCost(usage, run.resolved.model.prices);
    const metrics = run.timing.result(usage.outputTokens);
    const attempt = this.attempt(run, "ok", null, metrics.latencyMs);
    const completion: Completion = {
      id: run.id,
      createdAt: new Date(run.timing.startedAt),
      model: run.resolved.model.id,
      requestedModel: run.req.model,
      provider: run.resolved.target.provider,
      providerModel: providerModel ?? null,
      content,
      toolCalls,
      finishReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      costMicroUsd: cost,
      metrics,
      attempts: [attempt],
      guardrails: { redactions: 0, injectionScore: null },
    };
    this.record(run, { status: "ok", usage, cost, metrics, finishReason, attempts: [attempt] });
    return completion;
  }

  /** Settles a failed or cancelled request and returns the error to throw. */
  private fail(run: Run, e: unknown, content: string, toolCalls: ToolCall[], acc?: ChunkAccumulator): GatewayError {
    const err = toGatewayError(e);
    const cancelled = err.code === ErrorCode.CLIENT_CLOSED;
    const usage = this.usage(run, acc?.usage, content, toolCalls, !cancelled && content === "" && toolCalls.length === 0);
    const cost = requestCost(usage, run.resolved.model.prices);
    const metrics = run.timing.result(usage.outputTokens);
    const attempt = this.attempt(run, cancelled ? "cancelled" : "error", err, metrics.latencyMs);
    this.record(run, {
      status: cancelled ? "cancelled" : "error",
      usage,
      cost,
      metrics,
      finishReason: cancelled ? null : "ERROR",
      attempts: [attempt],
      error: err,
    });
    return err;
  }

  /**
   * Provider-reported usage is the truth. Missing fields are counted: the prompt with the
   * tokenizer, the output from what was actually received (so a cut stream is still billed).
   * A request that failed before the provider produced anything is billed nothing.
   */
  private usage(run: Run, reported: Partial<Usage> | undefined, content: string, toolCalls: ToolCall[], nothingSent = false): Usage & { estimated: boolean } {
    const factor = run.resolved.adapter.tokenEstimateFactor;
    let estimated = false;
    let inputTokens = reported?.inputTokens;
    if (inputTokens === undefined) {
      estimated = true;
      inputTokens = nothingSent ? 0 : Math.ceil(countPrompt(run.req.messages, run.req.tools ? JSON.stringify(run.req.tools) : undefined) * factor);
    }
    let outputTokens = reported?.outputTokens;
    if (outputTokens === undefined) {
      estimated = true;
      outputTokens = Math.ceil(countCompletion(content, toolCalls) * factor);
    }
    return {
      inputTokens,
      outputTokens,
      cachedInputTokens: reported?.cachedInputTokens ?? 0,
      reasoningTokens: reported?.reasoningTokens ?? 0,
      estimated,
    };
  }

  private attempt(run: Run, outcome: Attempt["outcome"], err: GatewayError | null, latencyMs: number): Attempt {
    return {
      model: run.resolved.model.id,
      provider: run.resolved.target.provider,
      outcome,
      error: err ? err.message : null,
      errorCode: err ? err.code : null,
      latencyMs,
    };
  }

  private record(
    run: Run,
    r: {
      status: "ok" | "error" | "cancelled";
      usage: Usage & { estimated: boolean };
      cost: number;
      metrics: CompletionMetrics;
      finishReason: FinishReason | null;
      attempts: Attempt[];
      error?: GatewayError;
    },
  ): void {
    const p = run.ctx.principal;
    const rec: UsageRecord = {
      id: run.id,
      createdAt: new Date(run.timing.startedAt),
      keyId: p.keyId,
      userId: p.userId,
      teamId: p.teamId,
      transport: run.ctx.transport,
      stream: run.stream,
      modelRequested: run.req.model,
      modelServed: run.resolved.model.id,
      provider: run.resolved.target.provider,
      inputTokens: r.usage.inputTokens,
      outputTokens: r.usage.outputTokens,
      cachedInputTokens: r.usage.cachedInputTokens,
      reasoningTokens: r.usage.reasoningTokens,
      tokensEstimated: r.usage.estimated,
      costMicroUsd: r.cost,
      ttftMs: r.metrics.ttftMs,
      itlMs: r.metrics.itlMs,
      latencyMs: r.metrics.latencyMs,
      status: r.status,
      errorCode: r.error?.code ?? null,
      errorMessage: r.error?.message ?? null,
      finishReason: r.finishReason,
      tags: run.req.tags ?? [],
      endUser: run.req.user ?? null,
      attempts: r.attempts,
    };
    this.deps.usage.add(rec);
  }

  /** Requests refused before any provider call still leave a record: who asked for what, and why it failed. */
  private recordRejected(id: string, ctx: RequestContext, input: unknown, stream: boolean, timing: Timing, e: unknown): void {
    const err = toGatewayError(e);
    const raw = (input ?? {}) as { model?: unknown; tags?: unknown; user?: unknown };
    const p = ctx.principal;
    this.deps.usage.add({
      id,
      createdAt: new Date(timing.startedAt),
      keyId: p.keyId,
      userId: p.userId,
      teamId: p.teamId,
      transport: ctx.transport,
      stream,
      modelRequested: typeof raw.model === "string" ? raw.model.slice(0, 256) : "",
      inputTokens: 0,
      outputTokens: 0,
      costMicroUsd: 0,
      latencyMs: timing.result(0).latencyMs,
      status: "error",
      errorCode: err.code,
      errorMessage: err.message.slice(0, 1000),
      tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === "string").slice(0, 16) : [],
      endUser: typeof raw.user === "string" ? raw.user.slice(0, 256) : null,
    });
  }
}

function toEvent(c: ChatChunk): StreamEvent | undefined {
  if (c.type === "text") return c.text ? { type: "delta", text: c.text } : undefined;
  if (c.type === "tool_call") return { ...c, type: "tool_call" };
  return undefined;
}

export function toGatewayError(e: unknown): GatewayError {
  if (isGatewayError(e)) return e;
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "internal error", { cause: e });
}
