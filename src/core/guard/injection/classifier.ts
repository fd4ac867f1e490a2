import { readFileSync } from "node:fs";
import { DIM, DIM_BITS, forEachFeature } from "./features.js";

const MASK = DIM - 1;
/**
 * A module-local copy: under tsx an imported binding is a getter call, and this loop reads it per
 * character. Declared before the class, so the hot loop needs no temporal-dead-zone checks.
 */
const BITS = DIM_BITS;

/**
 * Fills p[3(i + 1) + k] with the sum of the (3 + k)-gram weights starting at or before i, for
 * i + 1 <= n - 2, the most `score` reads (the sums at 0 stay 0 from allocation). One interleaved
 * array, not three: three arrays of the text's length collided in the cache (1.6× slower).
 */
function prefixSums(t: string, w: Float32Array, p: Float64Array, codes: Int32Array): void {
  const n = t.length;
  // Char codes copied once: each is read by five n-grams, and a typed-array read is cheaper than charCodeAt.
  for (let i = 0; i < n; i++) codes[i] = t.charCodeAt(i);
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  for (let i = 0; i + 2 < n; i++) {
    let h = Math.imul(0x811c9dc5 ^ codes[i]!, 0x01000193);
    h = Math.imul(h ^ codes[i + 1]!, 0x01000193);
    h = Math.imul(h ^ codes[i + 2]!, 0x01000193);
    s3 += w[(h ^ (h >>> BITS) ^ 2) & MASK]!;
    if (i + 3 < n) {
      h = Math.imul(h ^ codes[i + 3]!, 0x01000193);
      s4 += w[(h ^ (h >>> BITS) ^ 3) & MASK]!;
      if (i + 4 < n) {
        h = Math.imul(h ^ codes[i + 4]!, 0x01000193);
        s5 += w[(h ^ (h >>> BITS) ^ 4) & MASK]!;
      }
    }
    const j = 3 * (i + 1);
    p[j] = s3;
    p[j + 1] = s4;
    p[j + 2] = s5;
  }
}

/** Logistic regression over hashed n-grams; weights trained offline by scripts/train-injection.ts. */
export interface Weights {
  dimBits: number;
  bias: number;
  /** int8 weights × scale = real weights. */
  scale: number;
  /** base64 of an Int8Array of length 2^dimBits. */
  weights: string;
}

export class Classifier {
  constructor(
    private readonly w: Float32Array,
    private readonly bias: number,
  ) {}

  static fromWeights(json: Weights): Classifier {
    if (json.dimBits !== DIM_BITS) throw new Error(`injection weights have ${json.dimBits} bits, the featurizer ${DIM_BITS}`);
    const q = new Int8Array(Buffer.from(json.weights, "base64").buffer.slice(0));
    const w = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) w[i] = (q[i] ?? 0) * json.scale;
    return new Classifier(w, json.bias);
  }

  static load(): Classifier {
    const path = new URL("./weights.json", import.meta.url);
    return Classifier.fromWeights(JSON.parse(readFileSync(path, "utf8")) as Weights);
  }

  /** Probability for one span of normalised text. */
  span(t: string, from: number, to: number): number {
    let sum = 0;
    const w = this.w;
    const n = forEachFeature(t, from, to, (i) => {
      sum += w[i]!;
    });
    if (n === 0) return 0;
    return 1 / (1 + Math.exp(-(this.bias + sum / Math.sqrt(n))));
  }

  /**
   * Highest probability over overlapping windows, so an attack inside a long document is not
   * diluted. One hashing pass: prefix sums of the 3-, 4- and 5-gram weights give every window's
   * sum by subtraction (same features as `span`, which training uses through forEachFeature).
   */
  score(t: string): number {
    const n = t.length;
    if (n < 3) return 0;
    if (this.codes.length < n + 1) {
      const size = Math.max(n + 1, this.codes.length * 2);
      this.p = new Float64Array(3 * size);
      this.codes = new Int32Array(size);
    }
    const p = this.p;
    prefixSums(t, this.w, p, this.codes);
    let best = 0;
    for (let from = 0; ; from += WINDOW / 2) {
      const to = Math.min(n, from + WINDOW);
      // n-grams of length k starting at i fit when i + k <= to
      const e3 = Math.max(from, to - 2);
      const e4 = Math.max(from, to - 3);
      const e5 = Math.max(from, to - 4);
      const count = e3 - from + (e4 - from) + (e5 - from);
      if (count > 0) {
        const f = 3 * from;
        const sum = p[3 * e3]! - p[f]! + (p[3 * e4 + 1]! - p[f + 1]!) + (p[3 * e5 + 2]! - p[f + 2]!);
        const prob = 1 / (1 + Math.exp(-(this.bias + sum / Math.sqrt(count))));
        if (prob > best) best = prob;
      }
      if (to >= n) break;
    }
    return best;
  }

  /** Prefix sums of the 3-, 4- and 5-gram weights, interleaved (see prefixSums). */
  private p = new Float64Array(0);
  private codes = new Int32Array(0);
}

export const WINDOW = 400;
