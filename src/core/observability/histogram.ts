/**
 * Fixed log-scale latency buckets shared by the rollups, the raw-record fallback and the percentile
 * estimates: 4 buckets per octave (each ~19 % wide), bucket 8 starting at 1 ms. Fixed buckets merge by
 * addition, so an hour, a day or a month of rollup rows combine exactly; an estimate taken inside a
 * bucket (geometric interpolation) is within ~9 % of the true value.
 */
export const HIST_BUCKETS = 96;
const PER_OCTAVE = 4;
const ONE_MS = 8;

/** Bucket of a duration in ms: 0 holds everything under ~0.3 ms, the last everything over ~1 h. */
export function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  const i = Math.floor(Math.log2(ms) * PER_OCTAVE) + ONE_MS;
  return i < 0 ? 0 : i >= HIST_BUCKETS ? HIST_BUCKETS - 1 : i;
}

export function bucketLower(i: number): number {
  return i <= 0 ? 0 : 2 ** ((i - ONE_MS) / PER_OCTAVE);
}

export function bucketUpper(i: number): number {
  return 2 ** ((i + 1 - ONE_MS) / PER_OCTAVE);
}

export function emptyHist(): number[] {
  return new Array<number>(HIST_BUCKETS).fill(0);
}

/** Adds `b` into `a` element-wise (arrays from the database may be shorter if the scheme ever grows). */
export function addHist(a: number[], b: ArrayLike<number | string | null>): void {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) a[i]! += Number(b[i] ?? 0);
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank, placed inside its bucket by geometric interpolation.
 * Null when the histogram is empty.
 */
export function quantile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c <= 0) continue;
    if (cum + c >= rank) {
      const f = (rank - cum - 0.5) / c;
      const lo = bucketLower(i);
      const hi = bucketUpper(i);
      const v = lo > 0 ? lo * (hi / lo) ** f : hi * f;
      return Math.round(v * 1000) / 1000;
    }
    cum += c;
  }
  return null;
}
