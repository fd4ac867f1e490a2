import { useState } from "react";
import type { CombinedError } from "@urql/core";
import { useClient } from "urql";
import { Badge, Dialog, ErrorState } from "../../components/ui";
import { useSession } from "../../lib/session";
import { DashboardInspectDocument, type DashboardInspectQuery } from "../../gql/graphql";

/** Runs the gateway's PII and injection detectors on the prompt (a dry run: nothing stored or sent). */
export function GuardrailInspect({ text }: { text: string }) {
  const { has } = useSession();
  const client = useClient();
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<DashboardInspectQuery["inspect"] | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  if (!has("Query.inspect")) return null;

  const run = async () => {
    const r = await client.query(DashboardInspectDocument, { text }, { requestPolicy: "network-only" }).toPromise();
    setError(r.error ?? null);
    setResult(r.data?.inspect ?? null);
    setOpen(true);
  };

  return (
    <>
      <button type="button" className="secondary" onClick={run} disabled={!text.trim()}>
        Check guardrails
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Guardrail check">
        <ErrorState error={error} compact />
        {result ? (
          <div data-testid="inspect-result">
            <p>
              Injection score <strong>{result.injectionScore.toFixed(2)}</strong> {result.injection ? <Badge tone="bad">injection</Badge> : <Badge tone="good">below threshold</Badge>}
            </p>
            {result.findings.length === 0 ? (
              <p>No personal data or secrets found.</p>
            ) : (
              <>
                <p>
                  Found:{" "}
                  {Object.entries(result.findings.reduce<Record<string, number>>((a, f) => ({ ...a, [f.type]: (a[f.type] ?? 0) + 1 }), {}))
                    .map(([t, n]) => `${t} × ${n}`)
                    .join(", ")}
                </p>
                <h3>Redacted</h3>
                <pre className="answer">{result.redacted}</pre>
              </>
            )}
          </div>
        ) : null}
      </Dialog>
    </>
  );
}
