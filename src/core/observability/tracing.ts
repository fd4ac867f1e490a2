import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";
import type { Logger } from "pino";
import { request } from "undici";
import type { SamplerName } from "../../config.js";
import { randomHex } from "../ids.js";

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

// ─────────────── trace context ───────────────

/** The caller's W3C trace context. */
export interface Parent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZEROS = /^0+$/;

/** A valid traceparent header, or undefined: a bad header starts a new trace rather than failing the request. */
export function parseTraceparent(header: string | undefined): Parent | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m;
  // Version ff is forbidden; version 00 must have nothing after the flags (later versions may).
  if (version === "ff" || (version === "00" && header.trim().length !== 55) || ZEROS.test(traceId!) || ZEROS.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

/** A request's place in its trace: recorded spans exist only when `sampled`. */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly sampled: boolean;
  readonly startMs: number;
}

type Sampler = (parent: Parent | undefined, traceId: string) => boolean;

function sampler(name: SamplerName, ratio: number): Sampler {
  // The last 8 hex digits of a random trace id are uniform; comparing them keeps the decision the same
  // for every service that samples this trace at the same ratio.
  const bound = Math.floor(Math.min(1, Math.max(0, ratio)) * 0x100000000);
  const byRatio = (traceId: string) => bound >= 0x100000000 || parseInt(traceId.slice(24), 16) < bound;
  const root: (traceId: string) => boolean = name.endsWith("always_on") ? () => true : name.endsWith("always_off") ? () => false : byRatio;
  if (!name.startsWith("parentbased_")) return (_parent, traceId) => root(traceId);
  return (parent, traceId) => (parent ? parent.sampled : root(traceId));
}

/** A trace or span id; all-zero ids are invalid (a 2^-64 chance per span id, but a redraw costs nothing). */
function randomId(bytes: number): string {
  const s = randomHex(bytes);
  return ZEROS.test(s) ? randomId(bytes) : s;
}

/** Wall-clock milliseconds with sub-millisecond precision, from the monotonic clock (as the OTel SDK does). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

// ─────────────── OTLP/JSON encoding ───────────────
// Spans are encoded to OTLP/JSON (opentelemetry-proto's JSON mapping: ids as hex, 64-bit integers and
// nanosecond times as decimal strings, enums as numbers), one string per span, written straight into
// the export body. Keys are constants of this codebase; every string value goes through JSON.stringify.

export const SpanKind = { SERVER: 2, CLIENT: 3 } as const;

export const attr = {
  str: (key: string, v: string) => `{"key":"${key}","value":{"stringValue":${JSON.stringify(v)}}}`,
  int: (key: string, v: number) => `{"key":"${key}","value":{"intValue":"${Math.trunc(v)}"}}`,
  // JSON has no NaN or Infinity; such a figure is left out rather than corrupting the batch.
  dbl: (key: string, v: number) => (Number.isFinite(v) ? `{"key":"${key}","value":{"doubleValue":${v}}}` : ""),
  bool: (key: string, v: boolean) => `{"key":"${key}","value":{"boolValue":${v}}}`,
  strs: (key: string, v: readonly string[]) => `{"key":"${key}","value":{"arrayValue":{"values":[${v.map((s) => `{"stringValue":${JSON.stringify(s)}}`).join(",")}]}}}`,
};

/**
 * attr.str for values with few distinct ones (models, providers, statuses, codes): each (key, value)
 * fragment is built once. Past `max` values per key the cache stops growing and encodes as usual, so
 * arbitrary client-sent model names cannot grow it without bound.
 */
export function cachedStr(key: string, max = 256): (v: string) => string {
  const cache = new Map<string, string>();
  return (v) => {
    let f = cache.get(v);
    if (f === undefined) {
      f = attr.str(key, v);
      if (cache.size < max) cache.set(v, f);
    }
    return f;
  };
}

const nanos = (ms: number) => `${Math.round(ms * 1000)}000`;

export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  /** attr.* fragments; empty strings are skipped. */
  attributes: string[];
  /** An error status with this message; otherwise the status is unset. */
  error?: string | undefined;
}

export function encodeSpan(s: SpanData): string {
  let attrs = "";
  for (const a of s.attributes) if (a) attrs = attrs ? `${attrs},${a}` : a;
  const parent = s.parentSpanId ? `,"parentSpanId":"${s.parentSpanId}"` : "";
  const status = s.error !== undefined ? `,"status":{"code":2,"message":${JSON.stringify(s.error)}}` : "";
  return `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${parent},"name":${JSON.stringify(s.name)},"kind":${s.kind},"startTimeUnixNano":"${nanos(s.startMs)}","endTimeUnixNano":"${nanos(s.endMs)}","attributes":[${attrs}]${status}}`;
}

// ─────────────── the tracer: sampling, buffering, OTLP/HTTP export ───────────────

