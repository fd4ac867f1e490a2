import { useState, type FormEvent } from "react";
import { probeKey } from "../lib/client";

/** Sign in by pasting an API key; it is checked against the gateway before it is kept. */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) {
      setError("Paste an API key first. Keys start with sb-.");
      return;
    }
    setBusy(true);
    setError(null);
    const r = await probeKey(k);
    setBusy(false);
    if (r.ok) return onSignedIn(k);
    if (r.status === 401) setError("The gateway did not accept this key. Check that you pasted all of it, or ask an admin for a new one (the first admin key is printed once when the gateway first starts).");
    else if (r.status === 0) setError("The gateway cannot be reached. Check that Switchboard is running, then try again.");
    else setError(`The gateway answered ${r.status}${r.message ? `: ${r.message}` : ""}. Try again.`);
  };

  return (
    <main className="signin">
      <form onSubmit={submit} className="card signin-card" aria-describedby="signin-help">
        <h1>
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={28} height={28} /> Switchboard
        </h1>
        <p id="signin-help" className="muted">
          Sign in with a Switchboard API key. It is kept in this tab's session storage only and removed when you sign out or close the tab.
        </p>
        {notice ? (
          <div className="callout info" role="status">
            {notice}
          </div>
        ) : null}
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autoComplete="off"
            spellCheck={false}
            placeholder="sb-…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "signin-error" : undefined}
            autoFocus
          />
        </label>
        {error ? (
          <div id="signin-error" className="callout error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
