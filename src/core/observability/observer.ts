import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import { ErrorCode, type GatewayError } from "../../domain/errors.js";
import type { Resolved } from "../catalogue/index.js";
import type { UsageRecord } from "../metering/usage-writer.js";
import type { AttemptSpan, Observer, RequestObservation } from "../pipeline.js";
import type { Metrics } from "./metrics.js";
import { GenAI, genAiProviderName, parentContext } from "./tracing.js";

type StartInfo = Parameters<Observer["start"]>[0];

export interface ObserverDeps {
  metrics: Metrics;
  tracer: Tracer | null;
  log: Logger;
  /** Provider kind by configured provider name (for gen_ai.provider.name). */
  providerKind(name: string): string | undefined;
  /** Whether a requested model name is one the catalogue knows; others are labelled "other" (label cardinality). */
  knownModel(name: string): boolean;
}

const NOOP_ATTEMPT: AttemptSpan = { end: () => undefined };
const FINISH: Record<string, string> = { STOP: "stop", LENGTH: "length", TOOL_CALLS: "tool_calls", CONTENT_FILTER: "content_filter", ERROR: "error" };

/**
 * The Observer seam: per request, metrics, one structured log line and (when tracing is on) a span
 * with GenAI attributes plus a child span per upstream attempt. Everything here is synchronous and
 * allocation-light: it runs on the request path. The usage record itself goes to the UsageWriter.
 */
export class GatewayObserver implements Observer {
  constructor(private readonly deps: ObserverDeps) {}

  start(info: StartInfo): RequestObservation {
    const { metrics, tracer } = this.deps;
    metrics.requestsInFlight.inc();
    if (info.stream) metrics.streamsInFlight.inc();
    let span: Span | null = null;
    if (tracer) {
      span = tracer.startSpan(
        `chat ${info.model}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [GenAI.OPERATION]: "chat",
            [GenAI.REQUEST_MODEL]: info.model,
            "switchboard.request.id": info.id,
            "switchboard.key.id": info.principal.keyId,
            "switchboard.transport": info.transport,
            "switchboard.stream": info.stream,
          },
        },
        parentContext(info.traceparent),
      );
    }
    return new Observation(this.deps, info.stream, span);
  }
}

class Observation implements RequestObservation {
  private ended = false;

  constructor(
    private readonly deps: ObserverDeps,
    private readonly stream: boolean,
    private readonly span: Span | null,
  ) {}

  attempt(target: Resolved): AttemptSpan {
    const { tracer } = this.deps;
    if (!tracer || !this.span) return NOOP_ATTEMPT;
    const child = tracer.startSpan(
      `chat ${target.target.upstreamModel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [GenAI.OPERATION]: "chat",
          [GenAI.PROVIDER]: genAiProviderName(target.target.kind, target.target.provider),
          [GenAI.REQUEST_MODEL]: target.target.upstreamModel,
          "switchboard.model": target.model.id,
        },
      },
      trace.setSpan(parentContext(undefined), this.span),
    );
    return {
      end(outcome: "ok" | "error" | "cancelled", error?: GatewayError) {
        child.setAttribute("switchboard.outcome", outcome);
        if (error) {
          child.setAttribute(GenAI.ERROR_TYPE, error.code);
          if (error.upstreamStatus !== undefined) child.setAttribute("http.response.status_code", error.upstreamStatus);
          if (outcome === "error") child.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
        }
        child.end();
      },
    };
  }

  end(r: UsageRecord): void {
    if (this.ended) return;
    this.ended = true;
    const { metrics, log } = this.deps;
    metrics.requestsInFlight.dec();
    if (this.stream) metrics.streamsInFlight.dec();

    const kind = r.provider ? this.deps.providerKind(r.provider) : undefined;
    const provider = r.provider ? genAiProviderName(kind, r.provider) : "";
    const requestModel = r.modelServed || this.deps.knownModel(r.modelRequested) ? r.modelRequested : "other";
    const s = metrics.seriesFor(requestModel, r.modelServed ?? "", provider);
    const latencyS = r.latencyMs / 1000;
    if (r.errorCode) metrics.duration.observe({ ...labelsOf(requestModel, r.modelServed, provider), error_type: r.errorCode }, latencyS);
    else s.duration.observe(latencyS);
    if (r.modelServed) {
      s.tokensIn.observe(r.inputTokens);
      s.tokensOut.observe(r.outputTokens);
      if (r.costMicroUsd > 0) s.cost.inc(r.costMicroUsd / 1e6);
    }
    if (r.ttftMs != null) s.ttft.observe(r.ttftMs / 1000);
    const tps = r.tokensPerSecond;
    if (tps != null && tps > 0) s.tpot.observe(1 / tps);
    metrics.requests.inc({ status: r.status, error_type: r.errorCode ?? "" });
    if (r.errorCode === ErrorCode.RATE_LIMITED) metrics.rateLimited.inc({ gen_ai_request_model: requestModel });

    if (log.isLevelEnabled("info")) {
      // Ids, figures and codes only: never the key, bodies, error texts (they may quote upstreams) or end-user ids.
      log.info(
        {
          reqId: r.id,
          keyId: r.keyId,
          userId: r.userId,
          teamId: r.teamId,
          transport: r.transport,
          stream: r.stream,
          model: r.modelRequested,
          servedModel: r.modelServed,
          provider: r.provider,
          status: r.status,
          errorCode: r.errorCode,
          finishReason: r.finishReason,
          attempts: Array.isArray(r.attempts) ? r.attempts.length : 0,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          costUsd: r.costMicroUsd / 1e6,
          ttftMs: r.ttftMs,
          itlMs: r.itlMs,
          latencyMs: r.latencyMs,
          ...(this.span ? { traceId: this.span.spanContext().traceId } : {}),
        },
        "request",
      );
    }

    const span = this.span;
    if (span) {
      if (r.modelServed) span.setAttribute(GenAI.RESPONSE_MODEL, r.modelServed);
      if (provider) span.setAttribute(GenAI.PROVIDER, provider);
      span.setAttribute(GenAI.RESPONSE_ID, r.id);
      span.setAttribute(GenAI.INPUT_TOKENS, r.inputTokens);
      span.setAttribute(GenAI.OUTPUT_TOKENS, r.outputTokens);
      if (r.finishReason) span.setAttribute(GenAI.FINISH_REASONS, [FINISH[r.finishReason] ?? r.finishReason.toLowerCase()]);
      if (r.ttftMs != null) span.setAttribute(GenAI.TTFT, r.ttftMs / 1000);
      if (tps != null && tps > 0) span.setAttribute(GenAI.TPOT, 1 / tps);
      if (r.itlMs != null) span.setAttribute("switchboard.itl_ms", r.itlMs);
      span.setAttribute("switchboard.cost_usd", r.costMicroUsd / 1e6);
      span.setAttribute("switchboard.status", r.status);
      if (r.errorCode) {
        span.setAttribute(GenAI.ERROR_TYPE, r.errorCode);
        if (r.status === "error") span.setStatus({ code: SpanStatusCode.ERROR, message: r.errorCode });
      }
      span.end();
    }
  }
}

function labelsOf(requestModel: string, responseModel: string | null | undefined, provider: string) {
  return { gen_ai_operation_name: "chat", gen_ai_request_model: requestModel, gen_ai_response_model: responseModel ?? "", gen_ai_provider_name: provider };
}