export interface TracerOptions {
  /** The traces URL (…/v1/traces). */
  url: string;
  serviceName: string;
  headers?: Record<string, string>;
  sampler?: SamplerName;
  samplerArg?: number;
  /** Gzip request bodies (OTEL_EXPORTER_OTLP_COMPRESSION=gzip). */
  gzip?: boolean;
  /** Spans per export request. */
  batchSize?: number;
  /** Longest a span waits for its export. */
  delayMs?: number;
  /** Spans buffered at most while the collector is slow or down; newer ones are dropped beyond it. */
  maxQueue?: number;
  timeoutMs?: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const gzip = promisify(gzipCb);
const SUFFIX = "]}]}]}";

/**
 * One export request's body: its spans' OTLP/JSON written one after another into a Buffer that is
 * sent as is and then reused (no join of span strings, no fresh large allocation per export).
 */
class Batch {
  readonly buf: Buffer;
  len: number;
  spans = 0;

  constructor(
    readonly prefix: string,
    buf: Buffer,
  ) {
    this.buf = buf;
    this.len = this.buf.write(prefix, 0);
  }

  /** False when the span might not fit: a UTF-16 code unit takes at most 3 UTF-8 bytes. */
  add(span: string): boolean {
    if (this.len + 1 + span.length * 3 + SUFFIX.length > this.buf.length) return false;
    if (this.spans > 0) this.buf[this.len++] = 0x2c; // ","
    this.len += this.buf.write(span, this.len);
    this.spans++;
    return true;
  }

  body(): Buffer {
    const end = this.len + this.buf.write(SUFFIX, this.len);
    return this.buf.subarray(0, end);
  }
}

/**
 * Records spans and exports them over OTLP/HTTP (JSON). Why not the OpenTelemetry SDK: the gateway
 * makes two spans of a fixed shape per request, and the SDK's live span objects, attribute checks,
 * batch processor and generic OTLP transformer cost ~19 µs per request in-process before any HTTP, ~40 µs in the
 * gateway (9–20 % of its throughput, bench/observability.ts). Here a span waits as a function over
 * what the request already holds and is encoded with its batch, into the export body. The wire format
 * is the documented OTLP/JSON one; the test suite's receiver parses it as a collector does.
 */
export class Tracer {
  readonly sample: Sampler;
  /** Spans waiting for their export: encoded, or encoders run when their batch is written. */
  private items: (string | (() => string))[] = [];
  private readonly spare: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private dropped = 0;
  private droppedReported = 0;
  private lastWarn = 0;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly delayMs: number;

  constructor(
    private readonly opts: TracerOptions,
    private readonly log: Logger,
  ) {
    this.sample = sampler(opts.sampler ?? "parentbased_always_on", opts.samplerArg ?? 1);
    this.batchSize = opts.batchSize ?? 512;
    this.maxQueue = opts.maxQueue ?? 8192;
    this.delayMs = opts.delayMs ?? 1000;
    this.prefix = `{"resourceSpans":[{"resource":{"attributes":[${attr.str("service.name", opts.serviceName)}]},"scopeSpans":[{"scope":{"name":"switchboard"},"spans":[`;
  }

  /** A request's trace context: a child of the caller's when given, else a new trace. */
  begin(traceparent: string | undefined): TraceContext {
    const parent = parseTraceparent(traceparent);
    const traceId = parent ? parent.traceId : randomId(16);
    return { traceId, spanId: randomId(8), parentSpanId: parent?.spanId, sampled: this.sample(parent, traceId), startMs: nowMs() };
  }

  newSpanId(): string {
    return randomId(8);
  }

  /**
   * Buffers a span: its OTLP/JSON (encodeSpan), or a function returning it. A function runs when its
   * batch is written, with the batch's other spans: the encoding then runs in one warm loop instead of
   * between a request's other work (in the gateway, the same encoding on the request path measured
   * several times its cost in a loop). Exported within delayMs, or as soon as a batch is full.
   */
  record(span: string | (() => string)): void {
    if (this.items.length >= this.maxQueue) {
      this.dropped++;
      return;
    }
    this.items.push(span);
    if (this.exporting) return;
    if (this.items.length >= this.batchSize) this.exporting = this.drain(false);
    else this.arm();
  }

