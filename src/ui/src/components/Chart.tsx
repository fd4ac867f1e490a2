import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { localZone } from "../lib/format";

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x; null leaves a gap. */
  values: (number | null)[];
}

export interface ChartProps {
  title: string;
  /** Unit of the y axis, shown in its label ("USD", "requests/min", "ms"). */
  unit: string;
  /** Bucket starts, ms since the epoch. */
  x: number[];
  series: ChartSeries[];
  kind?: "line" | "bars";
  /** Bars stacked on each other (the legend still shows each series' own value). */
  stacked?: boolean;
  format: (v: number) => string;
  utc: boolean;
  /** Width of a bucket (ms), for the legend's time label. */
  bucketMs: number;
  height?: number;
}

export const PALETTE = ["#2f5bea", "#e8793a", "#1a9e77", "#c2417a", "#7a5cd6", "#b8962e", "#2b9fc1", "#8c6d5a", "#5f7a8a"];

const cssVar = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * A uPlot time series (canvas: 100 k points draw in milliseconds). Times are shown in the browser's
 * zone or UTC as the range picker says; the axis label names the zone and the y unit.
 */
export function Chart({ title, unit, x, series, kind = "line", stacked = false, format, utc, bucketMs, height = 240 }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const xs = x.map((t) => t / 1000);
    // Stacking: each drawn series is the running total; drawn largest first so smaller ones sit on top.
    const drawn = stacked ? cumulative(series) : series.map((s) => s.values);
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const text = cssVar("--muted", "#5d6678");
    const grid = cssVar("--border", "#dde1e8");
    const tz = utc ? "Etc/UTC" : Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = utc ? "UTC" : tz;
    const dayBuckets = bucketMs >= 86_400_000;
    const legendTime = new Intl.DateTimeFormat(undefined, { timeZone: tz, month: "short", day: "numeric", ...(dayBuckets ? {} : { hour: "2-digit", minute: "2-digit" }) });

    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
      cursor: { points: { show: kind === "line" } },
      legend: { live: true },
      scales: {
        // Bars cover [start, start + bucket): widen the axis by one bucket so the last bar is inside it.
        x: { time: true, range: (_u, min, max) => [min, kind === "bars" ? max + bucketMs / 1000 : max] },
        y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: `Time (${zone})`, labelSize: 20, labelFont: "12px system-ui", font: "11px system-ui" },
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label: unit, labelSize: 20, labelFont: "12px system-ui", font: "11px system-ui", size: 76, labelGap: 4, values: (_u, vals) => vals.map((v) => format(v)) },
      ],
      series: [
        { label: "Time", value: (_u, v) => (v == null ? "—" : legendTime.format(new Date(v * 1000))) },
        ...order.map((i) => {
          const s = series[i]!;
          return {
            label: s.label,
            stroke: s.color,
            width: kind === "line" ? 2 : 0,
            fill: kind === "bars" ? s.color : undefined,
            spanGaps: false,
            points: { show: kind === "line" && xs.length < 60 },
            paths: kind === "bars" ? uPlot.paths.bars!({ size: [0.8, 64], align: 1 }) : undefined,
            // The legend shows the series' own value, not the stacked total.
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => {
              const raw = idx == null ? null : s.values[idx];
              return raw == null ? "—" : format(raw);
            },
          } satisfies uPlot.Series;
        }),
      ],
    };
    const data: uPlot.AlignedData = [xs, ...order.map((i) => drawn[i]!)];
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, kind, stacked, format, utc, bucketMs, height, unit]);

  const total = series.reduce((a, s) => a + s.values.reduce<number>((b, v) => b + (v ?? 0), 0), 0);
  return (
    <figure className="chart-card" aria-label={`${title} chart`}>
      <h2>{title}</h2>
      <div ref={host} role="img" aria-label={`${title} (${unit}; times in ${utc ? "UTC" : localZone}): ${series.map((s) => s.label).join(", ")} over ${x.length} buckets; sum ${format(total)}.`} />
    </figure>
  );
}

function cumulative(series: ChartSeries[]): (number | null)[][] {
  const out: (number | null)[][] = [];
  const run: number[] = [];
  series.forEach((s, si) => {
    out.push(
      s.values.map((v, i) => {
        run[i] = (si === 0 ? 0 : run[i] ?? 0) + (v ?? 0);
        return run[i]!;
      }),
    );
  });
  return out;
}
