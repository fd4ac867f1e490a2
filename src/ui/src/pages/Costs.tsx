import { lazy, Suspense, useMemo, useState } from "react";
import { useQuery } from "urql";
import { PALETTE, type ChartSeries } from "../components/Chart";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorState, Loading, PageHeader } from "../components/ui";
import { DashboardCostsDocument } from "../gql/graphql";
import { toCsv, downloadText } from "../lib/csv";
import { int, pct, usd } from "../lib/format";
import { bucketStarts, useRange, windowOf } from "../lib/range";
import { Link } from "../lib/router";
import { GROUP_DIMS, bucketTime, groupOf, type Bucket, type GroupDim } from "../lib/usage";

const Chart = lazy(() => import("../components/Chart").then((m) => ({ default: m.Chart })));
const fmtUsd = (v: number) => usd(v);
/** Groups drawn separately; the rest are summed into "Other" so the chart stays readable. */
const MAX_SERIES = 8;

interface GroupTotal {
  name: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  micro: number;
}

export default function Costs() {
  const range = useRange();
  const w = useMemo(() => windowOf(range), [range]);
  const [dim, setDim] = useState<GroupDim>("MODEL");
  const [{ data, error, fetching }, refetch] = useQuery({
    query: DashboardCostsDocument,
    variables: { from: w.from.toISOString(), to: w.to.toISOString(), groupBy: [dim, w.bucket] },
  });
  const buckets = data?.usage;
  const starts = useMemo(() => bucketStarts(w), [w]);

  const { totals, series, grand } = useMemo(() => summarise(buckets ?? [], dim, starts), [buckets, dim, starts]);
  const dimLabel = GROUP_DIMS.find((d) => d.id === dim)!.label;
  const per = w.bucket === "DAY" ? "day" : "hour";

  const exportCsv = () => {
    const rows = [...(buckets ?? [])]
      .sort((a, b) => (bucketTime(a) ?? 0) - (bucketTime(b) ?? 0) || groupOf(a, dim).localeCompare(groupOf(b, dim)))
      .map((b) => [new Date(bucketTime(b) ?? 0).toISOString(), groupOf(b, dim), b.requests, b.errors, b.inputTokens, b.outputTokens, (b.costMicroUsd / 1e6).toFixed(6)]);
    const name = `switchboard-costs-by-${dim.toLowerCase()}-${w.from.toISOString().slice(0, 16)}-${w.to.toISOString().slice(0, 16)}.csv`.replace(/:/g, "");
    downloadText(name, toCsv([`${per}_start_utc`, dim.toLowerCase(), "requests", "errors", "input_tokens", "output_tokens", "cost_usd"], rows));
  };

  return (
    <>
      <PageHeader
        title="Costs"
        subtitle="Spend grouped by any dimension over time. USD, computed from integer micro-dollars."
        actions={
          <button type="button" className="secondary" onClick={exportCsv} disabled={!buckets?.length}>
            Export CSV
          </button>
        }
      />
      <RangePicker>
        <label>
          Group by
          <select value={dim} onChange={(e) => setDim(e.target.value as GroupDim)}>
            {GROUP_DIMS.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      </RangePicker>
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : !buckets ? (
        fetching ? <Loading /> : null
      ) : buckets.length === 0 ? (
        <Empty title="No spend in this range">
          Requests show up here once they are made; try the <Link to="/playground">Playground</Link> or a longer range.
        </Empty>
      ) : (
        <>
          <Suspense fallback={<Loading label="Loading chart…" />}>
            <Chart title={`Spend per ${per} by ${dimLabel.toLowerCase()}`} unit={`USD per ${per}`} x={starts} series={series} kind="bars" stacked format={fmtUsd} utc={range.utc} bucketMs={w.bucketMs} height={280} />
          </Suspense>
          <div className="table-wrap section">
            <table data-testid="costs-table">
              <caption>Spend by {dimLabel.toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">{dimLabel}</th>
                  <th scope="col" className="num">Requests</th>
                  <th scope="col" className="num">Errors</th>
                  <th scope="col" className="num">Input tokens</th>
                  <th scope="col" className="num">Output tokens</th>
                  <th scope="col" className="num">Cost (USD)</th>
                  <th scope="col" className="num">Share</th>
                </tr>
              </thead>
              <tbody>
                {totals.map((g) => (
                  <tr key={g.name} data-group={g.name}>
                    <th scope="row">{g.name}</th>
                    <td className="num">{int(g.requests)}</td>
                    <td className="num">{int(g.errors)}</td>
                    <td className="num">{int(g.inputTokens)}</td>
                    <td className="num">{int(g.outputTokens)}</td>
                    <td className="num" data-field="cost">{usd(g.micro / 1e6)}</td>
                    <td className="num">{grand.micro > 0 ? pct(g.micro / grand.micro) : "—"}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td className="num">{int(grand.requests)}</td>
                  <td className="num">{int(grand.errors)}</td>
                  <td className="num">{int(grand.inputTokens)}</td>
                  <td className="num">{int(grand.outputTokens)}</td>
                  <td className="num" data-testid="costs-total">{usd(grand.micro / 1e6)}</td>
                  <td className="num">100 %</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </>
  );
}

function summarise(buckets: Bucket[], dim: GroupDim, starts: number[]): { totals: GroupTotal[]; series: ChartSeries[]; grand: GroupTotal } {
  const by = new Map<string, GroupTotal>();
  const grand: GroupTotal = { name: "Total", requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, micro: 0 };
  for (const b of buckets) {
    const name = groupOf(b, dim);
    const g = by.get(name) ?? { name, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, micro: 0 };
    for (const t of [g, grand]) {
      t.requests += b.requests;
      t.errors += b.errors;
      t.inputTokens += b.inputTokens;
      t.outputTokens += b.outputTokens;
      t.micro += b.costMicroUsd;
    }
    by.set(name, g);
  }
  const totals = [...by.values()].sort((a, b) => b.micro - a.micro || b.requests - a.requests);
  const shown = totals.slice(0, totals.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES).map((g) => g.name);
  const index = new Map(starts.map((t, i) => [t, i]));
  const values = new Map<string, number[]>();
  const other = new Array<number>(starts.length).fill(0);
  for (const name of shown) values.set(name, new Array<number>(starts.length).fill(0));
  for (const b of buckets) {
    const i = index.get(bucketTime(b) ?? -1);
    if (i === undefined) continue;
    const arr = values.get(groupOf(b, dim)) ?? other;
    arr[i] = (arr[i] ?? 0) + b.costMicroUsd / 1e6;
  }
  const series: ChartSeries[] = shown.map((name, i) => ({ label: name, color: PALETTE[i % PALETTE.length]!, values: values.get(name)! }));
  if (totals.length > shown.length) series.push({ label: `Other (${totals.length - shown.length})`, color: "#98a1b3", values: other });
  return { totals, series, grand };
}
