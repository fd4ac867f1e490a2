import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTraceparent, startTracing } from "../../src/core/observability/tracing.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { decodeTraceExport, type OtlpSpan, type OtlpValue } from "../helpers/otlp.js";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const config = (url: string) => ({
  providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
  models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 1000 }],
});

interface Span extends Omit<OtlpSpan, "attributes"> {
  attrs: Record<string, unknown>;
  service: string | undefined;
}

/** A real OTLP/HTTP (protobuf) receiver on port 0, decoding as a collector would (test/helpers/otlp.ts). */
class Receiver {
  readonly spans: Span[] = [];
  readonly contentTypes: string[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method === "POST" && req.url === "/v1/traces") {
          this.contentTypes.push(String(req.headers["content-type"]));
          const body = decodeTraceExport(Buffer.concat(chunks));
          for (const rs of body.resourceSpans) {
            const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
            for (const ss of rs.scopeSpans) for (const s of ss.spans) this.spans.push({ ...s, attrs: attrs(s.attributes), service });
          }
        }
        res.writeHead(200, { "content-type": "application/x-protobuf" });
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function val(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return v.arrayValue.values.map(val);
  return undefined;
}

function attrs(list: OtlpSpan["attributes"]): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, val(a.value)]));
}

let fake: FakeOpenAI;
let receiver: Receiver;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  receiver = new Receiver();
  const endpoint = await receiver.start();
  t = await startTestApp({ file: config(fake.url), env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "switchboard-test" } });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await fake?.close();
});

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

async function spansOf(traceId: string, count: number): Promise<Span[]> {
  await expect
    .poll(
      async () => {
        await t.app.services.observability.flushTraces();
        return receiver.spans.filter((s) => s.traceId === traceId).length;
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(count);
  return receiver.spans.filter((s) => s.traceId === traceId);
}

describe("OpenTelemetry traces", () => {
  it("one span per request with GenAI attributes, a child per attempt, under the caller's traceparent", async () => {
    const traceId = randomBytes(16).toString("hex");
    const parent = randomBytes(8).toString("hex");
    fake.setScenario({ content: "Paris is the capital", usage: { promptTokens: 12, completionTokens: 5 } });
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}`, traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ query: `mutation { complete(input: { model: "local/gpt-4o-mini", messages: [{ role: USER, content: "hi" }] }) { id } }` }),
    });
    const id = ((await res.json()) as { data: { complete: { id: string } } }).data.complete.id;
    const spans = await spansOf(traceId, 2);
    const root = spans.find((s) => s.kind === SERVER)!;
    expect(root.parentSpanId).toBe(parent);
    expect(root.name).toBe("chat local/gpt-4o-mini");
    expect(root.service).toBe("switchboard-test");
    expect(root.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "local/gpt-4o-mini",
      "gen_ai.response.model": "local/gpt-4o-mini",
      "gen_ai.provider.name": "local",
      "gen_ai.usage.input_tokens": 12,
      "gen_ai.usage.output_tokens": 5,
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.response.id": id,
      "switchboard.transport": "graphql",
    });
    // 12 × 0.15 + 5 × 0.6 = 4.8 micro-dollars, billed as 5.
    expect(root.attrs["switchboard.cost_usd"]).toBe(5 / 1e6);
    const attempt = spans.find((s) => s.kind === CLIENT)!;
    expect(attempt.parentSpanId).toBe(root.spanId);
    expect(attempt.attrs).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "local", "switchboard.outcome": "ok" });
    expect(receiver.contentTypes.every((c) => c === "application/x-protobuf")).toBe(true);
  });

  it("streams over REST: TTFT on the span, a failed attempt then a good one as two children", async () => {
    const traceId = randomBytes(16).toString("hex");
    let calls = 0;
    fake.setScenario(() => (++calls === 1 ? { status: 503 } : { content: "a b c d", usage: { promptTokens: 3, completionTokens: 4 }, itlMs: 5 }));
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}`, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
      body: JSON.stringify({ model: "local/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    fake.reset();
    const spans = await spansOf(traceId, 3);
    const root = spans.find((s) => s.kind === SERVER)!;
    expect(root.attrs).toMatchObject({ "switchboard.stream": true, "switchboard.transport": "rest", "gen_ai.usage.output_tokens": 4 });
    expect(root.attrs["gen_ai.server.time_to_first_token"]).toBeGreaterThan(0);
    const attempts = spans.filter((s) => s.kind === CLIENT);
    expect(attempts).toHaveLength(2);
    expect(attempts.every((a) => a.parentSpanId === root.spanId)).toBe(true);
    const failed = attempts.find((a) => a.attrs["switchboard.outcome"] === "error")!;
    expect(failed.status?.code).toBe(ERROR);
    expect(failed.attrs).toMatchObject({ "error.type": "UPSTREAM_ERROR", "http.response.status_code": 503 });
  });

  it("a refused request still gets its span, marked as an error; without traceparent a new trace starts", async () => {
    const before = receiver.spans.length;
    const r = await gql(t, t.adminKey, `mutation { complete(input: { model: "no/such", messages: [{ role: USER, content: "x" }] }) { id } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    await expect
      .poll(
        async () => {
          await t.app.services.observability.flushTraces();
          return receiver.spans.slice(before).some((s) => s.attrs["gen_ai.request.model"] === "no/such");
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    const span = receiver.spans.slice(before).find((s) => s.attrs["gen_ai.request.model"] === "no/such")!;
    expect(span.parentSpanId).toBeFalsy();
    expect(span.status?.code).toBe(ERROR);
    expect(span.attrs["error.type"]).toBe("BAD_USER_INPUT");
  });
});

describe("tracing and the caller's sampling decision", () => {
  it("records nothing for a request whose caller did not sample its trace", async () => {
    const unsampled = randomBytes(16).toString("hex");
    const sampled = randomBytes(16).toString("hex");
    fake.setScenario({ content: "ok", usage: { promptTokens: 1, completionTokens: 1 } });
    for (const [traceId, flags] of [[unsampled, "00"], [sampled, "01"]] as const) {
      const res = await fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}`, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-${flags}` },
        body: JSON.stringify({ model: "local/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    }
    // The sampled request's spans arriving means the unsampled one, sent first, had its chance.
    await spansOf(sampled, 2);
    expect(receiver.spans.filter((s) => s.traceId === unsampled)).toEqual([]);
  });
});

describe("tracing setup", () => {
  it("records nothing without an OTLP endpoint", () => {
    const off = startTracing({ endpoint: undefined, serviceName: "x" }, pino({ level: "silent" }));
    expect(off.tracer).toBeNull();
  });

  it("accepts a valid traceparent and ignores malformed ones", () => {
    expect(parseTraceparent(`00-${"a".repeat(32)}-${"b".repeat(16)}-01`)).toEqual({ traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: true });
    expect(parseTraceparent(` 00-${"A".repeat(32)}-${"b".repeat(16)}-00 `)).toEqual({ traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: false });
    // A later version may append fields; version 00 may not.
    expect(parseTraceparent(`01-${"a".repeat(32)}-${"b".repeat(16)}-01-xyz`)?.sampled).toBe(true);
    for (const bad of ["", "garbage", `00-${"0".repeat(32)}-${"b".repeat(16)}-01`, `00-${"a".repeat(32)}-${"0".repeat(16)}-01`, `ff-${"a".repeat(32)}-${"b".repeat(16)}-01`, `00-${"a".repeat(31)}-${"b".repeat(16)}-01`, `00-${"a".repeat(32)}-${"b".repeat(16)}-01-x`]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});
