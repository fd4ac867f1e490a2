import type { ErrorCode } from "../../domain/errors.js";
import type { WindowState } from "./sql.js";

/** Query.admission's answer. Money in micro-USD. */
export interface AdmissionReport {
  admitted: boolean;
  /** Why not: BUDGET_EXCEEDED or RATE_LIMITED; null when admitted. */
  code: ErrorCode | null;
  retryAfterMs: number | null;
  /** The hold admission would place now. */
  holdMicros: number;
  /** The smallest hold that admits it (a stream may start on less than it wants). */
  minimumHoldMicros: number;
  promptTokens: number;
  outputTokensHeld: number;
  /** Models the hold is sized for (failover targets included). */
  candidates: string[];
  budgets: { id: string; availableMicros: number; fits: boolean }[];
  limits: { id: string; fits: boolean; retryAfterMs: number | null }[];
}

/**
 * When a full window has room again: walk its one-second slots oldest first until enough
 * requests (or tokens) have left the last 60 s. A slot `s` stops counting at (s + 60) s.
 * Null for a dimension that has room now.
 */
export function retryAfter(w: WindowState, tokens: number, nowMs: number): { rpmMs: number | null; tpmMs: number | null } {
  const slot = Math.floor(nowMs / 1000);
  const live: { s: number; r: number; t: number }[] = [];
  let reqs = 0;
  let toks = 0;
  for (let i = 0; i < w.slots.length; i++) {
    const s = w.slots[i]!;
    if (s <= slot - 60) continue;
    const r = w.reqs[i] ?? 0;
    const t = w.toks[i] ?? 0;
    live.push({ s, r, t });
    reqs += r;
    toks += t;
  }
  live.sort((a, b) => a.s - b.s);
  const until = (need: number, pick: (e: { r: number; t: number }) => number): number => {
    let freed = 0;
    for (const e of live) {
      freed += pick(e);
      if (freed >= need) return Math.max(1, (e.s + 60) * 1000 - nowMs);
    }
    return 60_000;
  };
  const rpmMs = w.rpm !== null && reqs + 1 > w.rpm ? until(reqs + 1 - w.rpm, (e) => e.r) : null;
  const tpmMs = w.tpm !== null && toks + tokens > w.tpm ? (tokens > w.tpm ? 60_000 : until(toks + tokens - w.tpm, (e) => e.t)) : null;
  return { rpmMs, tpmMs };
}
