import { tracingChannel } from "node:diagnostics_channel";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino, { type Logger, type LoggerOptions } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/app.js";
import type { Principal } from "../../src/core/auth/keys.js";
import type { UsageRecord } from "../../src/core/metering/usage-writer.js";
import { quote, requestLogFields, writeInfo } from "../../src/core/observability/log-line.js";
import { Metrics } from "../../src/core/observability/metrics.js";
import { GatewayObserver } from "../../src/core/observability/observer.js";

/** The object the observer used to hand to `log.info` (before the line was serialized by hand). */
function asObject(r: UsageRecord, traceId: string | undefined): Record<string, unknown> {
  return {
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
    ...(traceId !== undefined ? { traceId } : {}),
  };
}

const base: UsageRecord = {
  id: "req_0f8e7d6c5b4a39281706f5e4",
  createdAt: new Date(0),
  keyId: "key_abc",
  userId: "mia",
  teamId: "team-a",
  transport: "rest",
  stream: true,
  modelRequested: "local/gpt-4o-mini",
  modelServed: "local/gpt-4o-mini",
  provider: "local",
  inputTokens: 1234,
  outputTokens: 56,
  costMicroUsd: 123,
  ttftMs: 81.23456789012345,
  itlMs: 10.428571428571429,
  latencyMs: 312.0000000001,
  tokensPerSecond: 40,
  status: "ok",
  errorCode: null,
  finishReason: "STOP",
  tags: [],
  attempts: [{ model: "local/gpt-4o-mini", provider: "local", outcome: "ok", error: null, errorCode: null, latencyMs: 300 }],
};

const cases: [string, UsageRecord, string | undefined][] = [
  ["a served request", base, undefined],
  ["with a trace id", base, "4bf92f3577b34da6a3ce929d0e0e4736"],
  [
    "a failed request: nulls written, undefined left out",
    { ...base, keyId: undefined, teamId: null, modelServed: null, provider: null, status: "error", errorCode: "UPSTREAM_ERROR", finishReason: null, ttftMs: null, itlMs: undefined, costMicroUsd: 0, outputTokens: 0, attempts: [] },
    undefined,
  ],
  ["non-finite figures", { ...base, latencyMs: Number.NaN, ttftMs: Number.POSITIVE_INFINITY, attempts: "oops" as never }, undefined],
  ["quotes and backslashes", { ...base, modelRequested: 'a"b\\c"', userId: '"' }, undefined],
  ["control characters", { ...base, modelRequested: "x\ny\u0001", teamId: "\t" }, undefined],
  ["non-ASCII and lone surrogates", { ...base, modelRequested: "modèle-日本-😀", userId: "a\ud800b", teamId: 'q"\udc00' }, undefined],
  ["long and empty strings", { ...base, modelRequested: "m".repeat(99) + '"', userId: "u".repeat(150), teamId: "" }, undefined],
];

function capture(opts: LoggerOptions = {}, wrap: (s: Writable) => pino.DestinationStream = (s) => s): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  // Strings as written (no UTF-8 round trip), so lone surrogates compare as they are.
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  // A fixed time makes the two lines comparable byte for byte.
  return { log: pino({ level: "info", base: { service: "switchboard" }, timestamp: () => ',"time":1700000000000', ...opts }, wrap(sink)), lines };
}

/** The line pino writes for the old object, and the line writeInfo writes, from the same logger. */
function both(log: Logger, lines: string[], r: UsageRecord, traceId: string | undefined): [string, string] {
  lines.length = 0;
  log.info(asObject(r, traceId), "request");
  writeInfo(log, requestLogFields(r, traceId), "request");
  expect(lines).toHaveLength(2);
  return [lines[0]!, lines[1]!];
}

