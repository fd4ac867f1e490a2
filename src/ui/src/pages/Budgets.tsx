import { useEffect, useRef, useState } from "react";
import { usePoll, useRefresh } from "../lib/client";
import { useMutation, useQuery, useSubscription } from "urql";
import { Badge, ConfirmButton, Empty, ErrorState, Loading, PageHeader } from "../components/ui";
import { BudgetDialog, RateLimitDialog } from "./budgets/BudgetForms";
import {
  DashboardBudgetAlertsDocument,
  DashboardBudgetsDocument,
  DashboardDeleteBudgetDocument,
  DashboardDeleteRateLimitDocument,
  type DashboardBudgetAlertsSubscription,
  type DashboardBudgetFragment,
  type DashboardRateLimitFragment,
} from "../gql/graphql";
import { ago, dateTime, int, short, usd } from "../lib/format";
import { useSession } from "../lib/session";

type Alert = DashboardBudgetAlertsSubscription["budgetAlerts"];
const LIST_CONTEXT = { additionalTypenames: ["Budget", "RateLimit"] };

export const scopeLabel = (scope: string, subject: string | null | undefined): string => (scope === "GLOBAL" ? "Global" : `${scope.toLowerCase()} ${subject ?? ""}`);

export default function Budgets() {
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardBudgetsDocument, context: LIST_CONTEXT });
  const [editing, setEditing] = useState<DashboardBudgetFragment | "new" | null>(null);
  const [editingLimit, setEditingLimit] = useState<DashboardRateLimitFragment | "new" | null>(null);
  const [delState, del] = useMutation(DashboardDeleteBudgetDocument);
  const [delLimitState, delLimit] = useMutation(DashboardDeleteRateLimitDocument);
  const reload = useRefresh(refetch, fetching);
  // Spent and reserved move with every request: refresh while the page is open.
  usePoll(reload, 10_000);

  return (
    <>
      <PageHeader
        title="Budgets"
        subtitle="Spending limits per key, user, team, model, tag or globally. Requests hold their worst-case cost while they run; spent is settled cost."
        actions={
          isAdmin ? (
            <>
              <button type="button" onClick={() => setEditing("new")}>
                New budget
              </button>
              <button type="button" className="secondary" onClick={() => setEditingLimit("new")}>
                New rate limit
              </button>
            </>
          ) : null
        }
      />
      <ErrorState error={delState.error ?? delLimitState.error} compact />
      <div className="two-col">
        <div>
          {error ? (
            <ErrorState error={error} retry={reload} />
          ) : !data ? (
            fetching ? <Loading /> : null
          ) : (
            <>
              <BudgetList
                budgets={data.budgets}
                onEdit={setEditing}
                onDelete={async (b) => {
                  const r = await del({ id: b.id });
                  if (!r.error) reload();
                }}
              />
              <RateLimits
                limits={data.rateLimits}
                onEdit={setEditingLimit}
                onDelete={async (l) => {
                  const r = await delLimit({ id: l.id });
                  if (!r.error) reload();
                }}
              />
            </>
          )}
        </div>
        <AlertFeed onAlert={reload} />
      </div>
      <BudgetDialog value={editing} onClose={() => setEditing(null)} />
      <RateLimitDialog value={editingLimit} onClose={() => setEditingLimit(null)} />
    </>
  );
}

function BudgetBar({ b }: { b: DashboardBudgetFragment }) {
  const limit = b.limitUsd || 1e-9;
  const spent = Math.min(100, (b.spentUsd / limit) * 100);
  const reserved = Math.min(100 - spent, (b.reservedUsd / limit) * 100);
  return (
    <div
      className="bar"
      role="meter"
      aria-valuemin={0}
      aria-valuemax={b.limitUsd}
      aria-valuenow={b.spentUsd}
      aria-valuetext={`${usd(b.spentUsd)} spent and ${usd(b.reservedUsd)} reserved of ${usd(b.limitUsd)}`}
      aria-label={`${scopeLabel(b.scope, b.subject)} budget use`}
    >
      <div className={`spent${b.spentUsd >= b.limitUsd ? " over" : ""}`} style={{ width: `${spent}%` }} />
      <div className="reserved" style={{ left: `${spent}%`, width: `${reserved}%` }} />
      {b.alertThresholds.filter((t) => t < 1).map((t) => (
        <div key={t} className="tick" style={{ left: `${t * 100}%` }} title={`alert at ${Math.round(t * 100)} %`} />
      ))}
    </div>
  );
}

