import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { Badge, Empty, ErrorState, Loading, PageHeader } from "../components/ui";
import { DashboardRequestsDocument, type RequestFilter, type RequestStatus } from "../gql/graphql";
import { dateTime, fromLocalInput, int, localZone, ms, usd } from "../lib/format";
import { useSession } from "../lib/session";
import { RequestDrawer } from "./requests/RequestDrawer";

const PAGE = 25;

interface FilterForm {
  models: string;
  users: string;
  teams: string;
  keys: string;
  tags: string;
  status: "" | RequestStatus;
  errorCode: string;
  minLatencyMs: string;
  minCostUsd: string;
  from: string;
  to: string;
}

const EMPTY_FORM: FilterForm = { models: "", users: "", teams: "", keys: "", tags: "", status: "", errorCode: "", minLatencyMs: "", minCostUsd: "", from: "", to: "" };

function toFilter(f: FilterForm): RequestFilter | null {
  const list = (v: string) => {
    const parts = v.split(/[\s,]+/).filter(Boolean);
    return parts.length ? parts : undefined;
  };
  const filter: RequestFilter = {
    models: list(f.models),
    users: list(f.users),
    teams: list(f.teams),
    keys: list(f.keys),
    tags: list(f.tags),
    statuses: f.status ? [f.status] : undefined,
    errorCodes: list(f.errorCode.toUpperCase()),
    minLatencyMs: f.minLatencyMs ? Number(f.minLatencyMs) : undefined,
    minCostUsd: f.minCostUsd ? Number(f.minCostUsd) : undefined,
    from: f.from ? fromLocalInput(f.from)?.toISOString() : undefined,
    to: f.to ? fromLocalInput(f.to)?.toISOString() : undefined,
  };
  const set = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as RequestFilter;
  return Object.keys(set).length ? set : null;
}

export default function Requests() {
  const { isAdmin } = useSession();
  const [form, setForm] = useState<FilterForm>(EMPTY_FORM);
  const [filter, setFilter] = useState<RequestFilter | null>(null);
  // Cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardRequestsDocument, variables: { filter, first: PAGE, after } });

  const set = (k: keyof FilterForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    setFilter(toFilter(form));
    setCursors([]);
    setAfter(null);
  };
  const reset = () => {
    setForm(EMPTY_FORM);
    setFilter(null);
    setCursors([]);
    setAfter(null);
  };

  const rows = data?.requests.nodes ?? [];
  const pageInfo = data?.requests.pageInfo;
  return (
    <>
      <PageHeader
        title="Requests"
        subtitle={isAdmin ? "Every request, newest first. Select one for attempts, timings and guardrail findings." : "Your requests, newest first. Select one for attempts, timings and guardrail findings."}
        actions={
          <button type="button" className="secondary" onClick={() => refetch({ requestPolicy: "network-only" })}>
            Refresh
          </button>
        }
      />
      <form className="card form" onSubmit={apply} aria-label="Filter requests">
        <div className="grid2">
          <label>
            Models
            <input value={form.models} onChange={set("models")} placeholder="openai/gpt-4o, fast" />
          </label>
          <label>
            Status
            <select value={form.status} onChange={set("status")}>
              <option value="">any</option>
              <option value="OK">ok</option>
              <option value="ERROR">error</option>
              <option value="CANCELLED">cancelled</option>
            </select>
          </label>
          <label>
            Error code
            <input value={form.errorCode} onChange={set("errorCode")} placeholder="RATE_LIMITED" />
          </label>
          {isAdmin ? (
            <>
              <label>
                Users
                <input value={form.users} onChange={set("users")} placeholder="alice" />
              </label>
              <label>
                Teams
                <input value={form.teams} onChange={set("teams")} />
              </label>
              <label>
                Key ids
                <input value={form.keys} onChange={set("keys")} />
              </label>
            </>
          ) : null}
          <label>
            Tags
            <input value={form.tags} onChange={set("tags")} />
          </label>
          <label>
            Min latency (ms)
            <input type="number" min={0} value={form.minLatencyMs} onChange={set("minLatencyMs")} />
          </label>
          <label>
            Min cost (USD)
            <input type="number" min={0} step="any" value={form.minCostUsd} onChange={set("minCostUsd")} />
          </label>
          <label>
            <span>
              From <span className="muted">({localZone})</span>
            </span>
            <input type="datetime-local" value={form.from} onChange={set("from")} />
          </label>
          <label>
            <span>
              To <span className="muted">({localZone})</span>
            </span>
            <input type="datetime-local" value={form.to} onChange={set("to")} />
          </label>
        </div>
        <div className="form-actions">
          <button type="button" className="secondary" onClick={reset}>
            Clear filters
          </button>
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <div className="section">
        {error ? (
          <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
        ) : !data ? (
          fetching ? <Loading /> : null
        ) : rows.length === 0 ? (
          <Empty title={filter ? "No request matches these filters" : "No requests yet"}>{filter ? "Loosen or clear the filters." : "Requests appear here as soon as they are made."}</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="requests-table">
              <caption className="sr-only">Request log</caption>
              <thead>
                <tr>
                  <th scope="col">Time ({localZone})</th>
                  <th scope="col">Model</th>
                  <th scope="col">User</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Tokens in/out</th>
                  <th scope="col" className="num">TTFT</th>
                  <th scope="col" className="num">Latency</th>
                  <th scope="col" className="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-request-id={r.id}>
                    <td>
                      <button type="button" className="link" onClick={() => setOpen(r.id)} aria-label={`Details of request at ${dateTime(r.createdAt, true)}`}>
                        {dateTime(r.createdAt, true)}
                      </button>
                    </td>
                    <td>
                      <code>{r.model ?? r.requestedModel}</code>
                      {r.model && r.model !== r.requestedModel ? <div className="muted">asked {r.requestedModel}</div> : null}
                    </td>
                    <td>
                      {r.userId ?? "—"}
                      {r.teamId ? <div className="muted">{r.teamId}</div> : null}
                    </td>
                    <td>
                      <Badge tone={r.status === "OK" ? "good" : r.status === "ERROR" ? "bad" : "warn"}>{r.errorCode ?? r.status.toLowerCase()}</Badge>
                    </td>
                    <td className="num">
                      {int(r.inputTokens)} / {int(r.outputTokens)}
                    </td>
                    <td className="num">{ms(r.ttftMs)}</td>
                    <td className="num">{ms(r.latencyMs)}</td>
                    <td className="num">{usd(r.costUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="pager" aria-label="Request log pagination">
          <button
            type="button"
            className="secondary"
            disabled={cursors.length === 0}
            onClick={() => {
              setAfter(cursors.at(-1) ?? null);
              setCursors((c) => c.slice(0, -1));
            }}
          >
            ← Newer
          </button>
          <span className="muted">Page {cursors.length + 1}</span>
          <button
            type="button"
            className="secondary"
            disabled={!pageInfo?.hasNextPage}
            onClick={() => {
              setCursors((c) => [...c, after]);
              setAfter(pageInfo?.endCursor ?? null);
            }}
          >
            Older →
          </button>
        </nav>
      </div>
      <RequestDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}
