import type { Logger } from "pino";
import { ErrorCode, type GatewayError } from "../../domain/errors.js";
import type { Resolved } from "../catalogue/index.js";
import type { UsageRecord } from "../metering/usage-writer.js";
import type { AttemptSpan, Observer, RequestObservation } from "../pipeline.js";
import type { Metrics } from "./metrics.js";
import { GenAI, SpanKind, attr, encodeSpan, genAiProviderName, nowMs, type TraceContext, type Tracer } from "./tracing.js";

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
    const trace = tracer ? tracer.begin(info.traceparent) : null;
    return new Observation(this.deps, info.stream, trace);
  }
}

class Observation implements RequestObservation {
  private ended = false;

  constructor(
    private readonly deps: ObserverDeps,
    private readonly stream: boolean,
    /** Null when tracing is off; spans are recorded only when it is sampled. */
    private readonly trace: TraceContext | null,
  ) {}

  attempt(target: Resolved): AttemptSpan {
    const { tracer } = this.deps;
    const trace = this.trace;
    if (!tracer || !trace?.sampled) return NOOP_ATTEMPT;
    const spanId = tracer.newSpanId();
    const startMs = nowMs();
    const t = target.target;
    return {
      end(outcome: "ok" | "error" | "cancelled", error?: GatewayError) {
        tracer.record(
          encodeSpan({
            traceId: trace.traceId,
            spanId,
            parentSpanId: trace.spanId,
            name: `chat ${t.upstreamModel}`,
            kind: SpanKind.CLIENT,
            startMs,
            endMs: nowMs(),
            attributes: [
              attr.str(GenAI.OPERATION, "chat"),
              attr.str(GenAI.PROVIDER, genAiProviderName(t.kind, t.provider)),
              attr.str(GenAI.REQUEST_MODEL, t.upstreamModel),
              attr.str("switchboard.model", target.model.id),
              attr.str("switchboard.outcome", outcome),
              error ? attr.str(GenAI.ERROR_TYPE, error.code) : "",
              error?.upstreamStatus !== undefined ? attr.int("http.response.status_code", error.upstreamStatus) : "",
            ],
            error: outcome === "error" && error ? error.code : undefined,
          }),
        );
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
          // Sampled or not, so a log line joins up with the caller's trace.
          ...(this.trace ? { traceId: this.trace.traceId } : {}),
        },
        "request",
      );
    }

    const trace = this.trace;
    const tracer = this.deps.tracer;
    if (tracer && trace?.sampled) {
      tracer.record(
        encodeSpan({
          traceId: trace.traceId,
          spanId: trace.spanId,
          parentSpanId: trace.parentSpanId,
          name: `chat ${r.modelRequested}`,
          kind: SpanKind.SERVER,
          startMs: trace.startMs,
          endMs: nowMs(),
          attributes: [
            attr.str(GenAI.OPERATION, "chat"),
            attr.str(GenAI.REQUEST_MODEL, r.modelRequested),
            r.modelServed ? attr.str(GenAI.RESPONSE_MODEL, r.modelServed) : "",
            provider ? attr.str(GenAI.PROVIDER, provider) : "",
            attr.str(GenAI.RESPONSE_ID, r.id),
            attr.int(GenAI.INPUT_TOKENS, r.inputTokens),
            attr.int(GenAI.OUTPUT_TOKENS, r.outputTokens),
            r.finishReason ? attr.strs(GenAI.FINISH_REASONS, [FINISH[r.finishReason] ?? r.finishReason.toLowerCase()]) : "",
            r.ttftMs != null ? attr.dbl(GenAI.TTFT, r.ttftMs / 1000) : "",
            tps != null && tps > 0 ? attr.dbl(GenAI.TPOT, 1 / tps) : "",
            r.itlMs != null ? attr.dbl("switchboard.itl_ms", r.itlMs) : "",
            attr.dbl("switchboard.cost_usd", r.costMicroUsd / 1e6),
            attr.str("switchboard.status", r.status),
            attr.str("switchboard.request.id", r.id),
            r.keyId ? attr.str("switchboard.key.id", r.keyId) : "",
            attr.str("switchboard.transport", r.transport),
            attr.bool("switchboard.stream", r.stream),
            r.errorCode ? attr.str(GenAI.ERROR_TYPE, r.errorCode) : "",
          ],
          error: r.errorCode && r.status === "error" ? r.errorCode : undefined,
        }),
      );
    }
  }
}

function labelsOf(requestModel: string, responseModel: string | null | undefined, provider: string) {
  return { gen_ai_operation_name: "chat", gen_ai_request_model: requestModel, gen_ai_response_model: responseModel ?? "", gen_ai_provider_name: provider };
}
