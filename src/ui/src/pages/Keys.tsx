import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { Badge, ConfirmButton, CopyButton, Dialog, Empty, ErrorState, Loading, PageHeader } from "../components/ui";
import { DashboardCreateKeyDocument, DashboardKeysDocument, DashboardRevokeKeyDocument, type KeyRole } from "../gql/graphql";
import { ago, dateTime } from "../lib/format";
import { useSession } from "../lib/session";

// Mutations returning an ApiKey refetch this list through the document cache, even while it is empty.
const LIST_CONTEXT = { additionalTypenames: ["ApiKey"] };

export default function Keys() {
  const { isAdmin, me } = useSession();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardKeysDocument, variables: { includeRevoked }, context: LIST_CONTEXT });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [revokeState, revoke] = useMutation(DashboardRevokeKeyDocument);
  const reload = () => refetch({ requestPolicy: "network-only" });

  const keys = data?.apiKeys ?? [];
  return (
    <>
      <PageHeader
        title="Keys"
        subtitle={isAdmin ? "Every API key on this gateway. Secrets are shown once, when a key is created." : "Your API keys. Secrets are shown once, when a key is created."}
        actions={
          <button type="button" onClick={() => setCreating(true)}>
            New key
          </button>
        }
      />
      <div className="toolbar">
        <label className="inline">
          <input type="checkbox" checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.target.checked)} /> Show revoked keys
        </label>
      </div>
      <ErrorState error={revokeState.error} compact />
      {error ? (
        <ErrorState error={error} retry={reload} />
      ) : fetching && !data ? (
        <Loading />
      ) : keys.length === 0 ? (
        <Empty title="No keys yet">Create one with “New key”; its secret is shown once.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Owner</th>
                <th scope="col">Role</th>
                <th scope="col">Allowed models</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>
                    {k.name}
                    {k.id === me.keyId ? <Badge tone="info">this session</Badge> : null}
                  </td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>
                    {k.userId}
                    {k.teamId ? <div className="muted">team {k.teamId}</div> : null}
                  </td>
                  <td>
                    <Badge tone={k.role === "ADMIN" ? "info" : "neutral"}>{k.role}</Badge>
                  </td>
                  <td>{k.allowedModels?.length ? k.allowedModels.join(", ") : <span className="muted">all</span>}</td>
                  <td title={dateTime(k.createdAt, true)}>{dateTime(k.createdAt)}</td>
                  <td title={k.lastUsedAt ? dateTime(k.lastUsedAt, true) : undefined}>{ago(k.lastUsedAt)}</td>
                  <td>{k.revokedAt ? <Badge tone="bad" title={dateTime(k.revokedAt, true)}>revoked</Badge> : <Badge tone="good">active</Badge>}</td>
                  <td className="right">
                    {!k.revokedAt ? (
                      <ConfirmButton
                        label="Revoke"
                        ariaLabel={`Revoke key ${k.name}`}
                        busy={revokeState.fetching}
                        confirmText={
                          <>
                            Revoke <strong>{k.name}</strong> ({k.prefix}…)? Requests with it fail at once on every instance. {k.id === me.keyId ? "This is the key you are signed in with: you will be signed out." : ""}
                          </>
                        }
                        onConfirm={async () => {
                          await revoke({ id: k.id });
                        }}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(name, s) => {
          setCreating(false);
          setSecret({ name, secret: s });
        }}
      />
      <Dialog open={secret !== null} onClose={() => setSecret(null)} title="Key created">
        {secret ? (
          <div className="secret-box">
            <p>
              Copy the secret of <strong>{secret.name}</strong> now. It is shown this once; the gateway keeps only its hash.
            </p>
            <label>
              Secret
              <input readOnly value={secret.secret} data-testid="new-key-secret" onFocus={(e) => e.target.select()} className="mono" />
            </label>
            <div className="form-actions">
              <CopyButton text={secret.secret} label="Copy secret" />
              <button type="button" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  );
}

function CreateKeyDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (name: string, secret: string) => void }) {
  const { isAdmin, me } = useSession();
  const [name, setName] = useState("");
  const [role, setRole] = useState<KeyRole>("MEMBER");
  const [userId, setUserId] = useState("");
  const [teamId, setTeamId] = useState("");
  const [models, setModels] = useState("");
  const [state, create] = useMutation(DashboardCreateKeyDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const allowed = models.split(/[\s,]+/).filter(Boolean);
    const r = await create({
      input: {
        name: name.trim(),
        ...(isAdmin ? { role, userId: userId.trim() || undefined } : {}),
        teamId: teamId.trim() || undefined,
        allowedModels: allowed.length ? allowed : undefined,
      },
    });
    if (r.data) {
      onCreated(r.data.createApiKey.key.name, r.data.createApiKey.secret);
      setName("");
      setModels("");
    }
  };

  return (
    <Dialog open={open} onClose={onClose} title="New API key">
      <form onSubmit={submit} className="form">
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="billing-service" />
        </label>
        {isAdmin ? (
          <>
            <label>
              Role
              <select value={role} onChange={(e) => setRole(e.target.value as KeyRole)}>
                <option value="MEMBER">MEMBER — own data, completions</option>
                <option value="ADMIN">ADMIN — everything</option>
              </select>
            </label>
            <label>
              Owner user
              <input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder={`${me.userId} (you)`} />
            </label>
          </>
        ) : null}
        <label>
          <span>
            Team <span className="muted">(optional)</span>
          </span>
          <input value={teamId} onChange={(e) => setTeamId(e.target.value)} placeholder="payments" />
        </label>
        <label>
          <span>
            Allowed models <span className="muted">(comma-separated; empty means all)</span>
          </span>
          <input value={models} onChange={(e) => setModels(e.target.value)} placeholder="openai/gpt-4o-mini, fast" />
        </label>
        <ErrorState error={state.error} compact />
        <div className="form-actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={state.fetching || !name.trim()}>
            {state.fetching ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
