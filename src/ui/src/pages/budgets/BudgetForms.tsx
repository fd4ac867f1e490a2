import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { Dialog, ErrorState } from "../../components/ui";
import {
  DashboardSetBudgetDocument,
  DashboardSetRateLimitDocument,
  type BudgetAction,
  type BudgetPeriod,
  type BudgetScope,
  type DashboardBudgetFragment,
  type DashboardRateLimitFragment,
} from "../../gql/graphql";

const SCOPES: { id: BudgetScope; label: string; subject: string }[] = [
  { id: "GLOBAL", label: "Global (everything)", subject: "" },
  { id: "TEAM", label: "Team", subject: "team id, e.g. payments" },
  { id: "USER", label: "User", subject: "user id, e.g. alice" },
  { id: "KEY", label: "API key", subject: "key id (Keys page)" },
  { id: "MODEL", label: "Model", subject: "model id, e.g. openai/gpt-4o" },
  { id: "TAG", label: "Tag (cost centre)", subject: "tag, e.g. search" },
];
const ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"];

function ScopeFields({ scope, setScope, subject, setSubject, locked }: { scope: BudgetScope; setScope: (s: BudgetScope) => void; subject: string; setSubject: (s: string) => void; locked: boolean }) {
  const hint = SCOPES.find((s) => s.id === scope)!;
  return (
    <div className="grid2">
      <label>
        Applies to
        <select value={scope} onChange={(e) => setScope(e.target.value as BudgetScope)} disabled={locked}>
          {SCOPES.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      {scope !== "GLOBAL" ? (
        <label>
          Subject
          <input required value={subject} onChange={(e) => setSubject(e.target.value)} placeholder={hint.subject} disabled={locked} />
        </label>
      ) : null}
    </div>
  );
}

const numOrNull = (v: string): number | null => (v.trim() === "" ? null : Number(v));

export function BudgetDialog({ value, onClose }: { value: DashboardBudgetFragment | "new" | null; onClose: () => void }) {
  const editing = value !== null && value !== "new" ? value : null;
  return (
    <Dialog open={value !== null} onClose={onClose} title={editing ? "Edit budget" : "New budget"}>
      {value !== null ? <BudgetForm key={editing?.id ?? "new"} initial={editing} onClose={onClose} /> : null}
    </Dialog>
  );
}

function BudgetForm({ initial, onClose }: { initial: DashboardBudgetFragment | null; onClose: () => void }) {
  const [scope, setScope] = useState<BudgetScope>(initial?.scope ?? "TEAM");
  const [subject, setSubject] = useState(initial?.subject ?? "");
  const [period, setPeriod] = useState<BudgetPeriod>(initial?.period ?? "MONTH");
  const [limit, setLimit] = useState(initial ? String(initial.limitUsd) : "");
  const [thresholds, setThresholds] = useState((initial?.alertThresholds ?? [0.5, 0.8, 1]).map((t) => Math.round(t * 100)).join(", "));
  const [action, setAction] = useState<BudgetAction>(initial?.action ?? "BLOCK");
  const [timeZone, setTimeZone] = useState(initial?.timeZone ?? "UTC");
  const [webhookUrl, setWebhookUrl] = useState(initial?.webhookUrl ?? "");
  const [spikeMultiplier, setSpikeMultiplier] = useState(initial?.spikeMultiplier == null ? "" : String(initial.spikeMultiplier));
  const [spikeWindow, setSpikeWindow] = useState(initial?.spikeWindowMinutes == null ? "" : String(initial.spikeWindowMinutes));
  const [localError, setLocalError] = useState<string | null>(null);
  const [state, save] = useMutation(DashboardSetBudgetDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parts = thresholds.split(/[\s,;%]+/).filter(Boolean).map(Number);
    if (parts.some((p) => !Number.isFinite(p))) {
      setLocalError("Alert thresholds are percentages separated by commas, e.g. 50, 80, 100.");
      return;
    }
    setLocalError(null);
    const r = await save({
      input: {
        scope,
        subject: scope === "GLOBAL" ? null : subject.trim(),
        period,
        limitUsd: Number(limit),
        alertThresholds: parts.map((p) => p / 100),
        action,
        timeZone: timeZone.trim() || "UTC",
        webhookUrl: webhookUrl.trim() || null,
        spikeMultiplier: numOrNull(spikeMultiplier),
        spikeWindowMinutes: numOrNull(spikeWindow),
      },
    });
    if (!r.error) onClose();
  };

  return (
    <form className="form" onSubmit={submit}>
      <ScopeFields scope={scope} setScope={setScope} subject={subject} setSubject={setSubject} locked={initial !== null} />
      {initial ? <p className="muted">A budget is identified by what it applies to and its period; to change those, create a new budget and delete this one.</p> : null}
      <div className="grid2">
        <label>
          Period
          <select value={period} onChange={(e) => setPeriod(e.target.value as BudgetPeriod)} disabled={initial !== null}>
            <option value="DAY">Day</option>
            <option value="MONTH">Month</option>
            <option value="TOTAL">Total (never resets)</option>
          </select>
        </label>
        <label>
          Limit (USD)
          <input type="number" min={0} step="any" required value={limit} onChange={(e) => setLimit(e.target.value)} placeholder="100" />
        </label>
        <label>
          At the limit
          <select value={action} onChange={(e) => setAction(e.target.value as BudgetAction)}>
            <option value="BLOCK">Block requests</option>
            <option value="ALERT_ONLY">Only alert</option>
          </select>
        </label>
        <label>
          Time zone of the period
          <input list="budget-zones" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
          <datalist id="budget-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
      </div>
      <label>
        Alert thresholds (% of the limit)
        <input value={thresholds} onChange={(e) => setThresholds(e.target.value)} placeholder="50, 80, 100" />
      </label>
      <details>
        <summary>Webhook and spike alerts</summary>
        <div className="form" style={{ marginTop: "0.6rem" }}>
          <label>
            <span>
              Webhook URL <span className="muted">(alerts POSTed as JSON)</span>
            </span>
            <input type="url" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} placeholder="https://hooks.example.com/switchboard" />
          </label>
          <div className="grid2">
            <label>
              Spike multiple
              <input type="number" min={1} step="any" value={spikeMultiplier} onChange={(e) => setSpikeMultiplier(e.target.value)} placeholder="off" />
            </label>
            <label>
              Spike window (minutes)
              <input type="number" min={1} max={1440} step={1} value={spikeWindow} onChange={(e) => setSpikeWindow(e.target.value)} placeholder="off" />
            </label>
          </div>
        </div>
      </details>
      {localError ? (
        <div className="callout error compact" role="alert">
          {localError}
        </div>
      ) : null}
      <ErrorState error={state.error} compact />
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save budget"}
        </button>
      </div>
    </form>
  );
}

