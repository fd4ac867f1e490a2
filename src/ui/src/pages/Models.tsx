import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { Badge, ConfirmButton, Dialog, Empty, ErrorState, Loading, PageHeader, Switch } from "../components/ui";
import { DashboardModelsDocument, DashboardSetAliasDocument, DashboardSetModelEnabledDocument, DashboardUpsertModelDocument, type DashboardModelsQuery } from "../gql/graphql";
import { ago, int, ms, pct, perMTok, short } from "../lib/format";
import { useSession } from "../lib/session";

type ModelRow = DashboardModelsQuery["models"][number];

function Health({ m, sharedReason }: { m: ModelRow; sharedReason: string | null }) {
  const h = m.health;
  if (!h.available) {
    const reason = h.reason ?? m.unavailableReason;
    return (
      <>
        <Badge tone="bad" title={reason ?? undefined}>
          unavailable
        </Badge>
        {reason && reason !== sharedReason ? <div className="muted small-text">{reason}</div> : null}
      </>
    );
  }
  const cooling = h.cooldownUntil && Date.parse(h.cooldownUntil) > Date.now();
  const tone = h.circuit === "CLOSED" && !cooling ? "good" : h.circuit === "OPEN" ? "bad" : "warn";
  const label = cooling ? "cooling down" : h.circuit === "CLOSED" ? "healthy" : h.circuit === "HALF_OPEN" ? "half-open" : "circuit open";
  const detail = [
    h.errorRate != null && h.errorRate > 0 ? `${pct(h.errorRate, 0)} errors` : null,
    h.consecutiveFailures > 0 ? `${h.consecutiveFailures} failures in a row` : null,
    h.openUntil && h.circuit === "OPEN" ? `retry ${ago(h.openUntil)}` : null,
    cooling ? `until ${ago(h.cooldownUntil)}` : null,
  ].filter(Boolean);
  return (
    <>
      <Badge tone={tone} title={h.lastError ? `last error ${ago(h.lastFailureAt)}: ${h.lastError}` : `circuit ${h.circuit.toLowerCase()}`}>
        {label}
      </Badge>
      {detail.length ? <div className="muted small-text">{detail.join(", ")}</div> : null}
    </>
  );
}

// Model and alias mutations refetch the catalogue through the document cache.
const LIST_CONTEXT = { additionalTypenames: ["Model", "Alias"] };

