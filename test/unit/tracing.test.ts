import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseOtlpHeaders } from "../../src/config.js";
import { MAX_VALUE, SpanKind, SpanWriter, Tracer, attr, attrKey, cachedStr, startTracing, type SpanRecord, type TracerOptions } from "../../src/core/observability/tracing.js";
import { decodeTraceExport, encodeTraceResponse, type OtlpSpan } from "../helpers/otlp.js";

interface Received {
  headers: IncomingMessage["headers"];
  spans: OtlpSpan[];
  service: string | undefined;
}

/**
 * An OTLP/HTTP (protobuf) receiver whose answers the test scripts: a status per request, 200 once the
 * script runs out; `answer` is the body of a 200 (an ExportTraceServiceResponse).
 */
async function receiver(script: number[] = [], answer: Uint8Array = new Uint8Array(0)): Promise<{ url: string; got: Received[]; calls: () => number; server: Server }> {
  const got: Received[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = script[calls++] ?? 200;
      if (status === 200) {
        let raw = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
        const body = decodeTraceExport(raw);
        expect(body.resourceSpans).toHaveLength(1);
        const rs = body.resourceSpans[0]!;
        got.push({ headers: req.headers, spans: rs.scopeSpans.flatMap((s) => s.spans), service: rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue });
      }
      res.writeHead(status, { "content-type": "application/x-protobuf", ...(status === 429 ? { "retry-after": "0" } : {}) });
      res.end(status === 200 ? answer : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, got, calls: () => calls, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const N = attrKey("n");
function span(tracer: Tracer, name: string): SpanRecord {
  const t = tracer.begin(undefined);
  return (w) => {
    w.begin({ traceId: t.traceId, spanId: t.spanId, parentSpanId: undefined, name, kind: SpanKind.SERVER, startMs: t.startMs, endMs: t.startMs + 1.5 });
    w.str(N, name);
    w.end();
  };
}

/** Spans written by `write`, through a real export to a receiver that decodes them as a collector does. */
async function roundTrip(...records: SpanRecord[]): Promise<Received["spans"]> {
  const r = await receiver();
  const t = tracer(r.url);
  for (const rec of records) t.record(rec);
  await t.flush();
  return r.got.flatMap((g) => g.spans);
}

function tracer(url: string, opts: Partial<TracerOptions> = {}, log = pino({ level: "silent" })): Tracer {
  return new Tracer({ url, serviceName: "svc", ...opts }, log);
}

describe("OTLP/protobuf encoding", () => {
  it("writes every field as the protocol defines it: ids as bytes, nanosecond times, typed attribute values, an error status", async () => {
    const long = "é".repeat(200); // 400 bytes: lengths past one varint byte, at every level
    const cached = cachedStr("c", 1); // one value kept; a second is written as it comes
    const [s] = await roundTrip((w) => {
      w.begin({ traceId: "0a".repeat(16), spanId: "b1".repeat(8), parentSpanId: "c".repeat(16), name: 'chat "evil"\n\u2028model', kind: SpanKind.CLIENT, startMs: 1_764_115_200_123.456, endMs: 1_764_115_200_124.5 });
      w.str(attrKey("s"), 'quote " and \\ and é');
      w.int(attrKey("i"), 42.9);
      w.int(attrKey("big"), 2 ** 40 + 3);
      w.int(attrKey("neg"), -5);
      w.dbl(attrKey("d"), 0.25);
      w.frag(attr.bool("b", false));
      w.frag(attr.bool("t", true));
      w.frag(attr.strs("a", ["stop", 'x"y']));
      cached(w, "same");
      cached(w, "same");
      cached(w, "other");
      w.str(attrKey("long"), long);
      w.end('UPSTREAM_ERROR "503"');
    });
    expect(s).toEqual({
      traceId: "0a".repeat(16),
      spanId: "b1".repeat(8),
      parentSpanId: "c".repeat(16),
      name: 'chat "evil"\n\u2028model',
      kind: 3,
      startTimeUnixNano: "1764115200123456000",
      endTimeUnixNano: "1764115200124500000",
      attributes: [
        { key: "s", value: { stringValue: 'quote " and \\ and é' } },
        { key: "i", value: { intValue: "42" } },
        { key: "big", value: { intValue: String(2 ** 40 + 3) } },
        { key: "neg", value: { intValue: "-5" } },
        { key: "d", value: { doubleValue: 0.25 } },
        { key: "b", value: { boolValue: false } },
        { key: "t", value: { boolValue: true } },
        { key: "a", value: { arrayValue: { values: [{ stringValue: "stop" }, { stringValue: 'x"y' }] } } },
        { key: "c", value: { stringValue: "same" } },
        { key: "c", value: { stringValue: "same" } },
        { key: "c", value: { stringValue: "other" } },
        { key: "long", value: { stringValue: long } },
      ],
      status: { code: 2, message: 'UPSTREAM_ERROR "503"' },
    });
  });

  it("cuts string values at MAX_VALUE characters, never inside a surrogate pair; a root span has no parent", async () => {
    const spans = await roundTrip(
      (w) => {
        w.begin({ traceId: "1".repeat(32), spanId: "2".repeat(16), parentSpanId: undefined, name: "x".repeat(MAX_VALUE + 50), kind: SpanKind.SERVER, startMs: 0, endMs: 1 });
        w.str(attrKey("emoji"), "a".repeat(MAX_VALUE - 1) + "😀tail");
        w.end();
      },
      (w) => {
        w.begin({ traceId: "3".repeat(32), spanId: "4".repeat(16), parentSpanId: undefined, name: "after", kind: SpanKind.SERVER, startMs: 0, endMs: 1 });
        w.end();
      },
    );
    expect(spans.map((s) => s.name)).toEqual(["x".repeat(MAX_VALUE), "after"]);
    expect(spans[0]).not.toHaveProperty("parentSpanId");
    expect(spans[0]!.attributes[0]!.value.stringValue).toBe("a".repeat(MAX_VALUE - 1));
  });

  it("fills a batch with spans of every size, and a span that throws is left out whole", async () => {
    const sizes = Array.from({ length: 300 }, (_, i) => (i * 37) % 500);
    const spans = await roundTrip(
      ...sizes.map((n, i): SpanRecord => (w) => {
        w.begin({ traceId: "5".repeat(32), spanId: (i + 1).toString(16).padStart(16, "0"), parentSpanId: undefined, name: `s${i}`, kind: SpanKind.SERVER, startMs: 0, endMs: 1 });
        w.str(attrKey("pad"), "p".repeat(n));
        if (i === 7) throw new Error("broken record");
        w.end();
      }),
    );
    expect(spans).toHaveLength(299);
    expect(spans.map((s) => s.attributes[0]!.value.stringValue!.length)).toEqual(sizes.filter((_, i) => i !== 7));

    // Spans far above the ~1 KB a batch is sized for: a batch is sent when the next might not fit.
    const r = await receiver();
    const t = tracer(r.url, { batchSize: 4 });
    const keys = Array.from({ length: 40 }, (_, k) => attrKey(`k${k}`));
    for (let i = 0; i < 4; i++)
      t.record((w) => {
        w.begin({ traceId: "6".repeat(32), spanId: "7".repeat(15) + i, parentSpanId: undefined, name: `big${i}`, kind: SpanKind.SERVER, startMs: 0, endMs: 1 });
        for (const k of keys) w.str(k, "é".repeat(MAX_VALUE));
        w.end();
      });
    await t.flush();
    expect(r.got.map((g) => g.spans.map((x) => x.name))).toEqual([["big0", "big1"], ["big2", "big3"]]);
    expect(r.got[1]!.spans[1]!.attributes.every((a) => a.value.stringValue === "é".repeat(MAX_VALUE))).toBe(true);
  });

  it("gives every span a fresh 64-bit id and every root a fresh 128-bit trace id, in lowercase hex", () => {
    const t = tracer("http://127.0.0.1:9/v1/traces");
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = t.begin(undefined);
      expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
      ids.add(c.traceId).add(c.spanId).add(t.newSpanId());
    }
    expect(ids.size).toBe(6000);
  });
});

describe("sampling", () => {
  const sampled = (t: Tracer, tp?: string) => t.begin(tp).sampled;
  const parent = (flags: string) => `00-${"a".repeat(32)}-${"b".repeat(16)}-${flags}`;

  it("by default follows the caller's sampled flag and samples new traces", () => {
    const t = tracer("http://x/v1/traces");
    expect(sampled(t)).toBe(true);
    expect(sampled(t, parent("01"))).toBe(true);
    expect(sampled(t, parent("00"))).toBe(false);
    // Unsampled, the request still joins the caller's trace (the log line carries its id).
    expect(t.begin(parent("00")).traceId).toBe("a".repeat(32));
  });

  it("always_off and always_on ignore the parent; a ratio keeps about that share, the same decision per trace id", () => {
    expect(sampled(tracer("http://x/v1/traces", { sampler: "always_off" }), parent("01"))).toBe(false);
    expect(sampled(tracer("http://x/v1/traces", { sampler: "always_on" }), parent("00"))).toBe(true);
    const ratio = tracer("http://x/v1/traces", { sampler: "parentbased_traceidratio", samplerArg: 0.25 });
    let kept = 0;
    for (let i = 0; i < 8000; i++) if (sampled(ratio)) kept++;
    expect(kept / 8000).toBeGreaterThan(0.22);
    expect(kept / 8000).toBeLessThan(0.28);
    const id = `00-${"1".repeat(24)}00000000-${"b".repeat(16)}-01`;
    const plain = tracer("http://x/v1/traces", { sampler: "traceidratio", samplerArg: 0.01 });
    expect(sampled(plain, id)).toBe(true); // low id bits under the bound, whatever the parent said
    expect(sampled(plain, `00-${"f".repeat(32)}-${"b".repeat(16)}-01`)).toBe(false);
    expect(sampled(tracer("http://x/v1/traces", { sampler: "traceidratio", samplerArg: 1 }), `00-${"f".repeat(32)}-${"b".repeat(16)}-00`)).toBe(true);
  });
});

describe("export", () => {
  it("sends full batches at once and the rest on flush, under the service name, with the configured headers", async () => {
    const r = await receiver();
    const t = tracer(r.url, { batchSize: 3, headers: parseOtlpHeaders("x-api-key=s%3Dcret , Tenant=a") });
    for (let i = 0; i < 7; i++) t.record(span(t, `s${i}`));
    await expect.poll(() => r.got.length).toBe(2);
    expect(r.got.map((g) => g.spans.length)).toEqual([3, 3]);
    await t.flush();
    expect(r.got.map((g) => g.spans.map((s) => s.name))).toEqual([["s0", "s1", "s2"], ["s3", "s4", "s5"], ["s6"]]);
    expect(r.got[0]!.service).toBe("svc");
    expect(r.got[0]!.headers).toMatchObject({ "x-api-key": "s=cret", tenant: "a", "content-type": "application/x-protobuf" });
  });

  it("exports a partial batch when its delay is up, without a flush", async () => {
    const r = await receiver();
    const t = tracer(r.url, { delayMs: 50 });
    t.record(span(t, "late"));
    await expect.poll(() => r.got.length, { timeout: 2000 }).toBe(1);
  });

  it("gzips bodies when asked", async () => {
    const r = await receiver();
    const t = tracer(r.url, { gzip: true });
    t.record(span(t, "zipped"));
    await t.flush();
    expect(r.got[0]!.headers["content-encoding"]).toBe("gzip");
    expect(r.got[0]!.spans[0]!.name).toBe("zipped");
  });

  it("retries 429 and 503, gives up on a 400 with one warning, and is not stopped by a collector that is down", async () => {
    const r = await receiver([503, 429]);
    const t = tracer(r.url);
    t.record(span(t, "retried"));
    await t.flush();
    expect(r.calls()).toBe(3);
    expect(r.got[0]!.spans[0]!.name).toBe("retried");

    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (l: string) => lines.push(l) });
    const bad = await receiver([400]);
    const t2 = tracer(bad.url, {}, log);
    t2.record(span(t2, "refused"));
    await t2.flush();
    expect(bad.calls()).toBe(1);
    expect(lines.join("")).toContain("trace export failed");

    const down = tracer("http://127.0.0.1:9/v1/traces", { timeoutMs: 500 });
    down.record(span(down, "lost"));
    await down.flush(); // resolves: spans are dropped after the retries, the gateway goes on
  });

  it("logs spans the collector says it rejected (partial_success)", async () => {
    const r = await receiver([], encodeTraceResponse(2, "attribute too long"));
    const lines: string[] = [];
    const t = tracer(r.url, {}, pino({ level: "warn" }, { write: (l: string) => lines.push(l) }));
    t.record(span(t, "a"));
    t.record(span(t, "b"));
    await t.flush();
    expect(r.got[0]!.spans).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "the trace collector rejected spans", rejectedSpans: 2, error: "attribute too long" });
  });

  it("drops new spans beyond the queue limit and counts them", async () => {
    const r = await receiver();
    const lines: string[] = [];
    const t = tracer(r.url, { maxQueue: 5, batchSize: 100 }, pino({ level: "warn" }, { write: (l: string) => lines.push(l) }));
    for (let i = 0; i < 8; i++) t.record(span(t, `q${i}`));
    await t.flush();
    expect(r.got.flatMap((g) => g.spans.map((s) => s.name))).toEqual(["q0", "q1", "q2", "q3", "q4"]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ droppedTotal: 3 });
  });

  it("takes the traces endpoint as given, else appends /v1/traces to the base endpoint; none means off", () => {
    const log = pino({ level: "silent" });
    expect(startTracing({ endpoint: undefined, serviceName: "x" }, log).tracer).toBeNull();
    expect(startTracing({ endpoint: "http://c:4318/", serviceName: "x" }, log).tracer).toBeInstanceOf(Tracer);
    expect((startTracing({ endpoint: undefined, tracesEndpoint: "http://c/custom", serviceName: "x" }, log).tracer as unknown as { opts: { url: string } }).opts.url).toBe("http://c/custom");
    expect((startTracing({ endpoint: "http://c:4318/", serviceName: "x" }, log).tracer as unknown as { opts: { url: string } }).opts.url).toBe("http://c:4318/v1/traces");
  });
});
