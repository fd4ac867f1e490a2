import { useState, type FormEvent } from "react";
import type { CombinedError } from "@urql/core";
import { useClient } from "urql";
import { Badge, ErrorState } from "../../components/ui";
import { DashboardExplainRouteDocument, type DashboardExplainRouteQuery } from "../../gql/graphql";
import { int } from "../../lib/format";

type Explanation = DashboardExplainRouteQuery["explainRoute"];

/** A routing dry run: which rule decides and the order targets would be tried in. Calls no provider. */
export function ExplainRoute({ models }: { models: string[] }) {
  const client = useClient();
  const [model, setModel] = useState("");
  const [prompt, setPrompt] = useState("");
  const [tags, setTags] = useState("");
  const [tools, setTools] = useState(false);
  const [result, setResult] = useState<Explanation | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const tagList = tags.split(/[\s,]+/).filter(Boolean);
    const r = await client
      .query(
        DashboardExplainRouteDocument,
        {
          input: {
            model: model.trim(),
            messages: [{ role: "USER", content: prompt }],
            ...(tagList.length ? { tags: tagList } : {}),
            ...(tools ? { tools: [{ name: "lookup", description: "placeholder tool for the dry run", parameters: { type: "object", properties: {} } }] } : {}),
          },
        },
        { requestPolicy: "network-only" },
      )
      .toPromise();
    setBusy(false);
    setError(r.error ?? null);
    setResult(r.data?.explainRoute ?? null);
  };

  return (
    <section className="section card" aria-labelledby="explain-h">
      <h2 id="explain-h">Explain a route</h2>
      <p className="muted">Paste a prompt to see which rule decides and which targets would be tried, in order, and why others are skipped. Nothing is sent to a provider.</p>
      <form className="form" onSubmit={submit} aria-label="Explain a route">
        <div className="grid2">
          <label>
            Requested model or router name
            <input required value={model} onChange={(e) => setModel(e.target.value)} list="explain-models" placeholder="auto" />
            <datalist id="explain-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
          <label>
            Tags
            <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="search" />
          </label>
        </div>
        <label>
          Prompt
          <textarea rows={4} required value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="def fib(n): …" />
        </label>
        <div className="form-actions">
          <label className="inline">
            <input type="checkbox" checked={tools} onChange={(e) => setTools(e.target.checked)} /> Request uses tools
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "Explaining…" : "Explain"}
          </button>
        </div>
      </form>
      <ErrorState error={error} compact />
      {result ? <ExplanationView e={result} /> : null}
    </section>
  );
}

function ExplanationView({ e }: { e: Explanation }) {
  let order = 0;
  return (
    <div data-testid="explanation">
      <dl className="kv">
        <dt>Request kind</dt>
        <dd data-testid="explain-kind">{e.requestKind}</dd>
        <dt>Prompt tokens (estimate)</dt>
        <dd>{int(e.promptTokens)}</dd>
        <dt>Decided by</dt>
        <dd data-testid="explain-rule">{e.rule ? `${e.rule.name} (priority ${e.rule.priority}, ${e.rule.strategy.toLowerCase().replace("_", " ")})` : "no rule matched: the requested model is served directly"}</dd>
      </dl>
      {e.errorCode ? (
        <div className="callout error compact" role="alert">
          <strong>{e.errorCode}</strong>: {e.error}
        </div>
      ) : null}
      <table className="narrow">
        <caption>Candidates</caption>
        <thead>
          <tr>
            <th scope="col" className="num">Try</th>
            <th scope="col">Model</th>
            <th scope="col">Provider</th>
            <th scope="col">Kept</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {e.candidates.map((c, i) => (
            <tr key={i} className={c.kept ? undefined : "dim"}>
              <td className="num">{c.kept ? ++order : "—"}</td>
              <td>
                <code>{c.model}</code>
              </td>
              <td>{c.provider ?? "—"}</td>
              <td>{c.kept ? <Badge tone="good">kept</Badge> : <Badge tone="bad">skipped</Badge>}</td>
              <td>
                {c.reason ?? "—"}
                {c.circuit && c.circuit !== "CLOSED" ? <Badge tone="warn">circuit {c.circuit.toLowerCase()}</Badge> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
