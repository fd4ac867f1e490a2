import { describe, expect, it } from "vitest";
import { bucketLower, bucketOf, bucketUpper, emptyHist, HIST_BUCKETS, quantile } from "../../src/core/observability/histogram.js";
import { plan } from "../../src/core/observability/usage-query.js";
import { rng } from "../helpers/usage-records.js";

const H = 3_600_000;
const D = 86_400_000;

describe("latency histogram", () => {
  it("puts every value in the bucket whose bounds hold it", () => {
    const r = rng(5);
    for (let i = 0; i < 10_000; i++) {
      const v = Math.exp(Math.log(0.5) + r() * Math.log(3_000_000 / 0.5));
      const b = bucketOf(v);
      expect(b).toBeGreaterThan(0);
      expect(b).toBeLessThan(HIST_BUCKETS - 1);
      expect(bucketLower(b)).toBeLessThanOrEqual(v * (1 + 1e-12));
      expect(bucketUpper(b)).toBeGreaterThan(v * (1 - 1e-12));
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-1)).toBe(0);
    expect(bucketOf(1e12)).toBe(HIST_BUCKETS - 1);
  });

  it("estimates quantiles within a quarter octave of the exact nearest-rank value", () => {
    const r = rng(11);
    for (const n of [1, 2, 10, 999, 20_000]) {
      const values = Array.from({ length: n }, () => Math.exp(Math.log(2) + r() ** 2 * Math.log(20_000)));
      const h = emptyHist();
      for (const v of values) h[bucketOf(v)]!++;
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.95, 0.99, 1]) {
        const exact = sorted[Math.max(1, Math.ceil(q * n)) - 1]!;
        const est = quantile(h, q)!;
        expect(est / exact).toBeGreaterThan(2 ** -0.25);
        expect(est / exact).toBeLessThan(2 ** 0.25);
      }
    }
    expect(quantile(emptyHist(), 0.5)).toBeNull();
  });
});

describe("usage range plan", () => {
  const cover = (segs: ReturnType<typeof plan>, from: number, to: number) => {
    expect(segs[0]!.from).toBe(from);
    expect(segs.at(-1)!.to).toBe(to);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
  };

  it("uses raw records only at unaligned edges, hours around whole days", () => {
    const base = 20_000 * D;
    const from = base + 5 * H + 17_000;
    const to = base + 3 * D - 3 * H - 1;
    const segs = plan(from, to, false);
    cover(segs, from, to);
    expect(segs.map((s) => (s.source.kind === "raw" ? "raw" : s.source.grain))).toEqual(["raw", "hour", "day", "hour", "raw"]);
    expect(segs.filter((s) => s.source.kind === "raw").every((s) => s.to - s.from < H)).toBe(true);
  });

  it("never uses daily rows when grouping by hour, and raw only inside one hour", () => {
    const base = 20_000 * D;
    const byHour = plan(base + 1, base + 2 * D, true);
    cover(byHour, base + 1, base + 2 * D);
    expect(byHour.map((s) => (s.source.kind === "raw" ? "raw" : s.source.grain))).toEqual(["raw", "hour"]);
    expect(plan(base + 10, base + 20, false)).toEqual([{ source: { kind: "raw" }, from: base + 10, to: base + 20 }]);
    expect(plan(base, base + 30 * D, false).map((s) => (s.source.kind === "raw" ? "raw" : s.source.grain))).toEqual(["day"]);
  });
});
