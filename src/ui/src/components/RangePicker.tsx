import { useState, type FormEvent, type ReactNode } from "react";
import { fromLocalInput, localZone, toLocalInput, zoneLabel } from "../lib/format";
import { PRESETS, setRange, useRange, windowOf } from "../lib/range";

/** Preset or custom time range, plus the zone charts and tables show times in. */
export function RangePicker({ children }: { children?: ReactNode }) {
  const r = useRange();
  const w = windowOf(r);
  const [from, setFrom] = useState(toLocalInput(w.from));
  const [to, setTo] = useState(toLocalInput(w.to));
  const [err, setErr] = useState<string | null>(null);

  const applyCustom = (e?: FormEvent) => {
    e?.preventDefault();
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (!f || !t || f >= t) {
      setErr("Choose a start before the end.");
      return;
    }
    setErr(null);
    setRange({ preset: "custom", from: f, to: t });
  };

  return (
    <form className="toolbar range" aria-label="Time range" onSubmit={applyCustom}>
      {children}
      <div className="segmented" role="group" aria-label="Range presets">
        {PRESETS.map((p) => (
          <button key={p.id} type="button" aria-pressed={r.preset === p.id} onClick={() => setRange({ preset: p.id, tick: r.tick + 1 })}>
            {p.label}
          </button>
        ))}
        <button type="submit" aria-pressed={r.preset === "custom"} title="Use the From and To below">
          Custom
        </button>
      </div>
      <label>
        <span>
          From <span className="muted">(local time)</span>
        </span>
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        <span>
          To <span className="muted">(local time)</span>
        </span>
        <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <label>
        Times in
        <select value={r.utc ? "utc" : "local"} onChange={(e) => setRange({ utc: e.target.value === "utc" })}>
          <option value="local">{zoneLabel(localZone)}</option>
          <option value="utc">UTC</option>
        </select>
      </label>
      <button type="button" className="secondary" onClick={() => setRange({ tick: r.tick + 1 })} title="Move the range's end to now and reload">
        Refresh
      </button>
      {err ? (
        <span className="callout error compact" role="alert">
          {err}
        </span>
      ) : null}
    </form>
  );
}
