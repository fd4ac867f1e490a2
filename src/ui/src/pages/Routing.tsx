import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { Badge, ConfirmButton, Empty, ErrorState, Loading, PageHeader, Switch } from "../components/ui";
import { DashboardDeleteRuleDocument, DashboardRoutingRulesDocument, DashboardUpsertRuleDocument, type DashboardRuleFragment } from "../gql/graphql";
import { ExplainRoute } from "./routing/ExplainRoute";
import { RuleDialog, ruleInput } from "./routing/RuleForm";

const LIST_CONTEXT = { additionalTypenames: ["RoutingRule"] };

/** "models fast, auto · kind CODE · tags any of search" — empty conditions read "any request". */
export function describeCondition(w: DashboardRuleFragment["when"]): string {
  const parts: string[] = [];
  const list = (label: string, v: readonly string[] | null | undefined) => v?.length && parts.push(`${label} ${v.join(", ")}`);
  list("model", w.models);
  list("kind", w.kinds);
  list("tag any of", w.tagsAny);
  list("user", w.users);
  list("team", w.teams);
  list("key", w.keys);
  if (w.minPromptTokens != null) parts.push(`≥ ${w.minPromptTokens} prompt tokens`);
  if (w.maxPromptTokens != null) parts.push(`≤ ${w.maxPromptTokens} prompt tokens`);
  if (w.hasTools != null) parts.push(w.hasTools ? "with tools" : "without tools");
  if (w.hasImages != null) parts.push(w.hasImages ? "with images" : "without images");
  return parts.length ? parts.join(" · ") : "any request";
}

export default function Routing() {
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardRoutingRulesDocument, context: LIST_CONTEXT });
  const [editing, setEditing] = useState<DashboardRuleFragment | "new" | null>(null);
  const [delState, del] = useMutation(DashboardDeleteRuleDocument);
  const [toggleState, upsert] = useMutation(DashboardUpsertRuleDocument);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const rules = data?.routingRules ?? [];
  const modelNames = [...(data?.models.map((m) => m.id) ?? []), ...(data?.aliases.map((a) => a.name) ?? [])];

  return (
    <>
      <PageHeader
        title="Routing"
        subtitle="Rules are tried by ascending priority; the first enabled rule whose condition matches decides the targets. With none matching, the requested model is served directly."
        actions={
          <button type="button" onClick={() => setEditing("new")}>
            New rule
          </button>
        }
      />
      <ErrorState error={delState.error ?? toggleState.error} compact />
      {error ? (
        <ErrorState error={error} retry={reload} />
      ) : !data ? (
        fetching ? <Loading /> : null
      ) : rules.length === 0 ? (
        <Empty title="No routing rules">Every request goes to the model it names. Add a rule to fail over, balance load or route by request kind.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="rules-table">
            <caption className="sr-only">Routing rules in evaluation order</caption>
            <thead>
              <tr>
                <th scope="col" className="num">Priority</th>
                <th scope="col">Name</th>
                <th scope="col">When</th>
                <th scope="col">Strategy</th>
                <th scope="col">Targets</th>
                <th scope="col">Enabled</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} data-rule-name={r.name} className={r.enabled ? undefined : "dim"}>
                  <td className="num">{r.priority}</td>
                  <th scope="row">{r.name}</th>
                  <td>{describeCondition(r.when)}</td>
                  <td>
                    <Badge>{r.strategy.replace("_", " ").toLowerCase()}</Badge>
                  </td>
                  <td>
                    <ol className="targets">
                      {r.targets.map((t, i) => (
                        <li key={i}>
                          <code>{t.model}</code>
                          {r.strategy === "WEIGHTED" ? <span className="muted"> × {t.weight}</span> : null}
                        </li>
                      ))}
                    </ol>
                  </td>
                  <td>
                    <Switch checked={r.enabled} label={`Rule ${r.name} enabled`} onChange={(enabled) => upsert({ input: ruleInput(r, { enabled }) })} />
                  </td>
                  <td className="right nowrap">
                    <button type="button" className="secondary small" onClick={() => setEditing(r)} aria-label={`Edit rule ${r.name}`}>
                      Edit
                    </button>{" "}
                    <ConfirmButton
                      label="Delete"
                      ariaLabel={`Delete rule ${r.name}`}
                      confirmText={<>Delete the rule “{r.name}”? Requests it routed fall through to the next matching rule.</>}
                      onConfirm={async () => {
                        const res = await del({ id: r.id });
                        if (!res.error) reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RuleDialog value={editing} models={modelNames} nextPriority={(rules.at(-1)?.priority ?? 0) + 10} onClose={() => setEditing(null)} />
      <ExplainRoute models={modelNames} />
    </>
  );
}
