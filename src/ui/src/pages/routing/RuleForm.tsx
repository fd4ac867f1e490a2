import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { Dialog, ErrorState } from "../../components/ui";
import { DashboardUpsertRuleDocument, type DashboardRuleFragment, type RequestKind, type RouteStrategy, type RoutingRuleInput, type RuleConditionInput } from "../../gql/graphql";

type When = DashboardRuleFragment["when"];

/** Field by field: results carry __typename (urql's cache adds it) and inputs must not. */
function conditionInput(w: When): RuleConditionInput {
  return {
    models: w.models,
    kinds: w.kinds,
    tagsAny: w.tagsAny,
    users: w.users,
    teams: w.teams,
    keys: w.keys,
    minPromptTokens: w.minPromptTokens,
    maxPromptTokens: w.maxPromptTokens,
    hasTools: w.hasTools,
    hasImages: w.hasImages,
  };
}

export function ruleInput(r: DashboardRuleFragment, patch: Partial<RoutingRuleInput> = {}): RoutingRuleInput {
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    enabled: r.enabled,
    strategy: r.strategy,
    targets: r.targets.map((t) => ({ model: t.model, weight: t.weight })),
    when: conditionInput(r.when),
    ...patch,
  };
}

const STRATEGIES: { id: RouteStrategy; label: string }[] = [
  { id: "FALLBACK", label: "Fallback — in order, next on failure" },
  { id: "WEIGHTED", label: "Weighted — random by weight" },
  { id: "LEAST_LATENCY", label: "Least latency — lowest recent TTFT" },
  { id: "LEAST_COST", label: "Least cost — cheapest for the request size" },
];

const splitList = (v: string): string[] | null => {
  const parts = v.split(/[\s,]+/).filter(Boolean);
  return parts.length ? parts : null;
};
const joinList = (v: readonly string[] | null | undefined): string => (v ?? []).join(", ");
const triState = (v: boolean | null | undefined): string => (v == null ? "" : v ? "yes" : "no");
const fromTri = (v: string): boolean | null => (v === "" ? null : v === "yes");
const intOrNull = (v: string): number | null => (v.trim() === "" ? null : Number(v));

export function RuleDialog({ value, models, nextPriority, onClose }: { value: DashboardRuleFragment | "new" | null; models: string[]; nextPriority: number; onClose: () => void }) {
  const rule = value !== null && value !== "new" ? value : null;
  return (
    <Dialog open={value !== null} onClose={onClose} title={rule ? `Edit rule ${rule.name}` : "New routing rule"}>
      {value !== null ? <RuleForm key={rule?.id ?? "new"} rule={rule} models={models} nextPriority={nextPriority} onClose={onClose} /> : null}
    </Dialog>
  );
}