function BudgetList({ budgets, onEdit, onDelete }: { budgets: DashboardBudgetFragment[]; onEdit: (b: DashboardBudgetFragment) => void; onDelete: (b: DashboardBudgetFragment) => Promise<void> }) {
  const { isAdmin } = useSession();
  if (budgets.length === 0) return <Empty title="No budgets">{isAdmin ? "Create one with “New budget”: requests over it are refused with BUDGET_EXCEEDED." : "None covers your requests."}</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="budgets-table">
        <caption>
          Budgets{" "}
          <span className="legend-dots">
            <span className="l-spent">spent</span>
            <span className="l-reserved">reserved (running requests)</span>
            <span className="l-free">remaining</span>
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Applies to</th>
            <th scope="col">Period</th>
            <th scope="col">Use</th>
            <th scope="col" className="num">Remaining</th>
            <th scope="col">Resets</th>
            {isAdmin ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {budgets.map((b) => (
            <tr key={b.id} data-budget-id={b.id}>
              <th scope="row">
                {scopeLabel(b.scope, b.subject)}
                {b.action === "ALERT_ONLY" ? <Badge tone="warn">alert only</Badge> : null}
              </th>
              <td>{b.period.toLowerCase()}</td>
              <td>
                <BudgetBar b={b} />
                <div className="muted" data-field="use">
                  {usd(b.spentUsd)} spent · {usd(b.reservedUsd)} reserved · of <span data-field="limit">{usd(b.limitUsd)}</span>
                </div>
              </td>
              <td className="num">{usd(b.remainingUsd)}</td>
              <td title={b.resetsAt ? `${dateTime(b.resetsAt, true)} (period boundaries in ${b.timeZone})` : undefined}>{b.resetsAt ? ago(b.resetsAt) : "never"}</td>
              {isAdmin ? (
                <td className="right nowrap">
                  <button type="button" className="secondary small" onClick={() => onEdit(b)} aria-label={`Edit budget ${scopeLabel(b.scope, b.subject)} ${b.period}`}>
                    Edit
                  </button>{" "}
                  <ConfirmButton
                    label="Delete"
                    ariaLabel={`Delete budget ${scopeLabel(b.scope, b.subject)} ${b.period}`}
                    confirmText={<>Delete the {b.period.toLowerCase()} budget of {scopeLabel(b.scope, b.subject)}? Requests it covers are no longer limited by it.</>}
                    onConfirm={() => onDelete(b)}
                  />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RateLimits({ limits, onEdit, onDelete }: { limits: DashboardRateLimitFragment[]; onEdit: (l: DashboardRateLimitFragment) => void; onDelete: (l: DashboardRateLimitFragment) => Promise<void> }) {
  const { isAdmin } = useSession();
  return (
    <section className="section" aria-labelledby="rl-h">
      <h2 id="rl-h">Rate limits</h2>
      <p className="muted">Requests and tokens per minute (sliding 60 s window), shared by every instance.</p>
      {limits.length === 0 ? (
        <Empty title="No rate limits">{isAdmin ? "Add one with “New rate limit”." : "None applies to you."}</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="ratelimits-table">
            <thead>
              <tr>
                <th scope="col">Applies to</th>
                <th scope="col" className="num">Requests / min (used)</th>
                <th scope="col" className="num">Tokens / min (used)</th>
                {isAdmin ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {limits.map((l) => (
                <tr key={l.id}>
                  <th scope="row">{scopeLabel(l.scope, l.subject)}</th>
                  <td className="num">{l.requestsPerMinute == null ? "—" : `${int(l.requestsPerMinute)} (${int(l.requestsInWindow)})`}</td>
                  <td className="num">{l.tokensPerMinute == null ? "—" : `${short(l.tokensPerMinute)} (${short(l.tokensInWindow)})`}</td>
                  {isAdmin ? (
                    <td className="right nowrap">
                      <button type="button" className="secondary small" onClick={() => onEdit(l)} aria-label={`Edit rate limit ${scopeLabel(l.scope, l.subject)}`}>
                        Edit
                      </button>{" "}
                      <ConfirmButton label="Delete" ariaLabel={`Delete rate limit ${scopeLabel(l.scope, l.subject)}`} confirmText={<>Delete the rate limit of {scopeLabel(l.scope, l.subject)}?</>} onConfirm={() => onDelete(l)} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const keepLatest = (prev: Alert[] | undefined = [], data: DashboardBudgetAlertsSubscription): Alert[] => [data.budgetAlerts, ...prev].slice(0, 50);

/** Alerts as the gateway raises them, over the graphql-ws subscription. */
function AlertFeed({ onAlert }: { onAlert: () => void }) {
  const [{ data, error }] = useSubscription({ query: DashboardBudgetAlertsDocument }, keepLatest);
  const latest = data?.[0]?.id;
  const callback = useRef(onAlert);
  callback.current = onAlert;
  // A new alert means spent moved: reload the bars once per alert.
  useEffect(() => {
    if (latest) callback.current();
  }, [latest]);
  return (
    <section className="card" aria-labelledby="alerts-h">
      <h2 id="alerts-h">
        Live alerts <Badge tone="info">subscribed</Badge>
      </h2>
      <p className="muted">Threshold crossings, blocked requests and spikes, as they happen on any instance.</p>
      <ErrorState error={error} compact />
      {!data?.length ? (
        <p className="muted" role="status">
          No alerts since you opened this page.
        </p>
      ) : (
        <ul className="feed" aria-live="polite" data-testid="alert-feed">
          {data.map((a) => (
            <li key={a.id}>
              <Badge tone={a.kind === "BLOCKED" ? "bad" : a.kind === "SPIKE" ? "warn" : "info"}>{a.kind === "THRESHOLD" && a.threshold != null ? `${Math.round(a.threshold * 100)} %` : a.kind.toLowerCase()}</Badge> <strong>{scopeLabel(a.scope, a.subject)}</strong> ({a.period.toLowerCase()}) · {usd(a.spentUsd)} of {usd(a.limitUsd)}
              <div className="muted">
                {a.message} · <time dateTime={a.at}>{dateTime(a.at, true)}</time>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
