import type { Logger } from "pino";
import { ErrorCode, type GatewayError } from "../../domain/errors.js";
import type { Resolved } from "../catalogue/index.js";
import type { UsageRecord } from "../metering/usage-writer.js";
import type { AttemptSpan, Observer, RequestObservation } from "../pipeline.js";
import { requestLogFields, writeInfo } from "./log-line.js";
import type { Metrics } from "./metrics.js";
import { GenAI, SpanKind, attr, attrKey, cachedStr, genAiProviderName, nowMs, type TraceContext, type Tracer } from "./tracing.js";

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

// Span attributes whose values repeat request after request are encoded once (see cachedStr).
const A = {
  chat: attr.str(GenAI.OPERATION, "chat"),
  provider: cachedStr(GenAI.PROVIDER),
  requestModel: cachedStr(GenAI.REQUEST_MODEL),
  responseModel: cachedStr(GenAI.RESPONSE_MODEL),
  model: cachedStr("switchboard.model"),
  outcome: cachedStr("switchboard.outcome"),
  errorType: cachedStr(GenAI.ERROR_TYPE),
  status: cachedStr("switchboard.status"),
  transport: cachedStr("switchboard.transport"),
  keyId: cachedStr("switchboard.key.id", 4096),
  finish: new Map<string, Buffer>(),
  stream: [attr.bool("switchboard.stream", false), attr.bool("switchboard.stream", true)] as const,
};
// Keys of attributes whose values change every request.
const K = {
  httpStatus: attrKey("http.response.status_code"),
  responseId: attrKey(GenAI.RESPONSE_ID),
  inputTokens: attrKey(GenAI.INPUT_TOKENS),
  outputTokens: attrKey(GenAI.OUTPUT_TOKENS),
  ttft: attrKey(GenAI.TTFT),
  tpot: attrKey(GenAI.TPOT),
  itl: attrKey("switchboard.itl_ms"),
  cost: attrKey("switchboard.cost_usd"),
  requestId: attrKey("switchboard.request.id"),
};
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
    metrics.requestsRunning++;
    if (info.stream) metrics.streamsRunning++;
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
        const endMs = nowMs();
        tracer.record((w) => {
          w.begin({ traceId: trace.traceId, spanId, parentSpanId: trace.spanId, name: `chat ${t.upstreamModel}`, kind: SpanKind.CLIENT, startMs, endMs });
          w.frag(A.chat);
          A.provider(w, genAiProviderName(t.kind, t.provider));
          A.requestModel(w, t.upstreamModel);
          A.model(w, target.model.id);
          A.outcome(w, outcome);
          if (error) A.errorType(w, error.code);
          if (error?.upstreamStatus !== undefined) w.int(K.httpStatus, error.upstreamStatus);
          w.end(outcome === "error" && error ? error.code : undefined);
        });
      },
    };
  }

  end(r: UsageRecord): void {
    if (this.ended) return;
    this.ended = true;
    const { metrics, log } = this.deps;
    metrics.requestsRunning--;
    if (this.stream) metrics.streamsRunning--;

    const kind = r.provider ? this.deps.providerKind(r.provider) : undefined;
    const provider = r.provider ? genAiProviderName(kind, r.provider) : "";
    const requestModel = r.modelServed || this.deps.knownModel(r.modelRequested) ? r.modelRequested : "other";
    const s = metrics.seriesFor(requestModel, r.modelServed ?? "", provider);
    const latencyS = r.latencyMs / 1000;
    (r.errorCode ? s.failed(r.errorCode) : s.duration).observe(latencyS);
    if (r.modelServed) {
      s.tokensIn.observe(r.inputTokens);
      s.tokensOut.observe(r.outputTokens);
      if (r.costMicroUsd > 0) s.cost.inc(r.costMicroUsd / 1e6);
    }
    if (r.ttftMs != null) s.ttft.observe(r.ttftMs / 1000);
    const tps = r.tokensPerSecond;
    if (tps != null && tps > 0) s.tpot.observe(1 / tps);
    metrics.requestsFor(r.status, r.errorCode ?? "").inc();
    if (r.errorCode === ErrorCode.RATE_LIMITED) s.rateLimited.inc();

    // Ids, figures and codes only (see requestLogFields), serialized without pino's walk of an object (log-line.ts says why).
    // traceId: sampled or not, so a log line joins up with the caller's trace.
    if (log.isLevelEnabled("info")) writeInfo(log, requestLogFields(r, this.trace?.traceId), "request");

    const trace = this.trace;
    const tracer = this.deps.tracer;
    if (tracer && trace?.sampled) {
      const endMs = nowMs();
      // Written when its batch is (see Tracer.record); the record is not changed after end().
      tracer.record((w) => {
        w.begin({ traceId: trace.traceId, spanId: trace.spanId, parentSpanId: trace.parentSpanId, name: `chat ${r.modelRequested}`, kind: SpanKind.SERVER, startMs: trace.startMs, endMs });
        w.frag(A.chat);
        A.requestModel(w, r.modelRequested);
        if (r.modelServed) A.responseModel(w, r.modelServed);
        if (provider) A.provider(w, provider);
        w.str(K.responseId, r.id);
        w.int(K.inputTokens, r.inputTokens);
        w.int(K.outputTokens, r.outputTokens);
        if (r.finishReason) w.frag(finishReasons(r.finishReason));
        if (r.ttftMs != null) w.dbl(K.ttft, r.ttftMs / 1000);
        if (tps != null && tps > 0) w.dbl(K.tpot, 1 / tps);
        if (r.itlMs != null) w.dbl(K.itl, r.itlMs);
        w.dbl(K.cost, r.costMicroUsd / 1e6);
        A.status(w, r.status);
        w.str(K.requestId, r.id);
        if (r.keyId) A.keyId(w, r.keyId);
        A.transport(w, r.transport);
        w.frag(A.stream[r.stream ? 1 : 0]);
        if (r.errorCode) A.errorType(w, r.errorCode);
        w.end(r.errorCode && r.status === "error" ? r.errorCode : undefined);
      });
    }
  }
}

function finishReasons(reason: string): Buffer {
  let f = A.finish.get(reason);
  if (f === undefined) A.finish.set(reason, (f = attr.strs(GenAI.FINISH_REASONS, [FINISH[reason] ?? reason.toLowerCase()])));
  return f;
}