export function RateLimitDialog({ value, onClose }: { value: DashboardRateLimitFragment | "new" | null; onClose: () => void }) {
  const editing = value !== null && value !== "new" ? value : null;
  return (
    <Dialog open={value !== null} onClose={onClose} title={editing ? "Edit rate limit" : "New rate limit"}>
      {value !== null ? <RateLimitForm key={editing?.id ?? "new"} initial={editing} onClose={onClose} /> : null}
    </Dialog>
  );
}

function RateLimitForm({ initial, onClose }: { initial: DashboardRateLimitFragment | null; onClose: () => void }) {
  const [scope, setScope] = useState<BudgetScope>(initial?.scope ?? "KEY");
  const [subject, setSubject] = useState(initial?.subject ?? "");
  const [rpm, setRpm] = useState(initial?.requestsPerMinute == null ? "" : String(initial.requestsPerMinute));
  const [tpm, setTpm] = useState(initial?.tokensPerMinute == null ? "" : String(initial.tokensPerMinute));
  const [state, save] = useMutation(DashboardSetRateLimitDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await save({ input: { scope, subject: scope === "GLOBAL" ? null : subject.trim(), requestsPerMinute: numOrNull(rpm), tokensPerMinute: numOrNull(tpm) } });
    if (!r.error) onClose();
  };
  return (
    <form className="form" onSubmit={submit}>
      <ScopeFields scope={scope} setScope={setScope} subject={subject} setSubject={setSubject} locked={initial !== null} />
      <div className="grid2">
        <label>
          Requests per minute
          <input type="number" min={1} step={1} value={rpm} onChange={(e) => setRpm(e.target.value)} placeholder="no limit" />
        </label>
        <label>
          Tokens per minute
          <input type="number" min={1} step={1} value={tpm} onChange={(e) => setTpm(e.target.value)} placeholder="no limit" />
        </label>
      </div>
      <ErrorState error={state.error} compact />
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save rate limit"}
        </button>
      </div>
    </form>
  );
}
