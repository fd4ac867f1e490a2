import { ROOT_CONTEXT, trace, type Context, type Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";

/** OpenTelemetry GenAI attribute names (the conventions are at "Development" status, so we define them here). */
export const GenAI = {
  OPERATION: "gen_ai.operation.name",
  PROVIDER: "gen_ai.provider.name",
  REQUEST_MODEL: "gen_ai.request.model",
  RESPONSE_MODEL: "gen_ai.response.model",
  RESPONSE_ID: "gen_ai.response.id",
  FINISH_REASONS: "gen_ai.response.finish_reasons",
  INPUT_TOKENS: "gen_ai.usage.input_tokens",
  OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  TTFT: "gen_ai.server.time_to_first_token",
  TPOT: "gen_ai.server.time_per_output_token",
  ERROR_TYPE: "error.type",
} as const;

/** gen_ai.provider.name for each provider kind; OpenAI-compatible servers are named by their configured name. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  gemini: "gcp.gemini",
  azure: "azure.ai.openai",
};

export function genAiProviderName(kind: string | undefined, name: string): string {
  return (kind && PROVIDER_NAMES[kind]) ?? name;
}

export interface Tracing {
  /** Null when no OTLP endpoint is configured: nothing is recorded and nothing is exported. */
  tracer: Tracer | null;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const off: Tracing = { tracer: null, flush: async () => undefined, shutdown: async () => undefined };

/**
 * Starts the OTel SDK (OTLP/HTTP JSON exporter, batched) only when an endpoint is configured; the SDK
 * packages are loaded lazily so a gateway without tracing never imports them. The provider is ours,
 * not registered globally: several apps in one process (tests) keep separate pipelines.
 */
export async function startTracing(opts: { endpoint: string | undefined; serviceName: string }, log: Logger): Promise<Tracing> {
  if (!opts.endpoint) return off;
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  // OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the traces signal lives under /v1/traces.
  const url = opts.endpoint.replace(/\/+$/, "") + "/v1/traces";
  const exporter = new OTLPTraceExporter({ url });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000, maxQueueSize: 8192 })],
  });
  log.info({ url }, "exporting traces over OTLP/HTTP");
  return {
    tracer: provider.getTracer("switchboard"),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/**
 * The caller's W3C trace context as a parent, or the root context when the header is absent or
 * malformed (a bad header starts a new trace rather than failing the request).
 */
export function parentContext(traceparent: string | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const m = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!m) return ROOT_CONTEXT;
  const [, version, traceId, spanId, flags] = m;
  if (version === "ff" || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) & 1, isRemote: true });
}
