import pino from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/core/auth/keys.js";
import type { UsageRecord } from "../../src/core/metering/usage-writer.js";
import { DURATION_BUCKETS, Metrics, TOKEN_BUCKETS, TPOT_BUCKETS, TTFT_BUCKETS } from "../../src/core/observability/metrics.js";
import { GatewayObserver } from "../../src/core/observability/observer.js";
import { ErrorCode } from "../../src/domain/errors.js";

const GENAI = ["gen_ai_operation_name", "gen_ai_request_model", "gen_ai_response_model", "gen_ai_provider_name"];

/**
 * The per-request metrics as prom-client's own classes, driven with label objects as the observer
 * once did. Its series cache made every series of a model/provider triple at that triple's first
 * request (histograms and the cost counter at zero), so this does too.
 */
function reference() {
  const registers = [new Registry()];
  const m = {
    registry: registers[0]!,
    tokenUsage: new Histogram({ name: "gen_ai_client_token_usage", help: "h", labelNames: [...GENAI, "gen_ai_token_type"], buckets: TOKEN_BUCKETS, registers }),
    duration: new Histogram({ name: "gen_ai_client_operation_duration_seconds", help: "h", labelNames: [...GENAI, "error_type"], buckets: DURATION_BUCKETS, registers }),
    ttft: new Histogram({ name: "gen_ai_server_time_to_first_token_seconds", help: "h", labelNames: GENAI, buckets: TTFT_BUCKETS, registers }),
    tpot: new Histogram({ name: "gen_ai_server_time_per_output_token_seconds", help: "h", labelNames: GENAI, buckets: TPOT_BUCKETS, registers }),
    requests: new Counter({ name: "switchboard_requests_total", help: "h", labelNames: ["status", "error_type"], registers }),
    cost: new Counter({ name: "switchboard_cost_usd_total", help: "h", labelNames: ["gen_ai_provider_name", "gen_ai_response_model"], registers }),
    rateLimited: new Counter({ name: "switchboard_rate_limit_rejections_total", help: "h", labelNames: ["gen_ai_request_model"], registers }),
    streamsInFlight: new Gauge({ name: "switchboard_streams_in_flight", help: "h", registers }),
    requestsInFlight: new Gauge({ name: "switchboard_requests_in_flight", help: "h", registers }),
  };
  const seen = new Set<string>();
  return {
    registry: m.registry,
    start(stream: boolean) {
      m.requestsInFlight.inc();
      if (stream) m.streamsInFlight.inc();
    },
    end(r: UsageRecord, known: boolean) {
      m.requestsInFlight.dec();
      if (r.stream) m.streamsInFlight.dec();
      const provider = r.provider ?? "";
      const requestModel = r.modelServed || known ? r.modelRequested : "other";
      const l = { gen_ai_operation_name: "chat", gen_ai_request_model: requestModel, gen_ai_response_model: r.modelServed ?? "", gen_ai_provider_name: provider };
      const key = JSON.stringify(l);
      if (!seen.has(key)) {
        seen.add(key);
        m.tokenUsage.zero({ ...l, gen_ai_token_type: "input" });
        m.tokenUsage.zero({ ...l, gen_ai_token_type: "output" });
        m.duration.zero(l);
        m.ttft.zero(l);
        m.tpot.zero(l);
        m.cost.inc({ gen_ai_provider_name: provider, gen_ai_response_model: r.modelServed ?? "" }, 0);
      }
      const latencyS = r.latencyMs / 1000;
      if (r.errorCode) m.duration.observe({ ...l, error_type: r.errorCode }, latencyS);
      else m.duration.observe(l, latencyS);
      if (r.modelServed) {
        m.tokenUsage.observe({ ...l, gen_ai_token_type: "input" }, r.inputTokens);
        m.tokenUsage.observe({ ...l, gen_ai_token_type: "output" }, r.outputTokens);
        if (r.costMicroUsd > 0) m.cost.inc({ gen_ai_provider_name: provider, gen_ai_response_model: r.modelServed }, r.costMicroUsd / 1e6);
      }
      if (r.ttftMs != null) m.ttft.observe(l, r.ttftMs / 1000);
      const tps = r.tokensPerSecond;
      if (tps != null && tps > 0) m.tpot.observe(l, 1 / tps);
      m.requests.inc({ status: r.status, error_type: r.errorCode ?? "" });
      if (r.errorCode === ErrorCode.RATE_LIMITED) m.rateLimited.inc({ gen_ai_request_model: requestModel });
    },
  };
}