  /** Exports everything buffered so far. */
  async flush(): Promise<void> {
    while (this.exporting || this.items.length > 0) {
      if (!this.exporting) this.exporting = this.drain(true);
      await this.exporting;
    }
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * A batch's buffer: ~1.5 KB a span, room for a full batch and always for one span however long.
   * Sent buffers are reused: a fresh ~800 KB external allocation several times a second made V8 count
   * external memory growth and collect more often.
   */
  private buffer(atLeast: number): Buffer {
    const size = Math.max(this.batchSize * 1536, atLeast);
    const spare = this.spare.pop();
    return spare && spare.length >= size ? spare : Buffer.allocUnsafeSlow(size);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.exporting) this.exporting = this.drain(true);
    }, this.delayMs);
    this.timer.unref();
  }

  /**
   * One export at a time. Full batches go at once; the partial one only when its time is up (or on
   * flush), so a busy gateway sends few large requests rather than many small ones.
   */
  private async drain(all: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      while (this.items.length >= this.batchSize || (all && this.items.length > 0)) {
        const take = this.items.length <= this.batchSize ? this.items : this.items.slice(0, this.batchSize);
        this.items = take === this.items ? [] : this.items.slice(this.batchSize);
        let b = new Batch(this.prefix, this.buffer(0));
        for (let i = 0; i < take.length; i++) {
          // ~3 µs a span: yield now and then, so a full batch does not hold requests up for milliseconds.
          if (i % 128 === 127) await new Promise((r) => setImmediate(r));
          let span: string;
          try {
            const item = take[i]!;
            span = typeof item === "string" ? item : item();
          } catch (err) {
            this.warn({ err: (err as Error).message }, "a span could not be encoded; dropped");
            continue;
          }
          if (!b.add(span)) {
            await this.sendAndKeep(b);
            b = new Batch(this.prefix, this.buffer(span.length * 3 + 4096));
            b.add(span);
          }
        }
        if (b.spans > 0) await this.sendAndKeep(b);
      }
    } finally {
      this.exporting = undefined;
    }
    if (this.items.length > 0) this.arm();
    if (this.dropped > this.droppedReported) {
      this.droppedReported = this.dropped;
      this.warn({}, "trace spans dropped: the export queue was full");
    }
  }

  private async sendAndKeep(b: Batch): Promise<void> {
    await this.send(b);
    // Two spares cover a batch being written while another is sent.
    if (this.spare.length < 2 && b.buf.length === this.batchSize * 1536) this.spare.push(b.buf);
  }

  private async send(batch: Batch): Promise<void> {
    const json = batch.body();
    const body = this.opts.gzip ? await gzip(json) : json;
    const headers: Record<string, string> = { ...this.opts.headers, "content-type": "application/json" };
    if (this.opts.gzip) headers["content-encoding"] = "gzip";
    const timeout = this.opts.timeoutMs ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let retryAfterMs: number | undefined;
      let reason = "";
      try {
        const res = await request(this.opts.url, { method: "POST", headers, body, headersTimeout: timeout, bodyTimeout: timeout });
        status = res.statusCode;
        const text = await res.body.text();
        if (status >= 200 && status < 300) {
          const rejected = partialRejections(text);
          if (rejected) this.warn(rejected, "the trace collector rejected spans");
          return;
        }
        const ra = Number(res.headers["retry-after"]);
        if (Number.isFinite(ra)) retryAfterMs = ra * 1000;
        reason = `HTTP ${status}`;
      } catch (err) {
        reason = (err as Error).message;
      }
      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= 3) {
        this.warn({ reason, spans: batch.spans }, "trace export failed; spans dropped");
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(retryAfterMs ?? 250 * 2 ** attempt * (0.5 + Math.random()), 5000)));
    }
  }

  /** At most one warning per 30 s: a collector outage must not flood the log. */
  private warn(fields: object, msg: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 30_000) return;
    this.lastWarn = now;
    this.log.warn({ ...fields, droppedTotal: this.dropped }, msg);
  }
}

function partialRejections(body: string): { rejectedSpans: number; error: string } | undefined {
  if (!body || body === "{}") return undefined;
  try {
    const p = (JSON.parse(body) as { partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string } }).partialSuccess;
    const n = Number(p?.rejectedSpans ?? 0);
    return n > 0 ? { rejectedSpans: n, error: p?.errorMessage ?? "" } : undefined;
  } catch {
    return undefined;
  }
}

export interface Tracing {
  /** Null when no OTLP endpoint is configured: nothing is recorded and nothing is exported. */
  tracer: Tracer | null;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const off: Tracing = { tracer: null, flush: async () => undefined, shutdown: async () => undefined };

export interface TracingOptions extends Omit<TracerOptions, "url"> {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: a base URL, the traces signal under /v1/traces. */
  endpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full traces URL, used as given. */
  tracesEndpoint?: string | undefined;
}

export function startTracing(opts: TracingOptions, log: Logger): Tracing {
  const url = opts.tracesEndpoint ?? (opts.endpoint ? opts.endpoint.replace(/\/+$/, "") + "/v1/traces" : undefined);
  if (!url) return off;
  const tracer = new Tracer({ ...opts, url }, log);
  log.info({ url, sampler: opts.sampler ?? "parentbased_always_on" }, "exporting traces over OTLP/HTTP");
  return { tracer, flush: () => tracer.flush(), shutdown: () => tracer.shutdown() };
}
