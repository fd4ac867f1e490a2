import type { GatewayError } from "../../domain/errors.js";

export interface BreakerOptions {
  /** Consecutive failures that open a target's circuit. */
  failureThreshold: number;
  /** Share of failures among recent outcomes that opens it (with at least `minSamples` in the window). */
  errorRateThreshold: number;
  minSamples: number;
  /** Outcomes older than this do not count toward the error rate. */
  windowMs: number;
  /** Open → half-open after this long; doubled after each failed trial, up to `maxCooldownMs`. */
  cooldownMs: number;
  maxCooldownMs: number;
  /** A half-open trial request that never reports (cancelled) frees the trial slot after this long. */
  probeTimeoutMs: number;
  /** Cool-down after a 429 that carried no retry-after; one that did is honoured up to `maxRateLimitCooldownMs`. */
  rateLimitCooldownMs: number;
  maxRateLimitCooldownMs: number;
}

export const defaultBreaker: BreakerOptions = {
  failureThreshold: 5,
  errorRateThreshold: 0.5,
  minSamples: 10,
  windowMs: 60_000,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
  probeTimeoutMs: 30_000,
  rateLimitCooldownMs: 1_000,
  maxRateLimitCooldownMs: 300_000,
};

export type CircuitState = "CLOSED" | "OPEN" | "HALF_OPEN";

/**
 * What routing may do with a target right now: OK (closed circuit), TRIAL (half-open and no trial
 * running: this request is the trial), PROBING (half-open, a trial is running), OPEN, or COOLING
 * (cooling down after a 429).
 */
export type Gate = "OK" | "TRIAL" | "PROBING" | "OPEN" | "COOLING";

export interface HealthSnapshot {
  circuit: CircuitState;
  /** Failures in a row (0 after any success). */
  consecutiveFailures: number;
  /** Failure share among the outcomes in the window, null with none. */
  errorRate: number | null;
  /** Recent time to first token (EWMA over streamed answers), null before the first. */
  ttftMs: number | null;
  /** Recent latency of whole non-streamed calls (EWMA), null before the first. */
  latencyMs: number | null;
  openUntil: Date | null;
  cooldownUntil: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
}

const RING = 32;
/** Weight of the newest TTFT (or non-streamed latency) sample in its moving average. */
const TTFT_ALPHA = 0.3;

/** One target's breaker. Times are epoch ms from the board's clock. */
class TargetHealth {
  state: "CLOSED" | "OPEN" = "CLOSED";
  /** While OPEN: when it becomes half-open. */
  openUntil = 0;
  /** Failed trials in a row: each doubles the next cool-down. */
  trips = 0;
  probeUntil = 0;
  cooldownUntil = 0;
  consecutive = 0;
  lastFailureAt = 0;
  lastError: string | null = null;
  ttft = -1;
  /** Whole-call latency of non-streamed answers: kept apart, since it includes the whole generation. */
  latency = -1;
  private readonly at = new Float64Array(RING);
  private readonly failed = new Uint8Array(RING);
  private next = 0;
  private count = 0;

  push(now: number, fail: boolean): void {
    this.at[this.next] = now;
    this.failed[this.next] = fail ? 1 : 0;
    this.next = (this.next + 1) % RING;
    if (this.count < RING) this.count++;
  }

  clearWindow(): void {
    this.count = 0;
    this.next = 0;
  }

  /** [samples, failures] within the window. */
  window(now: number, windowMs: number): [number, number] {
    let n = 0;
    let f = 0;
    for (let i = 0; i < this.count; i++) {
      if (now - this.at[i]! > windowMs) continue;
      n++;
      f += this.failed[i]!;
    }
    return [n, f];
  }
}

/**
 * Per-target circuit breakers, 429 cool-downs and TTFT averages, fed by Router.report after every
 * attempt. In memory and per instance: health is what this instance observes of each upstream,
 * and checking it costs no I/O on the request path.
 */
export class HealthBoard {
  private readonly targets = new Map<string, TargetHealth>();

  constructor(
    readonly opts: BreakerOptions = defaultBreaker,
    private readonly now: () => number = Date.now,
  ) {}

  private get(id: string): TargetHealth {
    let h = this.targets.get(id);
    if (!h) {
      h = new TargetHealth();
      this.targets.set(id, h);
    }
    return h;
  }

  /**
   * Whether a target may be tried. With `take`, a half-open target's trial slot is claimed for this
   * request (explainRoute passes false so a dry run changes nothing).
   */
  gate(id: string, take: boolean): Gate {
    const h = this.targets.get(id);
    if (!h) return "OK";
    const now = this.now();
    if (h.cooldownUntil > now) return "COOLING";
    if (h.state === "CLOSED") return "OK";
    if (now < h.openUntil) return "OPEN";
    if (now < h.probeUntil) return "PROBING";
    if (take) h.probeUntil = now + this.opts.probeTimeoutMs;
    return "TRIAL";
  }