describe("the request log line", () => {
  it.each(cases)("is byte for byte what pino writes for the same object: %s", (_name, r, traceId) => {
    const { log, lines } = capture({ redact: { paths: ["req.headers.authorization", "headers.authorization", "authorization", "apiKey", "secret"], censor: "[REDACTED]" } });
    const [expected, actual] = both(log, lines, r, traceId);
    expect(actual).toBe(expected);
    expect(JSON.parse(actual)).toEqual(JSON.parse(expected));
  });

  it("keeps the fields, their order and values", () => {
    const { log, lines } = capture();
    const [, line] = both(log, lines, base, "4bf92f3577b34da6a3ce929d0e0e4736");
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      "level",
      "time",
      "service",
      "reqId",
      "keyId",
      "userId",
      "teamId",
      "transport",
      "stream",
      "model",
      "servedModel",
      "provider",
      "status",
      "errorCode",
      "finishReason",
      "attempts",
      "inputTokens",
      "outputTokens",
      "costUsd",
      "ttftMs",
      "itlMs",
      "latencyMs",
      "traceId",
      "msg",
    ]);
    expect(parsed).toMatchObject({ level: 30, service: "switchboard", reqId: base.id, costUsd: 0.000123, attempts: 1, errorCode: null, msg: "request" });
  });

  it("skips pino's serialization of an object for createLogger's logger and a plain one", () => {
    const { log, lines } = capture();
    for (const l of [log, createLogger("info", "/dev/null")]) {
      const info = l.info;
      l.info = () => {
        throw new Error("took pino's path");
      };
      try {
        writeInfo(l, requestLogFields(base, undefined), "request");
      } finally {
        l.info = info;
      }
    }
    expect(lines).toHaveLength(1);
  });

  it("carries a child's bindings and a custom message key, level formatter and line end", () => {
    const { log, lines } = capture({ messageKey: "message", formatters: { level: (label) => ({ severity: label.toUpperCase() }) }, crlf: true });
    const child = log.child({ component: "gateway", n: 1 });
    const [expected, actual] = both(child, lines, base, undefined);
    expect(actual).toBe(expected);
    expect(actual.endsWith("}\r\n")).toBe(true);
    expect(JSON.parse(actual)).toMatchObject({ severity: "INFO", component: "gateway", message: "request" });
    child.setBindings({ n: 2 });
    const [expected2, actual2] = both(child, lines, base, undefined);
    expect(actual2).toBe(expected2);
  });

  it("goes through pino's own path when the logger transforms records", () => {
    const transforming: [string, LoggerOptions, ((s: Writable) => pino.DestinationStream)?][] = [
      ["mixin", { mixin: () => ({ region: "eu" }) }],
      ["formatters.log", { formatters: { log: (o) => ({ ...o, extra: true }) } }],
      ["a serializer on a field", { serializers: { model: (m: string) => m.toUpperCase() } }],
      ["redaction of a field", { redact: ["keyId", "userId"] }],
      ["a wildcard redaction", { redact: ["*.secret"] }],
      ["nestedKey", { nestedKey: "payload" }],
      [
        "a logMethod hook",
        {
          hooks: {
            logMethod(this: Logger, args, method) {
              method.apply(this, args);
            },
          },
        },
      ],
      ["a streamWrite hook", { hooks: { streamWrite: (s: string) => s.replace("request", "REQUEST") } }],
      ["a multistream", {}, (s) => pino.multistream([{ stream: s }])],
    ];
    for (const [name, opts, wrap] of transforming) {
      const { log, lines } = capture(opts, wrap);
      for (const [, r, traceId] of cases) {
        const [expected, actual] = both(log, lines, r, traceId);
        expect(actual, name).toBe(expected);
      }
    }
    const { log, lines } = capture();
    const prefixed = log.child({}, { msgPrefix: "[gw] " });
    const [expected, actual] = both(prefixed, lines, base, undefined);
    expect(actual).toBe(expected);
    expect(JSON.parse(actual).msg).toBe("[gw] request");
  });

  it("is seen by a diagnostics_channel subscriber on pino's serialization", () => {
    const { log, lines } = capture();
    const seen: unknown[] = [];
    const channel = tracingChannel("pino_asJson");
    const handlers = { start: (m: unknown) => seen.push(m), end: () => undefined, asyncStart: () => undefined, asyncEnd: () => undefined, error: () => undefined };
    channel.subscribe(handlers);
    try {
      const [expected, actual] = both(log, lines, base, undefined);
      expect(actual).toBe(expected);
      expect(seen).toHaveLength(2);
    } finally {
      channel.unsubscribe(handlers);
    }
  });

  it("quotes strings exactly as pino does", () => {
    for (const s of ["", "plain", 'a"b', "a\\b", "\\", '"', "tab\there", "x".repeat(100), "x".repeat(101), 'x"'.repeat(40), "é😀", "\ud800", '"\ud800', "\u007f", "\u2028"]) {
      const { log, lines } = capture();
      log.info(s);
      expect(`,"msg":${quote(s)}}\n`).toBe(lines[0]!.slice(lines[0]!.indexOf(',"msg":')));
    }
  });

  it("is written by the observer at info, and not at warn", () => {
    const principal = { keyId: "key_abc" } as Principal;
    for (const level of ["info", "warn"] as const) {
      const { log, lines } = capture({ level });
      const observer = new GatewayObserver({ metrics: new Metrics(), tracer: null, log, providerKind: () => "openai", knownModel: () => true });
      for (const [, r] of cases) observer.start({ id: r.id, principal, model: r.modelRequested, transport: "rest", stream: r.stream }).end(r);
      if (level === "warn") {
        expect(lines).toEqual([]);
        continue;
      }
      const written = [...lines];
      lines.length = 0;
      for (const [, r] of cases) log.info(asObject(r, undefined), "request");
      expect(written).toEqual(lines);
    }
  });
});

describe("createLogger's destination", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-log-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes every line whole and in order, through flush", async () => {
    const file = join(dir, "out.log");
    const log = createLogger("info", file);
    const stream = (log as unknown as Record<symbol, { once(e: string, f: () => void): void }>)[pino.symbols.streamSym]!;
    await new Promise<void>((r) => stream.once("ready", r));
    const expected: string[] = [];
    const { log: ref, lines } = capture({ redact: { paths: ["req.headers.authorization", "headers.authorization", "authorization", "apiKey", "secret"], censor: "[REDACTED]" } });
    for (let i = 0; i < 300; i++) {
      const [, r, traceId] = cases[i % cases.length]!;
      const rec = { ...r, id: `req_${i}` };
      writeInfo(log, requestLogFields(rec, traceId), "request");
      if (i % 50 === 0) log.warn({ i, text: "ünïcödé \"quoted\"" }, "a warning");
      ref.info(asObject(rec, traceId), "request");
      if (i % 50 === 0) ref.warn({ i, text: "ünïcödé \"quoted\"" }, "a warning");
    }
    expected.push(...lines);
    await new Promise<void>((resolve, reject) => log.flush((err) => (err ? reject(err) : resolve())));
    const time = /,"time":\d+/;
    const written = readFileSync(file, "utf8").split(/(?<=\n)/);
    // Encoded as UTF-8 as sonic-boom's string mode would (lone surrogates become U+FFFD either way).
    expect(written.map((l) => l.replace(time, ""))).toEqual(expected.map((l) => Buffer.from(l).toString("utf8").replace(time, "")));
  });
});
