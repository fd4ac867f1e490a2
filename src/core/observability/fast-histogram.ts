import type { Registry } from "prom-client";

// A label left out is left out of the output too, as prom-client does (not printed as ""). Names
// outside labelNames are ignored.
const labelKey = (names: readonly string[], labels: Record<string, string | undefined>): string => names.map((n) => labels[n] ?? "\u0002").join("\u0001");

function ownLabels(names: readonly string[], labels: Record<string, string | undefined>): Record<string, string> {
  const own: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) own[n] = labels[n];
  return own;
}

/** One label set's counts: `counts[i]` for `value <= bounds[i]`, the last slot for +Inf (not cumulative). */
export interface HistogramSeries {
  observe(value: number): void;
}

export interface CounterSeries {
  inc(value?: number): void;
}

class Series implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A Prometheus histogram whose per-request cost is a bucket increment on a series object the caller
 * keeps. prom-client's own `Histogram#observe`, even on a `labels()` child, validates and hashes the
 * label set on every call; with five observations per request that was most of the metrics' cost on
 * the request path. This class plugs into the same prom-client Registry (it has the `get()` the
 * registry reads) and is exposed in exactly prom-client's text format: cumulative `_bucket{le}`
 * lines, `+Inf`, `_sum`, `_count`.
 */
export class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of one label set (every label name given, in any order); keep it for the hot path. */
  labels(labels: Record<string, string>): HistogramSeries {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      const own = ownLabels(this.labelNames, labels);
      this.series.set(key, (s = new Series(own, this.bounds)));
    }
    return s;
  }

  observe(labels: Record<string, string>, value: number): void {
    this.labels(labels).observe(value);
  }

  /** Drops every series (the caller's cached series objects then count into nothing exported). */
  reset(): void {
    this.series.clear();
  }

  /** What prom-client's Registry reads to print the metric. */
  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string; sharedLabels?: Record<string, string> }[] } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string; sharedLabels?: Record<string, string> }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.bounds[i]! }, value: acc, metricName: bucket, sharedLabels: s.labels });
      }
      values.push({ labels: { le: "+Inf" }, value: s.count, metricName: bucket, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.sum, metricName: `${this.name}_sum`, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.count, metricName: `${this.name}_count`, sharedLabels: s.labels });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** A Prometheus counter on the same terms as FastHistogram: the caller keeps a series and adds to it. */
export class FastCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly series = new Map<string, { labels: Record<string, string>; value: number; inc(v?: number): void }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  labels(labels: Record<string, string>): CounterSeries {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      const own = ownLabels(this.labelNames, labels);
      s = {
        labels: own,
        value: 0,
        inc(v = 1) {
          if (v >= 0 && Number.isFinite(v)) this.value += v;
        },
      };
      this.series.set(key, s);
    }
    return s;
  }

  inc(labels: Record<string, string>, value = 1): void {
    this.labels(labels).inc(value);
  }

  reset(): void {
    this.series.clear();
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string>; value: number }[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
}
