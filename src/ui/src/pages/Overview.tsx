import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { PALETTE } from "../components/Chart";
import { RangePicker } from "../components/RangePicker";
import { Badge, Empty, ErrorState, Loading, PageHeader, Stat } from "../components/ui";
import {
  DashboardLiveRequestsDocument,
  DashboardOverviewDocument,
  DashboardRequestsDocument,
  type DashboardLiveRequestsSubscription,
  type DashboardOverviewQuery,
  type DashboardRequestRowFragment,
} from "../gql/graphql";
import { ago, int, ms, pct, short, usd } from "../lib/format";
import { bucketStarts, useRange, windowOf } from "../lib/range";
import { Link } from "../lib/router";
import { useSession } from "../lib/session";
import { alignTo, sumUsd, type Bucket } from "../lib/usage";

const Chart = lazy(() => import("../components/Chart").then((m) => ({ default: m.Chart })));

/** Three significant digits at most, so small rates (0.0167 requests/min) do not all read 0.01. */
const fmtRate = (v: number) => (v === 0 ? "0" : v >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(v >= 1 ? 3 : 2))));
const fmtUsd = (v: number) => usd(v);
const fmtMs = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}`);

export default function Overview() {
  const range = useRange();
  const w = useMemo(() => windowOf(range), [range]);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: DashboardOverviewDocument,
    variables: { from: w.from.toISOString(), to: w.to.toISOString(), time: w.bucket },
  });

  return (
    <>
      <PageHeader title="Overview" subtitle="Traffic, errors, spend and latency over the chosen range." />
      <RangePicker />
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : !data ? (
        fetching ? <Loading /> : null
      ) : (
        <OverviewBody data={data} />
      )}
      <LiveTicker />
    </>
  );
}

function OverviewBody({ data }: { data: DashboardOverviewQuery }) {
  const range = useRange();
  const w = useMemo(() => windowOf(range), [range]);
  const t = data.total[0];
  const minutes = (w.to.getTime() - w.from.getTime()) / 60_000;
  const starts = useMemo(() => bucketStarts(w), [w]);
  const perMin = w.bucketMs / 60_000;
  const charts = useMemo(() => {
    const s = data.series;
    return {
      traffic: [
        { label: "Requests/min", color: PALETTE[0]!, values: alignTo(starts, s, (b) => b.requests / perMin) },
        { label: "Errors/min", color: "#d92d20", values: alignTo(starts, s, (b) => b.errors / perMin) },
      ],
      spend: [{ label: "Spend", color: PALETTE[2]!, values: alignTo(starts, s, (b) => b.costMicroUsd / 1e6) }],
      latency: [
        { label: "TTFT p50", color: PALETTE[0]!, values: alignTo(starts, s, (b) => b.ttft.p50Ms, null) },
        { label: "TTFT p95", color: PALETTE[1]!, values: alignTo(starts, s, (b) => b.ttft.p95Ms, null) },
        { label: "ITL p50", color: PALETTE[3]!, values: alignTo(starts, s, (b) => b.itl.p50Ms, null) },
      ],
    };
  }, [data.series, starts, perMin]);

  if (!t || t.requests === 0) {
    return (
      <Empty title="No requests in this range">
        Send one from the <Link to="/playground">Playground</Link> or pick a longer range.
      </Empty>
    );
  }
  const per = w.bucket === "DAY" ? "day" : "hour";
  return (
    <>
      <div className="stats" data-testid="overview-stats">
        <Stat label="Requests" value={<span data-testid="kpi-requests">{int(t.requests)}</span>} sub={`${fmtRate(t.requests / minutes)} per min`} />
        <Stat label="Error rate" value={pct(t.requests ? t.errors / t.requests : 0)} sub={`${int(t.errors)} errors`} />
        <Stat label="Spend" value={<span data-testid="kpi-spend">{usd(t.costMicroUsd / 1e6)}</span>} />
        <Stat label="Tokens in / out" value={`${short(t.inputTokens)} / ${short(t.outputTokens)}`} />
        <Stat label="TTFT p50 / p95" value={`${ms(t.ttft.p50Ms)}`} sub={`p95 ${ms(t.ttft.p95Ms)}`} />
        <Stat label="ITL p50 / p95" value={`${ms(t.itl.p50Ms)}`} sub={`p95 ${ms(t.itl.p95Ms)}`} />
      </div>
      <Suspense fallback={<Loading label="Loading charts…" />}>
        <div className="charts overview-charts">
          <Chart title="Requests and errors" unit="requests/min" x={starts} series={charts.traffic} format={fmtRate} utc={range.utc} bucketMs={w.bucketMs} />
          <Chart title={`Spend per ${per}`} unit={`USD per ${per}`} x={starts} series={charts.spend} kind="bars" format={fmtUsd} utc={range.utc} bucketMs={w.bucketMs} />
          <Chart title="Latency" unit="ms" x={starts} series={charts.latency} format={fmtMs} utc={range.utc} bucketMs={w.bucketMs} />
        </div>
      </Suspense>
      <p className="chart-note">
        Buckets are UTC {per}s as the API rolls them up; percentiles come from histograms (within about 9 %). Spend in USD.
      </p>
      <div className="tops">
        <TopTable title="Top models by cost" rows={data.byModel} name={(b) => b.model ?? "(none)"} />
        <TopTable title="Top users by cost" rows={data.byUser} name={(b) => b.userId ?? "(none)"} />
        <TopTable title="Top teams by cost" rows={data.byTeam} name={(b) => b.teamId ?? "(no team)"} />
      </div>
    </>
  );
}

function TopTable<T extends Bucket>({ title, rows, name, extra }: { title: string; rows: T[]; name: (b: T) => string; extra?: { label: string; value: (b: T) => string } }) {
  const top = [...rows].sort((a, b) => b.costMicroUsd - a.costMicroUsd || b.requests - a.requests).slice(0, 5);
  const total = sumUsd(rows);
  return (
    <table className="narrow">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" className="num">Requests</th>
          {extra ? <th scope="col" className="num">{extra.label}</th> : null}
          <th scope="col" className="num">Cost</th>
          <th scope="col" className="num">Share</th>
        </tr>
      </thead>
      <tbody>
        {top.length === 0 ? (
          <tr>
            <td colSpan={extra ? 5 : 4} className="muted">
              No data
            </td>
          </tr>
        ) : (
          top.map((b) => (
            <tr key={name(b)}>
              <th scope="row">{name(b)}</th>
              <td className="num">{int(b.requests)}</td>
              {extra ? <td className="num">{extra.value(b)}</td> : null}
              <td className="num">{usd(b.costMicroUsd / 1e6)}</td>
              <td className="num">{total > 0 ? pct(b.costMicroUsd / 1e6 / total, 0) : "—"}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** The newest requests: the log's latest once, then each request as the gateway commits it (`liveRequests`). */
function LiveTicker() {
  const { has } = useSession();
  if (!has("Query.requests") || !has("Subscription.liveRequests")) return null;
  return <Ticker />;
}

const TICKER_SIZE = 8;
const TICKER_VARS = { first: TICKER_SIZE };
type Row = DashboardRequestRowFragment;

const keepLatest = (prev: Row[] | undefined = [], data: DashboardLiveRequestsSubscription): Row[] => [data.liveRequests, ...prev].slice(0, TICKER_SIZE);

/** Re-renders every `ms` while the tab is visible, so "5 seconds ago" keeps telling the truth without a request. */
function useClock(ms: number): void {
  const [, setNow] = useState(0);
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === "visible") setNow(Date.now());
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}

function Ticker() {
  const [{ data, error }] = useQuery({ query: DashboardRequestsDocument, variables: TICKER_VARS, requestPolicy: "network-only" });
  const [{ data: live, error: liveError }] = useSubscription({ query: DashboardLiveRequestsDocument }, keepLatest);
  useClock(5_000);
  // Live entries first; one that committed before the first page loaded may be in both.
  const rows = useMemo(() => {
    const out: Row[] = [];
    const seen = new Set<string>();
    for (const r of [...(live ?? []), ...(data?.requests.nodes ?? [])]) {
      if (seen.has(r.id) || out.length === TICKER_SIZE) continue;
      seen.add(r.id);
      out.push(r);
    }
    return out;
  }, [live, data]);
  return (
    <section className="section" aria-labelledby="ticker-h">
      <h2 id="ticker-h">
        Latest requests <Badge tone="info">live</Badge>
      </h2>
      <ErrorState error={error ?? liveError} compact />
      {rows.length === 0 ? (
        <Empty title="No requests yet">They appear here as they happen.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="ticker">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Tokens in/out</th>
                <th scope="col" className="num">Latency</th>
                <th scope="col" className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  <td>{ago(r.createdAt)}</td>
                  <td>
                    <code>{r.model ?? r.requestedModel}</code>
                  </td>
                  <td>{r.userId ?? "—"}</td>
                  <td>
                    <Badge tone={r.status === "OK" ? "good" : r.status === "ERROR" ? "bad" : "warn"}>{r.errorCode ?? r.status.toLowerCase()}</Badge>
                  </td>
                  <td className="num">
                    {int(r.inputTokens)} / {int(r.outputTokens)}
                  </td>
                  <td className="num">{ms(r.latencyMs)}</td>
                  <td className="num">{usd(r.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
