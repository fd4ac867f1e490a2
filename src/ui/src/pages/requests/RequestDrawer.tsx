import { useQuery } from "urql";
import { Badge, Dialog, ErrorState, Loading, Stat } from "../../components/ui";
import { DashboardRequestDocument } from "../../gql/graphql";
import { dateTime, int, ms, usd } from "../../lib/format";

/** One request of the log in a side drawer: attempts, timings, guardrail findings, bodies when stored. */
export function RequestDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  return (
    <Dialog open={id !== null} onClose={onClose} title="Request details" variant="drawer">
      {id ? <Details id={id} /> : null}
    </Dialog>
  );
}

function Details({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: DashboardRequestDocument, variables: { id } });
  if (error) return <ErrorState error={error} />;
  if (!data) return fetching ? <Loading /> : null;
  const r = data.request;
  if (!r) return <p>This request is not in the log any more (pruned by retention), or it is not yours.</p>;
  return (
    <div data-testid="request-details">
      <dl className="kv">
        <dt>Request id</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>When</dt>
        <dd>{dateTime(r.createdAt, true)}</dd>
        <dt>Status</dt>
        <dd>
          <Badge tone={r.status === "OK" ? "good" : r.status === "ERROR" ? "bad" : "warn"}>{r.status.toLowerCase()}</Badge>
          {r.finishReason ? <span className="muted"> finish: {r.finishReason.toLowerCase()}</span> : null}
        </dd>
        {r.errorCode ? (
          <>
            <dt>Error</dt>
            <dd>
              <strong>{r.errorCode}</strong> {r.error}
            </dd>
          </>
        ) : null}
        <dt>Model</dt>
        <dd>
          <code>{r.model ?? "—"}</code> via {r.provider ?? "—"}
          {r.requestedModel !== r.model ? <span className="muted"> (asked for {r.requestedModel})</span> : null}
        </dd>
        <dt>Caller</dt>
        <dd>
          user {r.userId ?? "—"}
          {r.teamId ? `, team ${r.teamId}` : ""}
          {r.keyId ? (
            <>
              , key <code>{r.keyId}</code>
            </>
          ) : null}
        </dd>
        <dt>Transport</dt>
        <dd>
          {r.transport}
          {r.stream ? " (streamed)" : ""}
        </dd>
        {r.tags.length ? (
          <>
            <dt>Tags</dt>
            <dd>{r.tags.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      <div className="stats">
        <Stat label="TTFT" value={ms(r.ttftMs)} />
        <Stat label="ITL" value={ms(r.itlMs)} />
        <Stat label="Latency" value={ms(r.latencyMs)} />
        <Stat label="Tokens/s" value={r.tokensPerSecond == null ? "—" : r.tokensPerSecond.toFixed(1)} />
        <Stat label="Tokens in / out" value={`${int(r.inputTokens)} / ${int(r.outputTokens)}`} sub={r.tokensEstimated ? "estimated" : r.cachedInputTokens ? `${int(r.cachedInputTokens)} cached` : undefined} />
        <Stat label="Cost" value={usd(r.costUsd)} />
      </div>
      <h3>Attempts</h3>
      {r.attempts.length === 0 ? (
        <p className="muted">None: the request was refused before it reached a provider.</p>
      ) : (
        <table className="narrow">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Model</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">Latency</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {r.attempts.map((a, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>
                  <code>{a.model}</code>
                </td>
                <td>
                  <Badge tone={a.outcome === "OK" ? "good" : a.outcome === "ERROR" ? "bad" : "warn"}>{a.outcome.toLowerCase()}</Badge>
                </td>
                <td className="num">{ms(a.latencyMs)}</td>
                <td>{a.errorCode ? `${a.errorCode}: ${a.error ?? ""}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Guardrails</h3>
      {r.guardrails ? (
        <p data-testid="request-guardrails">
          {r.guardrails.redactions} redaction{r.guardrails.redactions === 1 ? "" : "s"}
          {r.guardrails.findings.length ? ` (${r.guardrails.findings.map((f) => `${f.type} × ${f.count}`).join(", ")})` : ""}
          {r.guardrails.injectionScore != null ? `; injection score ${r.guardrails.injectionScore.toFixed(2)}` : ""}
        </p>
      ) : (
        <p className="muted">No guardrail ran on this request.</p>
      )}
      <h3>Bodies</h3>
      {r.body ? (
        <>
          <h4>Request (after redaction)</h4>
          <pre className="answer mono">{JSON.stringify(r.body.request, null, 2)}</pre>
          <h4>Answer</h4>
          <pre className="answer">{r.body.response ?? "—"}</pre>
        </>
      ) : (
        <p className="muted">Not stored. Turn on body logging (logging.bodies in switchboard.config.json) to keep redacted bodies.</p>
      )}
    </div>
  );
}
