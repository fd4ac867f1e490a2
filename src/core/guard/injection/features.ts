/**
 * Hashed character n-grams (3–5) of normalised text: the classifier's features. Shared by the
 * runtime scorer and scripts/train-injection.ts so training and serving cannot drift apart.
 */
export const DIM_BITS = 14;
export const DIM = 1 << DIM_BITS;
const MASK = DIM - 1;

/** Calls `f(index)` for every n-gram of `t` between `from` and `to`; returns how many. */
export function forEachFeature(t: string, from: number, to: number, f: (i: number) => void): number {
  let n = 0;
  const end = Math.min(to, t.length);
  for (let i = from; i + 3 <= end; i++) {
    let h = 0x811c9dc5;
    for (let k = 0; k < 5 && i + k < end; k++) {
      h = Math.imul(h ^ t.charCodeAt(i + k), 0x01000193);
      if (k >= 2) {
        f((h ^ (h >>> DIM_BITS) ^ k) & MASK);
        n++;
      }
    }
  }
  return n;
}
