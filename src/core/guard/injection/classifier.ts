import { readFileSync } from "node:fs";
import { DIM, DIM_BITS, forEachFeature } from "./features.js";

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
    if (this.p3.length < n + 1) {
      const size = Math.max(n + 1, this.p3.length * 2);
      this.p3 = new Float64Array(size);
      this.p4 = new Float64Array(size);
      this.p5 = new Float64Array(size);
    }
    const { w, p3, p4, p5 } = this;
    p3[0] = p4[0] = p5[0] = 0;
    for (let i = 0; i < n; i++) {
      let h = 0x811c9dc5;
      h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
      let a = 0;
      let b = 0;
      let c = 0;
      if (i + 2 < n) {
        h = Math.imul(h ^ t.charCodeAt(i + 1), 0x01000193);
        h = Math.imul(h ^ t.charCodeAt(i + 2), 0x01000193);
        a = w[(h ^ (h >>> BITS) ^ 2) & MASK]!;
        if (i + 3 < n) {
          h = Math.imul(h ^ t.charCodeAt(i + 3), 0x01000193);
          b = w[(h ^ (h >>> BITS) ^ 3) & MASK]!;
          if (i + 4 < n) {
            h = Math.imul(h ^ t.charCodeAt(i + 4), 0x01000193);
            c = w[(h ^ (h >>> BITS) ^ 4) & MASK]!;
          }
        }
      }
      p3[i + 1] = p3[i]! + a;
      p4[i + 1] = p4[i]! + b;
      p5[i + 1] = p5[i]! + c;
    }
    let best = 0;
    for (let from = 0; ; from += WINDOW / 2) {
      const to = Math.min(n, from + WINDOW);
      // n-grams of length k starting at i fit when i + k <= to
      const e3 = Math.max(from, to - 2);
      const e4 = Math.max(from, to - 3);
      const e5 = Math.max(from, to - 4);
      const count = e3 - from + (e4 - from) + (e5 - from);
      if (count > 0) {
        const sum = p3[e3]! - p3[from]! + (p4[e4]! - p4[from]!) + (p5[e5]! - p5[from]!);
        const p = 1 / (1 + Math.exp(-(this.bias + sum / Math.sqrt(count))));
        if (p > best) best = p;
      }
      if (to >= n) break;
    }
    return best;
  }

  private p3 = new Float64Array(0);
  private p4 = new Float64Array(0);
  private p5 = new Float64Array(0);
}

const MASK = DIM - 1;
/** A module-local copy: under tsx an imported binding is a getter call, and this loop reads it per character. */
const BITS = DIM_BITS;

export const WINDOW = 400;
