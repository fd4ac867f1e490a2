import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FastCounter, FastHistogram } from "../../src/core/observability/fast-histogram.js";

// The fast metrics must print exactly what prom-client's own would for the same observations.
describe("FastHistogram and FastCounter", () => {
  it("expose the same text as prom-client's Histogram and Counter", async () => {
    const bounds = [0.01, 0.1, 1, 10];
    const a = new Registry();
    const b = new Registry();
    const ref = new Histogram({ name: "h_seconds", help: "help \\ with \"quotes\"", labelNames: ["model", "error_type"], buckets: bounds, registers: [a] });
    const refC = new Counter({ name: "c_total", help: "a counter", labelNames: ["status", "error_type"], registers: [a] });
    const fast = new FastHistogram("h_seconds", "help \\ with \"quotes\"", ["model", "error_type"], bounds, b);
    const fastC = new FastCounter("c_total", "a counter", ["status", "error_type"], b);
    const obs: [Record<string, string>, number][] = [
      [{ model: "m1" }, 0.005],
      [{ model: "m1" }, 0.01],
      [{ model: "m1" }, 0.5],
      [{ model: "m1" }, 99],
      [{ model: "m\"2\n" }, 3],
      [{ model: "m1", error_type: "UPSTREAM_ERROR" }, 0.2],
      [{ model: "m1", error_type: "" }, 0.2],
    ];
    const m1 = fast.labels({ model: "m1" });
    for (const [labels, v] of obs) {
      ref.observe(labels, v);
      if (labels.model === "m1" && labels.error_type === undefined) m1.observe(v);
      else fast.observe(labels, v);
      refC.inc({ status: v > 1 ? "error" : "ok", error_type: "" }, v);
      fastC.inc({ status: v > 1 ? "error" : "ok", error_type: "" }, v);
    }
    const text = async (r: Registry) => (await r.metrics()).split("\n").sort().join("\n");
    expect(await text(b)).toEqual(await text(a));
    expect(await b.metrics()).toContain('h_seconds_bucket{le="0.01",model="m1"} 2');
  });
});
