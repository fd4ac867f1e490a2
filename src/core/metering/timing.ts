import { performance } from "node:perf_hooks";

/**
 * Streaming-aware timing, one per request. TTFT = start → first content delta handed to the
 * client; ITL = mean gap between content deltas; tokens/s over the generation phase
 * (first → last delta). The same definitions feed the API, metrics and usage records.
 */
export class Timing {
  readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  private first = -1;
  private last = -1;
  private deltas = 0;

  delta(): void {
    const now = performance.now();
    if (this.first < 0) this.first = now;
    this.last = now;
    this.deltas++;
  }

  get contentDeltas(): number {
    return this.deltas;
  }

  /**
   * `visibleTokens`: output tokens the client saw stream in. Reasoning tokens are generated before the
   * first visible delta, outside the generation phase measured here, and would inflate tokens/s.
   */
  result(visibleTokens: number): { ttftMs: number | null; itlMs: number | null; latencyMs: number; tokensPerSecond: number | null } {
    const latencyMs = round(performance.now() - this.t0);
    if (this.first < 0) return { ttftMs: null, itlMs: null, latencyMs, tokensPerSecond: null };
    const gen = this.last - this.first;
    return {
      ttftMs: round(this.first - this.t0),
      itlMs: this.deltas > 1 ? round(gen / (this.deltas - 1)) : null,
      latencyMs,
      // With one delta there is no generation phase to divide by.
      tokensPerSecond: gen > 0 && visibleTokens > 1 ? round(((visibleTokens - 1) * 1000) / gen) : null,
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