  /** When a blocked target can next be tried (for choosing among targets that are all blocked). */
  availableAt(id: string): number {
    const h = this.targets.get(id);
    if (!h) return 0;
    return Math.max(h.cooldownUntil, h.state === "OPEN" ? Math.max(h.openUntil, h.probeUntil) : 0);
  }

  /** Forgets what was observed of one target, or of all (an operator fixed an upstream; tests). */
  reset(id?: string): void {
    if (id === undefined) this.targets.clear();
    else this.targets.delete(id);
  }

  /** Recent TTFT in ms, or -1 before the first sample. */
  ttft(id: string): number {
    return this.targets.get(id)?.ttft ?? -1;
  }

  /**
   * What LEAST_LATENCY sorts by: the TTFT, or for a target only ever called without streaming its
   * whole-call latency (an upper bound of its TTFT, so it can rank a target too low, never too
   * high); -1 when neither was measured.
   */
  latencyRank(id: string): number {
    const h = this.targets.get(id);
    if (!h) return -1;
    return h.ttft >= 0 ? h.ttft : h.latency;
  }

  /** Recent whole-call latency of non-streamed answers in ms, or -1 before the first. */
  latency(id: string): number {
    return this.targets.get(id)?.latency ?? -1;
  }

  success(id: string, ttftMs: number | undefined, latencyMs?: number): void {
    const h = this.get(id);
    const now = this.now();
    h.consecutive = 0;
    h.probeUntil = 0;
    if (ttftMs !== undefined && Number.isFinite(ttftMs)) h.ttft = ewma(h.ttft, ttftMs);
    if (latencyMs !== undefined && Number.isFinite(latencyMs)) h.latency = ewma(h.latency, latencyMs);
    if (h.state === "OPEN") {
      // Only a trial closes the circuit; a late success of a request that started before it opened does not.
      if (now < h.openUntil) return;
      h.state = "CLOSED";
      h.trips = 0;
      h.clearWindow();
    }
    h.push(now, false);
  }

  /**
   * A failed attempt. Rate limits (429) cool the target down for their retry-after and are not
   * counted as failures; errors that say nothing about the target's health (a bad request) count
   * as signs of life.
   */
  failure(id: string, err: GatewayError): void {
    if (err.upstreamStatus === 429) {
      const h = this.get(id);
      const wait = Math.min(err.retryAfterMs ?? this.opts.rateLimitCooldownMs, this.opts.maxRateLimitCooldownMs);
      h.cooldownUntil = Math.max(h.cooldownUntil, this.now() + wait);
      h.probeUntil = 0;
      h.lastError = err.message.slice(0, 300);
      return;
    }
    if (!countsAsFailure(err)) {
      this.success(id, undefined);
      return;
    }
    const h = this.get(id);
    const now = this.now();
    h.consecutive++;
    h.lastFailureAt = now;
    h.lastError = err.message.slice(0, 300);
    h.probeUntil = 0;
    if (h.state === "OPEN") {
      // A failed trial (or a late failure once half-open): open again, for longer.
      if (now >= h.openUntil) this.open(h, now);
      return;
    }
    h.push(now, true);
    const [n, f] = h.window(now, this.opts.windowMs);
    if (h.consecutive >= this.opts.failureThreshold || (n >= this.opts.minSamples && f / n >= this.opts.errorRateThreshold)) this.open(h, now);
  }

  private open(h: TargetHealth, now: number): void {
    h.state = "OPEN";
    h.trips++;
    h.openUntil = now + Math.min(this.opts.cooldownMs * 2 ** (h.trips - 1), this.opts.maxCooldownMs);
  }

  snapshot(id: string): HealthSnapshot {
    const h = this.targets.get(id);
    if (!h) return { circuit: "CLOSED", consecutiveFailures: 0, errorRate: null, ttftMs: null, latencyMs: null, openUntil: null, cooldownUntil: null, lastFailureAt: null, lastError: null };
    const now = this.now();
    const [n, f] = h.window(now, this.opts.windowMs);
    return {
      circuit: h.state === "CLOSED" ? "CLOSED" : now < h.openUntil ? "OPEN" : "HALF_OPEN",
      consecutiveFailures: h.consecutive,
      errorRate: n ? f / n : null,
      ttftMs: h.ttft < 0 ? null : Math.round(h.ttft * 1000) / 1000,
      latencyMs: h.latency < 0 ? null : Math.round(h.latency * 1000) / 1000,
      openUntil: h.state === "OPEN" && now < h.openUntil ? new Date(h.openUntil) : null,
      cooldownUntil: h.cooldownUntil > now ? new Date(h.cooldownUntil) : null,
      lastFailureAt: h.lastFailureAt ? new Date(h.lastFailureAt) : null,
      lastError: h.lastError,
    };
  }
}

function ewma(avg: number, sample: number): number {
  return avg < 0 ? sample : avg + TTFT_ALPHA * (sample - avg);
}

/** Retryable errors (5xx, 529, timeouts, resets) and refused credentials mean the target is unwell. */
function countsAsFailure(err: GatewayError): boolean {
  return err.retryable || err.upstreamStatus === 401 || err.upstreamStatus === 403;
}