function RuleForm({ rule, models, nextPriority, onClose }: { rule: DashboardRuleFragment | null; models: string[]; nextPriority: number; onClose: () => void }) {
  const w = rule?.when;
  const [name, setName] = useState(rule?.name ?? "");
  const [priority, setPriority] = useState(String(rule?.priority ?? nextPriority));
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [strategy, setStrategy] = useState<RouteStrategy>(rule?.strategy ?? "FALLBACK");
  const [targets, setTargets] = useState<{ model: string; weight: string }[]>(rule?.targets.map((t) => ({ model: t.model, weight: String(t.weight) })) ?? [{ model: "", weight: "1" }]);
  const [whenModels, setWhenModels] = useState(joinList(w?.models));
  const [kinds, setKinds] = useState<RequestKind[]>(w?.kinds ?? []);
  const [tags, setTags] = useState(joinList(w?.tagsAny));
  const [users, setUsers] = useState(joinList(w?.users));
  const [teams, setTeams] = useState(joinList(w?.teams));
  const [keys, setKeys] = useState(joinList(w?.keys));
  const [minTok, setMinTok] = useState(w?.minPromptTokens == null ? "" : String(w.minPromptTokens));
  const [maxTok, setMaxTok] = useState(w?.maxPromptTokens == null ? "" : String(w.maxPromptTokens));
  const [tools, setTools] = useState(triState(w?.hasTools));
  const [images, setImages] = useState(triState(w?.hasImages));
  const [state, save] = useMutation(DashboardUpsertRuleDocument);

  const setTarget = (i: number, patch: Partial<{ model: string; weight: string }>) => setTargets((ts) => ts.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  const toggleKind = (k: RequestKind, on: boolean) => setKinds((ks) => (on ? [...ks.filter((x) => x !== k), k] : ks.filter((x) => x !== k)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Validation is the API's: it names unknown models, empty targets, zero weights and alias cycles.
    const r = await save({
      input: {
        ...(rule ? { id: rule.id } : {}),
        name: name.trim(),
        priority: Number(priority),
        enabled,
        strategy,
        targets: targets.filter((t) => t.model.trim()).map((t) => ({ model: t.model.trim(), weight: t.weight.trim() === "" ? null : Number(t.weight) })),
        when: {
          models: splitList(whenModels),
          kinds: kinds.length ? kinds : null,
          tagsAny: splitList(tags),
          users: splitList(users),
          teams: splitList(teams),
          keys: splitList(keys),
          minPromptTokens: intOrNull(minTok),
          maxPromptTokens: intOrNull(maxTok),
          hasTools: fromTri(tools),
          hasImages: fromTri(images),
        },
      },
    });
    if (!r.error) onClose();
  };

  return (
    <form className="form" onSubmit={submit}>
      <div className="grid2">
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="code to gemini" />
        </label>
        <label>
          <span>
            Priority <span className="muted">(1 is tried before 10)</span>
          </span>
          <input type="number" required step={1} value={priority} onChange={(e) => setPriority(e.target.value)} />
        </label>
      </div>
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <fieldset>
        <legend>When (every field optional; empty means any)</legend>
        <label>
          Requested models, aliases or router names
          <input value={whenModels} onChange={(e) => setWhenModels(e.target.value)} placeholder="auto, fast" list="rule-models" />
        </label>
        <div role="group" aria-label="Request kinds" className="toolbar" style={{ margin: 0 }}>
          <span>Request kind:</span>
          {(["CODE", "TEXT"] as const).map((k) => (
            <label key={k} className="inline">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => toggleKind(k, e.target.checked)} /> {k.toLowerCase()}
            </label>
          ))}
        </div>
        <div className="grid2">
          <label>
            Tags (any of)
            <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="search, batch" />
          </label>
          <label>
            Users
            <input value={users} onChange={(e) => setUsers(e.target.value)} />
          </label>
          <label>
            Teams
            <input value={teams} onChange={(e) => setTeams(e.target.value)} />
          </label>
          <label>
            API key ids
            <input value={keys} onChange={(e) => setKeys(e.target.value)} />
          </label>
          <label>
            Min prompt tokens
            <input type="number" min={0} step={1} value={minTok} onChange={(e) => setMinTok(e.target.value)} />
          </label>
          <label>
            Max prompt tokens
            <input type="number" min={0} step={1} value={maxTok} onChange={(e) => setMaxTok(e.target.value)} />
          </label>
          <label>
            Has tools
            <select value={tools} onChange={(e) => setTools(e.target.value)}>
              <option value="">any</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </label>
          <label>
            Has images
            <select value={images} onChange={(e) => setImages(e.target.value)}>
              <option value="">any</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Then</legend>
        <label>
          Strategy
          <select value={strategy} onChange={(e) => setStrategy(e.target.value as RouteStrategy)}>
            {STRATEGIES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        {targets.map((t, i) => (
          <div key={i} className="targets-row">
            <label>
              Target {i + 1}
              <input value={t.model} onChange={(e) => setTarget(i, { model: e.target.value })} list="rule-models" placeholder="openai/gpt-4o-mini" />
            </label>
            <label>
              Weight
              <input type="number" min={0} step="any" value={t.weight} onChange={(e) => setTarget(i, { weight: e.target.value })} disabled={strategy !== "WEIGHTED"} />
            </label>
            <button type="button" className="secondary small" onClick={() => setTargets((ts) => ts.filter((_, j) => j !== i))} aria-label={`Remove target ${i + 1}`} disabled={targets.length === 1}>
              Remove
            </button>
          </div>
        ))}
        <div>
          <button type="button" className="secondary small" onClick={() => setTargets((ts) => [...ts, { model: "", weight: "1" }])}>
            Add target
          </button>
        </div>
      </fieldset>
      <datalist id="rule-models">
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <ErrorState error={state.error} compact />
      <div className="form-actions">
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? "Saving…" : "Save rule"}
        </button>
      </div>
    </form>
  );
}