export default function Models() {
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardModelsDocument, context: LIST_CONTEXT });
  const [filter, setFilter] = useState("");
  const [provider, setProvider] = useState("");
  const [onlyAvailable, setOnlyAvailable] = useState(false);
  const [editing, setEditing] = useState<ModelRow | null>(null);
  const [enableState, setEnabled] = useMutation(DashboardSetModelEnabledDocument);
  const reload = () => refetch({ requestPolicy: "network-only" });

  const models = data?.models ?? [];
  const providers = useMemo(() => [...new Set(models.map((m) => m.provider))].sort(), [models]);
  const shown = models.filter(
    (m) => (!provider || m.provider === provider) && (!onlyAvailable || m.health.available) && (!filter || `${m.id} ${m.displayName ?? ""} ${m.aliases.join(" ")}`.toLowerCase().includes(filter.toLowerCase())),
  );
  const groups = groupByProvider(shown);
  const columns = isAdmin ? 9 : 8;

  return (
    <>
      <PageHeader title="Models" subtitle="The catalogue: prices in USD per million tokens, limits, capabilities and live health." />
      <div className="toolbar">
        <label>
          Search
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="gpt-4o, claude, fast…" />
        </label>
        <label>
          Provider
          <select value={provider} onChange={(e) => setProvider(e.target.value)}>
            <option value="">All providers</option>
            {providers.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={onlyAvailable} onChange={(e) => setOnlyAvailable(e.target.checked)} /> Only models that can be called now
        </label>
      </div>
      <ErrorState error={enableState.error} compact />
      {error ? (
        <ErrorState error={error} retry={reload} />
      ) : fetching && !data ? (
        <Loading />
      ) : shown.length === 0 ? (
        <Empty title={models.length ? "No model matches" : "The catalogue is empty"}>{models.length ? "Clear the search or pick another provider." : "Configure a provider in switchboard.config.json or set a provider key, then restart."}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="models">
            <caption className="sr-only">Models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num" title="Context window and maximum output, in tokens">Context / out</th>
                <th scope="col" className="num" title="USD per million input tokens">Input $/MTok</th>
                <th scope="col" className="num" title="USD per million output tokens">Output $/MTok</th>
                <th scope="col">Capabilities</th>
                <th scope="col">Health</th>
                <th scope="col" className="num" title="Recent time to first token (moving average of streamed answers)">TTFT</th>
                <th scope="col">Enabled</th>
                {isAdmin ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            {groups.map((g) => (
            <tbody key={g.provider}>
              <tr className="group-row">
                <th scope="colgroup" colSpan={columns}>
                  {g.provider} <span className="muted">· {g.models.length} model{g.models.length === 1 ? "" : "s"}</span>
                  {g.sharedReason ? <span className="group-reason"> · {g.sharedReason}</span> : null}
                </th>
              </tr>
              {g.models.map((m) => (
                <tr key={m.id} data-model-id={m.id} className={m.enabled ? undefined : "dim"}>
                  <th scope="row">
                    <code>{m.id}</code>
                    {m.demo ? <Badge tone="info">demo</Badge> : null}
                    {m.displayName ? <div className="muted">{m.displayName}</div> : null}
                    {m.aliases.length ? <div className="muted">alias {m.aliases.join(", ")}</div> : null}
                  </th>
                  <td className="num" title={`${int(m.contextWindow)} tokens of context, ${int(m.maxOutputTokens)} output tokens at most`}>
                    {short(m.contextWindow)} / {short(m.maxOutputTokens)}
                  </td>
                  <td className="num">
                    <span data-field="input-price">{perMTok(m.inputPricePerMTok)}</span>
                    {m.cachedInputPricePerMTok != null ? <div className="muted small-text">cached {perMTok(m.cachedInputPricePerMTok)}</div> : null}
                  </td>
                  <td className="num" data-field="output-price">{perMTok(m.outputPricePerMTok)}</td>
                  <td>
                    <div className="chips">
                      {m.capabilities.map((c) => (
                        <span key={c} className="chip">
                          {c}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td>
                    <Health m={m} sharedReason={g.sharedReason} />
                  </td>
                  <td className="num">{ms(m.health.ttftMs)}</td>
                  <td>
                    {isAdmin ? (
                      <Switch checked={m.enabled} label={`${m.id} enabled`} onChange={(enabled) => setEnabled({ id: m.id, enabled })} />
                    ) : m.enabled ? (
                      "yes"
                    ) : (
                      "no"
                    )}
                  </td>
                  {isAdmin ? (
                    <td className="right">
                      <button type="button" className="secondary small" onClick={() => setEditing(m)} aria-label={`Edit ${m.id}`}>
                        Edit
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
            ))}
          </table>
        </div>
      )}
      <EditModelDialog model={editing} onClose={() => setEditing(null)} />
      {data ? <Aliases aliases={data.aliases} models={models.map((m) => m.id)} /> : null}
    </>
  );
}

/** Models by provider; when every model of a provider is unavailable for one reason, it is said once. */
function groupByProvider(models: ModelRow[]): { provider: string; models: ModelRow[]; sharedReason: string | null }[] {
  const by = new Map<string, ModelRow[]>();
  for (const m of models) by.set(m.provider, [...(by.get(m.provider) ?? []), m]);
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, ms]) => {
      const reasons = new Set(ms.map((m) => (m.health.available ? null : (m.health.reason ?? m.unavailableReason ?? null))));
      const only = reasons.size === 1 ? [...reasons][0]! : null;
      return { provider, models: ms, sharedReason: only };
    });
}

function numberOrUndefined(v: string): number | undefined {
  const t = v.trim();
  return t === "" ? undefined : Number(t);
}

function EditModelDialog({ model, onClose }: { model: ModelRow | null; onClose: () => void }) {
  return (
    <Dialog open={model !== null} onClose={onClose} title={`Edit ${model?.id ?? ""}`}>
      {model ? <EditModelForm key={model.id} model={model} onClose={onClose} /> : null}
    </Dialog>
  );
}

function EditModelForm({ model, onClose }: { model: ModelRow; onClose: () => void }) {
  const [input, setInput] = useState(String(model.inputPricePerMTok));
  const [output, setOutput] = useState(String(model.outputPricePerMTok));
  const [cached, setCached] = useState(model.cachedInputPricePerMTok == null ? "" : String(model.cachedInputPricePerMTok));
  const [ctx, setCtx] = useState(String(model.contextWindow));
  const [maxOut, setMaxOut] = useState(String(model.maxOutputTokens));
  const [state, save] = useMutation(DashboardUpsertModelDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await save({
      input: {
        id: model.id,
        inputPricePerMTok: numberOrUndefined(input),
        outputPricePerMTok: numberOrUndefined(output),
        cachedInputPricePerMTok: numberOrUndefined(cached),
        contextWindow: numberOrUndefined(ctx),
        maxOutputTokens: numberOrUndefined(maxOut),
      },
    });
    if (!r.error) onClose();
  };
  return (
    <form className="form" onSubmit={submit}>
      <p className="muted">Prices are USD per million tokens. Changes apply to the next request on every instance.</p>
      <div className="grid2">
        <label>
          Input price ($/MTok)
          <input type="number" min={0} step="any" required value={input} onChange={(e) => setInput(e.target.value)} />
        </label>
        <label>
          Output price ($/MTok)
          <input type="number" min={0} step="any" required value={output} onChange={(e) => setOutput(e.target.value)} />
        </label>
        <label>
          Cached input price ($/MTok)
          <input type="number" min={0} step="any" value={cached} onChange={(e) => setCached(e.target.value)} placeholder="none" />
        </label>
        <label>
          Context window (tokens)
          <input type="number" min={1} step={1} required value={ctx} onChange={(e) => setCtx(e.target.value)} />
        </label>
        <label>
          Max output tokens
          <input type="number" min={1} step={1} required value={maxOut} onChange={(e) => setMaxOut(e.target.value)} />
        </label>
      </div>
      <ErrorState error={state.error} compact />
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}

function Aliases({ aliases, models }: { aliases: { name: string; target: string }[]; models: string[] }) {
  const { isAdmin } = useSession();
  const [name, setName] = useState("");
  const [target, setTarget] = useState("");
  const [state, setAlias] = useMutation(DashboardSetAliasDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await setAlias({ name: name.trim(), target: target.trim() });
    if (!r.error) {
      setName("");
      setTarget("");
    }
  };
  return (
    <section className="section" aria-labelledby="aliases-h">
      <h2 id="aliases-h">Aliases</h2>
      <p className="muted">Short names clients may use instead of a model id, such as “fast”.</p>
      {aliases.length === 0 ? (
        <Empty title="No aliases">{isAdmin ? "Add one below." : "An admin can add them."}</Empty>
      ) : (
        <table className="narrow">
          <caption className="sr-only">Aliases</caption>
          <thead>
            <tr>
              <th scope="col">Alias</th>
              <th scope="col">Model</th>
              {isAdmin ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {aliases.map((a) => (
              <tr key={a.name}>
                <td>
                  <code>{a.name}</code>
                </td>
                <td>
                  <code>{a.target}</code>
                </td>
                {isAdmin ? (
                  <td className="right">
                    <ConfirmButton
                      label="Remove"
                      ariaLabel={`Remove alias ${a.name}`}
                      confirmText={<>Remove the alias “{a.name}”? Clients that call it get an unknown-model error.</>}
                      onConfirm={async () => {
                        await setAlias({ name: a.name, target: null });
                      }}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin ? (
        <form className="toolbar" onSubmit={submit} aria-label="Add or change an alias">
          <label>
            Alias
            <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="fast" />
          </label>
          <label>
            Model
            <select required value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">Choose a model…</option>
              {models.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={state.fetching}>
            Set alias
          </button>
        </form>
      ) : null}
      <ErrorState error={state.error} compact />
    </section>
  );
}
