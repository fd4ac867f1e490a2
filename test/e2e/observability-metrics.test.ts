import { Writable } from "node:stream";
import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "../../src/core/gateway.js";
import { ErrorCode, GatewayError } from "../../src/domain/errors.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp } from "../helpers/app.js";
import { usageRows } from "../helpers/db.js";

const UPSTREAM_KEY = "sk-upstream-secret-0123456789abcdef";
const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const config = (url: string) => ({
  providers: { local: { kind: "openai-compatible", baseUrl: url, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] } },
  models: [{ id: "local/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 1000 }],
});

let fake: FakeOpenAI;
let t: TestApp;
let member: string;
const logLines: Record<string, unknown>[] = [];

interface Scrape {
  /** Families as the parser reads them (names, types). */
  families: MetricFamily[];
  /** Every sample line, histograms included (the parser folds labelled histograms into one sample, so they are read as untyped too). */
  lines: MetricFamily[];
}

async function scrape(key = t.adminKey): Promise<Scrape> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { families: parsePrometheusTextFormat(text), lines: parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped")) };
}

const matches = (s: { labels?: Record<string, string> }, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => (s.labels?.[k] ?? "") === v);

function typeOf(m: Scrape, name: string): string | undefined {
  return m.families.find((f) => f.name === name)?.type;
}

/** Samples of one name; read as untyped, a name's lines may come back as several families. */
function samples(m: Scrape, name: string) {
  return m.lines.filter((f) => f.name === name).flatMap((f) => f.metrics);
}

/** The value of the one sample of `name` with these labels (undefined when absent). */
function value(m: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const s = samples(m, name).find((x) => matches(x, labels));
  return s ? Number(s.value) : undefined;
}

function histogram(m: Scrape, name: string, labels: Record<string, string>): { count: number; sum: number; buckets: Record<string, number> } | undefined {
  const count = value(m, `${name}_count`, labels);
  if (count === undefined) return undefined;
  const buckets: Record<string, number> = {};
  for (const s of samples(m, `${name}_bucket`)) if (matches(s, labels)) buckets[s.labels!.le!] = Number(s.value);
  return { count, sum: value(m, `${name}_sum`, labels)!, buckets };
}

function labelled(m: Scrape, name: string): Record<string, string>[] {
  return samples(m, name).map((s) => s.labels ?? {});
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"] });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  t = await startTestApp({ file: config(fake.url), env: { SWITCHBOARD_METRICS_TOKEN: METRICS_TOKEN }, logger: pino({ level: "info" }, sink) });
  const r = await gql<{ createApiKey: { secret: string } }>(t, t.adminKey, `mutation { createApiKey(input: { name: "m", userId: "mia" }) { secret } }`);
  member = r.data!.createApiKey.secret;
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const complete = (key: string, model = "local/gpt-4o-mini") =>
  gql(t, key, `mutation($i: CompletionInput!) { complete(input: $i) { id } }`, { i: { model, messages: [{ role: "USER", content: "hi there" }] } });

describe("/metrics", () => {
  it("needs an admin key or the metrics token", async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer sb-wrong" } })).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${member}` } })).status).toBe(403);
    await scrape(METRICS_TOKEN);
    await scrape(t.adminKey);
  });

  it("exposes GenAI metrics with DESIGN.md names and labels, matching the usage records", async () => {
    fake.setScenario({ content: "one two three", usage: { promptTokens: 1000, completionTokens: 200 } });
    await complete(t.adminKey);
    await complete(member);
    fake.setScenario({ content: "a b c d e f", usage: { promptTokens: 50, completionTokens: 6 }, itlMs: 15 });
    const res = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }),
    });
    await res.text();
    fake.setScenario({ status: 400, errorBody: { message: "nope" } });
    await complete(t.adminKey);
    fake.reset();
    await complete(t.adminKey, "no/such-model-" + "x".repeat(40));

    const rows = await usageRows(t);
    const m = await scrape();
    const base = { gen_ai_operation_name: "chat", gen_ai_request_model: "local/gpt-4o-mini", gen_ai_response_model: "local/gpt-4o-mini", gen_ai_provider_name: "local" };

    for (const name of ["gen_ai_client_token_usage", "gen_ai_client_operation_duration_seconds", "gen_ai_server_time_to_first_token_seconds", "gen_ai_server_time_per_output_token_seconds"]) {
      expect(typeOf(m, name)).toBe("HISTOGRAM");
    }
    expect(typeOf(m, "switchboard_requests_total")).toBe("COUNTER");
    expect(typeOf(m, "switchboard_cost_usd_total")).toBe("COUNTER");

    const served = rows.filter((r) => r.model_served);
    const input = histogram(m, "gen_ai_client_token_usage", { ...base, gen_ai_token_type: "input" })!;
    const output = histogram(m, "gen_ai_client_token_usage", { ...base, gen_ai_token_type: "output" })!;
    expect(input.count).toBe(served.length);
    expect(input.sum).toBe(served.reduce((a, r) => a + r.input_tokens, 0));
    expect(output.sum).toBe(served.reduce((a, r) => a + r.output_tokens, 0));

    const ttft = histogram(m, "gen_ai_server_time_to_first_token_seconds", base)!;
    expect(Object.keys(ttft.buckets)).toEqual(expect.arrayContaining(["0.01", "0.1", "1", "10", "30", "+Inf"]));
    expect(ttft.count).toBe(rows.filter((r) => r.ttft_ms !== null).length);
    expect(ttft.buckets["+Inf"]).toBe(ttft.count);
    expect(histogram(m, "gen_ai_server_time_per_output_token_seconds", base)!.count).toBeGreaterThanOrEqual(1);

    const okDuration = histogram(m, "gen_ai_client_operation_duration_seconds", { ...base, error_type: "" })!;
    expect(okDuration.count).toBe(3);
    expect(okDuration.sum).toBeCloseTo(rows.filter((r) => r.status === "ok").reduce((a, r) => a + r.latency_ms / 1000, 0), 6);
    expect(histogram(m, "gen_ai_client_operation_duration_seconds", { ...base, error_type: "UPSTREAM_ERROR" })!.count).toBe(1);
    // A refused request's made-up model name never becomes a label value (cardinality).
    const durationLabels = labelled(m, "gen_ai_client_operation_duration_seconds_count");
    expect(durationLabels.some((l) => l.gen_ai_request_model?.startsWith("no/"))).toBe(false);
    expect(histogram(m, "gen_ai_client_operation_duration_seconds", { gen_ai_request_model: "other", error_type: "BAD_USER_INPUT" })!.count).toBe(1);

    expect(value(m, "switchboard_requests_total", { status: "ok" })).toBe(rows.filter((r) => r.status === "ok").length);
    expect(value(m, "switchboard_requests_total", { status: "error", error_type: "UPSTREAM_ERROR" })).toBe(1);
    const cost = value(m, "switchboard_cost_usd_total", { gen_ai_provider_name: "local", gen_ai_response_model: "local/gpt-4o-mini" })!;
    expect(cost).toBeCloseTo(rows.reduce((a, r) => a + Number(r.cost_micro_usd), 0) / 1e6, 9);
    expect(value(m, "switchboard_usage_write_queue_depth")).toBe(0);
    expect(value(m, "switchboard_streams_in_flight")).toBe(0);
    // No user, team or key ids in any label.
    for (const f of m.lines) for (const s of f.metrics) expect(Object.values(s.labels ?? {})).not.toContain("mia");
  });

  it("counts streams in flight while they run", async () => {
    fake.setScenario({ content: "w ".repeat(40), itlMs: 50 });
    const res = fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
    }).then((r) => r.text());
    await expect.poll(async () => value(await scrape(), "switchboard_streams_in_flight"), { timeout: 10_000 }).toBe(1);
    await res;
    await expect.poll(async () => value(await scrape(), "switchboard_streams_in_flight"), { timeout: 10_000 }).toBe(0);
    fake.reset();
  });

  it("counts rate-limit rejections and exposes the budget and circuit gauges others register", async () => {
    const { catalogue, usage, config: cfg, log, observability } = t.app.services;
    const limited = new Gateway({
      catalogue,
      upstream: new UpstreamClient(),
      usage,
      limits: cfg.limits,
      log,
      observer: observability.observer,
      policy: { admit: () => Promise.reject(new GatewayError(ErrorCode.RATE_LIMITED, "slow down", { retryAfterMs: 1000 })) },
    });
    const principal = await t.app.services.keys.authenticate(t.adminKey);
    await expect(limited.complete({ principal, transport: "rest" }, { model: "local/gpt-4o-mini", messages: [{ role: "user", content: "x" }] })).rejects.toThrow("slow down");
    observability.metrics.registerBudgets(() => [{ id: "b1", scope: "TEAM", subject: "team-a", period: "MONTH", spentUsd: 1.5, limitUsd: 10, reservedUsd: 0.25 }]);
    observability.metrics.registerCircuits(() => [{ provider: "local", model: "local/gpt-4o-mini", state: "open" }]);

    const m = await scrape();
    expect(value(m, "switchboard_rate_limit_rejections_total", { gen_ai_request_model: "local/gpt-4o-mini" })).toBe(1);
    const labels = { budget_id: "b1", scope: "TEAM", subject: "team-a", period: "MONTH" };
    expect(value(m, "switchboard_budget_spent_usd", labels)).toBe(1.5);
    expect(value(m, "switchboard_budget_limit_usd", labels)).toBe(10);
    expect(value(m, "switchboard_budget_reserved_usd", labels)).toBe(0.25);
    expect(value(m, "switchboard_circuit_state", { gen_ai_request_model: "local/gpt-4o-mini", state: "open" })).toBe(1);
    expect(value(m, "switchboard_circuit_state", { gen_ai_request_model: "local/gpt-4o-mini", state: "closed" })).toBe(0);
  });
});

describe("structured logs", () => {
  it("one info line per request with ids and timing, and never the key or the prompt", async () => {
    const before = logLines.length;
    fake.setScenario({ content: "logged answer", usage: { promptTokens: 3, completionTokens: 2 } });
    const r = await gql<{ complete: { id: string } }>(t, member, `mutation { complete(input: { model: "local/gpt-4o-mini", messages: [{ role: USER, content: "my secret prompt" }] }) { id } }`);
    const id = r.data!.complete.id;
    const lines = logLines.slice(before).filter((l) => l.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, reqId: id, userId: "mia", model: "local/gpt-4o-mini", provider: "local", status: "ok", inputTokens: 3, outputTokens: 2 });
    expect(lines[0]!.keyId).toMatch(/^key_/);
    expect(typeof lines[0]!.latencyMs).toBe("number");
    const text = JSON.stringify(logLines);
    expect(text).not.toContain(member);
    expect(text).not.toContain(t.adminKey);
    expect(text).not.toContain("my secret prompt");
    expect(text).not.toContain("logged answer");
  });
});
