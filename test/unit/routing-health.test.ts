import { describe, expect, it } from "vitest";
import { defaultBreaker, HealthBoard } from "../../src/core/routing/health.js";
import { ErrorCode, GatewayError } from "../../src/domain/errors.js";

const fail503 = new GatewayError(ErrorCode.UPSTREAM_ERROR, "a 503: overloaded", { retryable: true, upstreamStatus: 503 });
const bad400 = new GatewayError(ErrorCode.UPSTREAM_ERROR, "a 400: context too long", { retryable: false, upstreamStatus: 400 });
const limited = (retryAfterMs?: number) =>
  new GatewayError(ErrorCode.UPSTREAM_ERROR, "a 429", { retryable: true, upstreamStatus: 429, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

function board(over: Partial<typeof defaultBreaker> = {}) {
  const clock = { now: 1_000_000 };
  const b = new HealthBoard({ ...defaultBreaker, failureThreshold: 3, minSamples: 6, errorRateThreshold: 0.5, cooldownMs: 1000, ...over }, () => clock.now);
  return { b, clock };
}

describe("circuit breaker", () => {
  it("opens on a run of failures, half-opens after the cool-down, closes on a successful trial", () => {
    const { b, clock } = board();
    b.failure("m", fail503);
    b.failure("m", fail503);
    expect(b.gate("m", true)).toBe("OK");
    b.failure("m", fail503);
    expect(b.snapshot("m")).toMatchObject({ circuit: "OPEN", consecutiveFailures: 3, lastError: "a 503: overloaded" });
    expect(b.gate("m", true)).toBe("OPEN");
    clock.now += 1000;
    expect(b.snapshot("m").circuit).toBe("HALF_OPEN");
    // One trial at a time; a dry run does not claim it.
    expect(b.gate("m", false)).toBe("TRIAL");
    expect(b.gate("m", true)).toBe("TRIAL");
    expect(b.gate("m", true)).toBe("PROBING");
    b.success("m", 120);
    expect(b.snapshot("m")).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0, ttftMs: 120 });
    expect(b.gate("m", true)).toBe("OK");
  });

  it("re-opens for twice as long when the trial fails", () => {
    const { b, clock } = board();
    for (let i = 0; i < 3; i++) b.failure("m", fail503);
    clock.now += 1000;
    expect(b.gate("m", true)).toBe("TRIAL");
    b.failure("m", fail503);
    expect(b.snapshot("m").circuit).toBe("OPEN");
    clock.now += 1000;
    expect(b.gate("m", true)).toBe("OPEN");
    clock.now += 1000;
    expect(b.gate("m", true)).toBe("TRIAL");
  });

  it("opens on an error rate even without a run of failures", () => {
    const { b } = board({ failureThreshold: 100 });
    for (let i = 0; i < 3; i++) {
      b.success("m", undefined);
      b.failure("m", fail503);
    }
    expect(b.snapshot("m").circuit).toBe("OPEN");
    const { b: b2 } = board({ failureThreshold: 100 });
    for (let i = 0; i < 3; i++) {
      b2.success("m", undefined);
      b2.success("m", undefined);
      b2.failure("m", fail503);
    }
    expect(b2.snapshot("m")).toMatchObject({ circuit: "CLOSED" });
    expect(b2.snapshot("m").errorRate).toBeCloseTo(1 / 3);
  });

  it("forgets failures older than the window", () => {
    const { b, clock } = board({ failureThreshold: 100, windowMs: 10_000 });
    for (let i = 0; i < 5; i++) b.failure("m", fail503);
    clock.now += 20_000;
    b.success("m", undefined);
    b.failure("m", fail503);
    expect(b.snapshot("m").circuit).toBe("CLOSED");
  });

  it("a 429 cools the target down for its retry-after without counting as a failure", () => {
    const { b, clock } = board();
    b.failure("m", limited(2500));
    expect(b.gate("m", true)).toBe("COOLING");
    expect(b.snapshot("m")).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0 });
    clock.now += 2400;
    expect(b.gate("m", true)).toBe("COOLING");
    clock.now += 100;
    expect(b.gate("m", true)).toBe("OK");
    b.failure("m", limited());
    expect(b.availableAt("m")).toBe(clock.now + defaultBreaker.rateLimitCooldownMs);
  });

  it("client errors are signs of life, not failures", () => {
    const { b } = board();
    for (let i = 0; i < 10; i++) b.failure("m", bad400);
    expect(b.snapshot("m")).toMatchObject({ circuit: "CLOSED", consecutiveFailures: 0 });
  });

  it("a late success from before the circuit opened does not close it", () => {
    const { b } = board();
    for (let i = 0; i < 3; i++) b.failure("m", fail503);
    b.success("m", 50);
    expect(b.snapshot("m").circuit).toBe("OPEN");
  });

  it("keeps a moving average of TTFT", () => {
    const { b } = board();
    b.success("m", 100);
    b.success("m", 200);
    expect(b.ttft("m")).toBeCloseTo(130);
    expect(b.ttft("other")).toBe(-1);
  });

  it("keeps non-streamed latency apart from TTFT, and ranks by it only while no TTFT is known", () => {
    const { b } = board();
    b.success("m", undefined, 800);
    b.success("m", undefined, 1800);
    expect(b.ttft("m")).toBe(-1);
    expect(b.latency("m")).toBeCloseTo(1100);
    expect(b.latencyRank("m")).toBeCloseTo(1100);
    expect(b.snapshot("m")).toMatchObject({ ttftMs: null, latencyMs: 1100 });
    // A streamed answer's TTFT is the better measure as soon as there is one.
    b.success("m", 90);
    expect(b.latencyRank("m")).toBe(90);
    expect(b.latency("m")).toBeCloseTo(1100);
    expect(b.latencyRank("never")).toBe(-1);
  });
});
