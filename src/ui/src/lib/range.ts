import { useSyncExternalStore } from "react";

export type Preset = "1h" | "24h" | "7d" | "30d" | "custom";

export interface RangeState {
  preset: Preset;
  /** Only for "custom". */
  from: Date;
  to: Date;
  /** Show times in UTC instead of the browser's zone. */
  utc: boolean;
  /** Bumped by "Refresh" so presets move their end to now. */
  tick: number;
}

const HOUR = 3_600_000;
export const PRESETS: { id: Preset; label: string; ms: number }[] = [
  { id: "1h", label: "1 h", ms: HOUR },
  { id: "24h", label: "24 h", ms: 24 * HOUR },
  { id: "7d", label: "7 d", ms: 7 * 24 * HOUR },
  { id: "30d", label: "30 d", ms: 30 * 24 * HOUR },
];

// One range for every analytics page, so switching from Overview to Costs keeps the window.
let state: RangeState = { preset: "24h", from: new Date(Date.now() - 24 * HOUR), to: new Date(), utc: false, tick: 0 };
const listeners = new Set<() => void>();

export function setRange(patch: Partial<RangeState>): void {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
}

export function useRange(): RangeState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    () => state,
  );
}

export interface Window {
  from: Date;
  to: Date;
  /** Time bucket the API groups by. */
  bucket: "HOUR" | "DAY";
  bucketMs: number;
}

/** The concrete window of a range; presets end at the next whole minute so queries stay cacheable for a minute. */
export function windowOf(r: RangeState, now = Date.now()): Window {
  let from: Date, to: Date;
  if (r.preset === "custom") {
    from = r.from;
    to = r.to;
  } else {
    const end = Math.ceil(now / 60_000) * 60_000;
    to = new Date(end);
    from = new Date(end - (PRESETS.find((p) => p.id === r.preset)?.ms ?? 24 * HOUR));
  }
  const span = to.getTime() - from.getTime();
  const bucket = span > 3 * 24 * HOUR ? "DAY" : "HOUR";
  return { from, to, bucket, bucketMs: bucket === "DAY" ? 24 * HOUR : HOUR };
}

/** Every bucket start (UTC hours or days, as the API reports them) from `from` to `to`. */
export function bucketStarts(w: Window): number[] {
  const out: number[] = [];
  const start = Math.floor(w.from.getTime() / w.bucketMs) * w.bucketMs;
  for (let t = start; t < w.to.getTime(); t += w.bucketMs) out.push(t);
  return out;
}