function record(i: number): UsageRecord {
  const kind = i % 7;
  const served = kind < 4;
  const model = `local/model-${i % 3}`;
  return {
    id: `req_${i}`,
    createdAt: new Date(0),
    keyId: "key_1",
    userId: null,
    teamId: null,
    transport: "rest",
    stream: i % 2 === 0,
    modelRequested: kind === 6 ? `no/such-model-${i}` : model,
    modelServed: served ? model : null,
    provider: served ? "local" : null,
    inputTokens: served ? 10 * i : 0,
    outputTokens: served ? 3 * i : 0,
    costMicroUsd: served ? 17 * i : 0,
    ttftMs: served ? 5 + i : null,
    itlMs: null,
    latencyMs: 3 + 40 * i,
    tokensPerSecond: served ? 10 + (i % 50) : null,
    status: kind === 5 ? "cancelled" : served ? "ok" : "error",
    errorCode: kind === 4 ? ErrorCode.UPSTREAM_ERROR : kind === 6 ? ErrorCode.BAD_USER_INPUT : kind === 5 ? null : served && i % 11 === 0 ? ErrorCode.RATE_LIMITED : served ? null : ErrorCode.RATE_LIMITED,
    finishReason: served ? "STOP" : null,
    tags: [],
    attempts: [],
  };
}

const NAMES = /^(gen_ai_|switchboard_(requests|cost|rate_limit|streams_in_flight|requests_in_flight))/;
const samples = async (registry: Registry) =>
  (await registry.metrics())
    .split("\n")
    .filter((l) => NAMES.test(l) || (l.startsWith("# TYPE ") && NAMES.test(l.slice(7))))
    .sort();

describe("the observer's metrics", () => {
  it("print what prom-client's own metrics print for the same requests", async () => {
    const metrics = new Metrics();
    const ref = reference();
    const known = (name: string) => !name.startsWith("no/");
    const observer = new GatewayObserver({ metrics, tracer: null, log: pino({ level: "silent" }), providerKind: () => undefined, knownModel: known });
    const principal = { keyId: "key_1" } as Principal;
    const open = [];
    for (let i = 0; i < 400; i++) {
      const r = record(i);
      const o = observer.start({ id: r.id, principal, model: r.modelRequested, transport: "rest", stream: r.stream });
      ref.start(r.stream);
      // Every fifth request (streamed or not) is still running at the scrape.
      if (i % 5 === 4) {
        open.push(o);
        continue;
      }
      o.end(r);
      o.end(r); // a second end is ignored
      ref.end(r, known(r.modelRequested));
    }
    const actual = await samples(metrics.registry);
    expect(actual).toEqual(await samples(ref.registry));
    expect(actual).toContain("switchboard_requests_in_flight 80");
    expect(actual).toContain("switchboard_streams_in_flight 40");
    expect(actual.some((l) => l.startsWith('switchboard_rate_limit_rejections_total{gen_ai_request_model="other"}'))).toBe(false);
    expect(actual.some((l) => l.startsWith("switchboard_rate_limit_rejections_total{"))).toBe(true);
    expect(actual.some((l) => l.includes('error_type="UPSTREAM_ERROR"') && l.startsWith("gen_ai_client_operation_duration_seconds_count"))).toBe(true);
  });

  it("print an untouched labelled counter as prom-client does", async () => {
    const ref = reference();
    expect(await samples(new Metrics().registry)).toEqual(await samples(ref.registry));
  });
});
