/**
 * Which of a fixed set of substrings occur in a text, in one pass. The rules gate on these keys:
 * an alternation of the ~400 keys as one regex, retried at every position, cost more than all
 * the rules it gated.
 */
const tri = (a: number, b: number, c: number): number => (Math.imul(a, 961) + b * 31 + c) & 4095;
const pairOf = (a: number, b: number): number => ((a & 31) << 5) | (b & 31);
/** Keys the scan cannot index (shorter than three characters, or non-ASCII in the first two): found with `includes`. */
const isScanned = (k: string): boolean => k.length >= 3 && (k.charCodeAt(0) | k.charCodeAt(1)) < 128;

export class KeyScanner {
  /** After `scan`, 1 where keys[i] occurs in the scanned text. Overwritten by the next scan. */
  readonly found: Uint8Array;
  private readonly short: number[];
  /**
   * A bit per first-three-characters class (each code mod 32: letters are exact, the rest may
   * collide), 4 KB so it stays in L1: a cheap filter before the buckets.
   */
  private readonly pairs = new Uint32Array(32 * 32);
  /** Hash of the first three characters → index into `lists` of the keys starting so, or -1. */
  private readonly buckets = new Int16Array(4096).fill(-1);
  private readonly lists: number[][] = [];

  constructor(readonly keys: readonly string[]) {
    this.found = new Uint8Array(keys.length);
    this.short = keys.flatMap((k, i) => (isScanned(k) ? [] : [i]));
    for (const [i, k] of keys.entries()) {
      if (!isScanned(k)) continue;
      this.pairs[pairOf(k.charCodeAt(0), k.charCodeAt(1))]! |= 1 << (k.charCodeAt(2) & 31);
      const h = tri(k.charCodeAt(0), k.charCodeAt(1), k.charCodeAt(2));
      if (this.buckets[h]! < 0) this.buckets[h] = this.lists.push([]) - 1;
      this.lists[this.buckets[h]!]!.push(i);
    }
  }

  /** Index of `key` in the key list (-1 if absent). */
  id(key: string): number {
    return this.keys.indexOf(key);
  }

  anyFound(ids: readonly number[]): boolean {
    for (const k of ids) if (this.found[k] === 1) return true;
    return false;
  }

  scan(t: string): void {
    const { found, keys, pairs, buckets, lists } = this;
    found.fill(0);
    for (const k of this.short) if (t.includes(keys[k]!)) found[k] = 1;
    const n = t.length;
    if (n < 3) return;
    let c0 = t.charCodeAt(0);
    let c1 = t.charCodeAt(1);
    for (let i = 0; i + 2 < n; i++) {
      const c2 = t.charCodeAt(i + 2);
      const b = ((pairs[pairOf(c0, c1)]! >>> (c2 & 31)) & 1) === 1 ? buckets[tri(c0, c1, c2)]! : -1;
      if (b >= 0) {
        const list = lists[b]!;
        for (let j = 0; j < list.length; j++) {
          const k = list[j]!;
          if (found[k] === 1) continue;
          const key = keys[k]!;
          if (key.charCodeAt(0) !== c0 || key.charCodeAt(1) !== c1 || key.charCodeAt(2) !== c2) continue;
          let m = 3;
          while (m < key.length && t.charCodeAt(i + m) === key.charCodeAt(m)) m++;
          if (m === key.length) found[k] = 1;
        }
      }
      c0 = c1;
      c1 = c2;
    }
  }
}
