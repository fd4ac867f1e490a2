import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { CombinedError } from "@urql/core";
import { describeError } from "../lib/errors";

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div className="actions">{actions}</div> : null}
    </header>
  );
}

export function ErrorState({ error, retry, compact }: { error: CombinedError | Error | null | undefined; retry?: () => void; compact?: boolean }) {
  const p = describeError(error);
  const ref = useRef<HTMLDivElement>(null);
  // In a long form the message can appear below the fold; bring it into view once.
  useEffect(() => {
    if (p) ref.current?.scrollIntoView({ block: "nearest" });
  }, [p?.detail, p?.code]);
  if (!p) return null;
  return (
    <div ref={ref} className={`callout error${compact ? " compact" : ""}`} role="alert" data-code={p.code}>
      <strong>{p.title}.</strong> <span>{p.hint}</span>
      {p.detail ? <div className="detail">{p.detail}</div> : null}
      {retry ? (
        <button type="button" className="secondary small" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Badge({ tone = "neutral", children, title }: { tone?: "neutral" | "good" | "warn" | "bad" | "info"; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A modal on the native <dialog>: focus is trapped, Esc closes, focus returns to the opener. */
export function Dialog({ open, onClose, title, children, variant = "modal" }: { open: boolean; onClose: () => void; title: string; children: ReactNode; variant?: "modal" | "drawer" }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={variant} aria-labelledby={titleId} onClose={onClose}>
      {open ? (
        <>
          <div className="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="icon" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </div>
          <div className="dialog-body">{children}</div>
        </>
      ) : null}
    </dialog>
  );
}

/** Confirms a destructive action in a dialog instead of window.confirm (which blocks the page and tests). */
export function ConfirmButton({ label, confirmText, onConfirm, busy, className = "danger small", ariaLabel }: { label: string; confirmText: ReactNode; onConfirm: () => void | Promise<void>; busy?: boolean; className?: string; ariaLabel?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} disabled={busy} aria-label={ariaLabel}>
        {label}
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`${label}?`}>
        <p>{confirmText}</p>
        <div className="form-actions">
          <button type="button" className="secondary" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={async () => {
              setOpen(false);
              await onConfirm();
            }}
          >
            {label}
          </button>
        </div>
      </Dialog>
    </>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("manual"); // clipboard blocked (permissions, insecure origin): the text is selectable
    }
  };
  return (
    <button type="button" className="secondary small" onClick={copy} aria-live="polite">
      {state === "copied" ? "Copied" : state === "manual" ? "Select and press Ctrl+C" : label}
    </button>
  );
}

export function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  );
}

/** Shown on pages whose API the connected gateway does not serve (yet). */
export function ApiMissing({ fields }: { fields: string[] }) {
  return (
    <div className="callout info" role="status" data-code="API_MISSING">
      <strong>This gateway does not serve this page's API yet.</strong> It needs {fields.map((f, i) => (
        <span key={f}>
          {i > 0 ? ", " : ""}
          <code>{f}</code>
        </span>
      ))}. Upgrade Switchboard; the page works as soon as the API is there.
    </div>
  );
}

/**
 * An on/off switch for a server-side flag. It shows the new state at once and keeps showing it until
 * the refetched value agrees (or the mutation fails), instead of snapping back while the list reloads.
 */
export function Switch({ checked, label, onChange }: { checked: boolean; label: string; onChange: (next: boolean) => Promise<{ error?: unknown }> }) {
  const [pending, setPending] = useState<boolean | null>(null);
  useEffect(() => {
    if (pending !== null && checked === pending) setPending(null);
  }, [checked, pending]);
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        checked={pending ?? checked}
        aria-label={label}
        disabled={pending !== null}
        onChange={async (e) => {
          const next = e.target.checked;
          setPending(next);
          const r = await onChange(next);
          if (r.error) setPending(null);
        }}
      />
      <span aria-hidden="true" />
    </label>
  );
}
