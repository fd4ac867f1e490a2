import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { GuardrailsConfig } from "../../config.js";
import type { Database } from "../../db/client.js";
import { guardrailPolicies } from "../../db/schema-guard.js";
import { badInput, ErrorCode, GatewayError } from "../../domain/errors.js";
import type { Principal } from "../auth/keys.js";
import type { EffectivePolicy, GuardAction, GuardScope, InjectionAction, PiiType, StoredPolicy } from "./types.js";

const CHANNEL = "guardrail_policies";

export interface PolicyInput {
  scope: GuardScope;
  subject?: string | null | undefined;
  piiInput?: GuardAction | null | undefined;
  piiOutput?: GuardAction | null | undefined;
  piiTypes?: PiiType[] | null | undefined;
  restoreInputPii?: boolean | null | undefined;
  injection?: InjectionAction | null | undefined;
  injectionThreshold?: number | null | undefined;
}

type Row = typeof guardrailPolicies.$inferSelect;

function fromRow(r: Row): StoredPolicy {
  return {
    id: r.id,
    scope: r.scope,
    subject: r.subject === "" ? null : r.subject,
    piiInput: r.piiInput as GuardAction | null,
    piiOutput: r.piiOutput as GuardAction | null,
    piiTypes: r.piiTypes as PiiType[] | null,
    restoreInputPii: r.restoreInputPii,
    injection: r.injection as InjectionAction | null,
    injectionThreshold: r.injectionThreshold,
    updatedAt: r.updatedAt,
  };
}

/**
 * Guardrail policies held in memory; a request resolves its policy with Map lookups (cached per
 * key and team). Changes reload here at once and on every other instance through NOTIFY, with a
 * periodic version check as the safety net (notifications sent while disconnected are lost).
 */
export class PolicyStore {
  private byScope = new Map<string, StoredPolicy>();
  private resolved = new Map<string, EffectivePolicy>();
  private version = "";
  private unlisten: (() => Promise<void>) | undefined;
  /** Reloads started and the newest applied (see reload). */
  private generation = 0;
  private applied = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly defaults: EffectivePolicy;

  constructor(
    private readonly db: Database,
    private readonly config: GuardrailsConfig,
    private readonly log: Logger,
  ) {
    const { piiInput, piiOutput, piiTypes, restoreInputPii, injection, injectionThreshold } = config;
    this.defaults = { piiInput, piiOutput, piiTypes, restoreInputPii, injection, injectionThreshold };
  }

  async start(): Promise<void> {
    await this.reload();
    this.unlisten = await this.db.listen(CHANNEL, () => this.reloadLogged());
    this.timer = setInterval(() => void this.poll(), this.config.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.();
  }

  /** The policy for a request: KEY fields over TEAM over GLOBAL over the config file. */
  resolve(p: Pick<Principal, "keyId" | "teamId">): EffectivePolicy {
    const cacheKey = `${p.keyId}\u0000${p.teamId ?? ""}`;
    let e = this.resolved.get(cacheKey);
    if (e === undefined) {
      const layers = [this.byScope.get(`KEY:${p.keyId}`), p.teamId ? this.byScope.get(`TEAM:${p.teamId}`) : undefined, this.byScope.get("GLOBAL:")];
      const pick = <K extends keyof EffectivePolicy>(k: K): EffectivePolicy[K] => {
        for (const l of layers) {
          const v = l?.[k as keyof StoredPolicy];
          if (v !== null && v !== undefined) return v as EffectivePolicy[K];
        }
        return this.defaults[k];
      };
      e = {
        piiInput: pick("piiInput"),
        piiOutput: pick("piiOutput"),
        piiTypes: pick("piiTypes"),
        restoreInputPii: pick("restoreInputPii"),
        injection: pick("injection"),
        injectionThreshold: pick("injectionThreshold"),
      };
      if (this.resolved.size > 10_000) this.resolved.clear();
      this.resolved.set(cacheKey, e);
    }
    return e;
  }

  list(): StoredPolicy[] {
    const order: Record<GuardScope, number> = { GLOBAL: 0, TEAM: 1, KEY: 2 };
    return [...this.byScope.values()].sort((a, b) => order[a.scope] - order[b.scope] || (a.subject ?? "").localeCompare(b.subject ?? ""));
  }

  /** Creates or replaces the policy of one scope; fields left null inherit. */
  async set(input: PolicyInput, by: string): Promise<StoredPolicy> {
    const subject = input.scope === "GLOBAL" ? "" : (input.subject ?? "").trim();
    if (input.scope !== "GLOBAL" && subject === "") throw badInput(`a ${input.scope} policy needs a subject (the ${input.scope === "TEAM" ? "team" : "key"} id)`);
    if (input.scope === "GLOBAL" && input.subject) throw badInput("a GLOBAL policy takes no subject");
    const t = input.injectionThreshold;
    if (t != null && !(t >= 0 && t <= 1)) throw badInput("injectionThreshold must be between 0 and 1", { param: "injectionThreshold" });
    const values = {
      piiInput: input.piiInput ?? null,
      piiOutput: input.piiOutput ?? null,
      piiTypes: input.piiTypes ? [...new Set(input.piiTypes)] : null,
      restoreInputPii: input.restoreInputPii ?? null,
      injection: input.injection ?? null,
      injectionThreshold: t ?? null,
      updatedBy: by,
      updatedAt: new Date(),
    };
    const [row] = await this.db.db
      .insert(guardrailPolicies)
      .values({ id: randomUUID(), scope: input.scope, subject, ...values })
      .onConflictDoUpdate({ target: [guardrailPolicies.scope, guardrailPolicies.subject], set: values })
      .returning();
    await this.changed();
    return fromRow(row!);
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.db.db.delete(guardrailPolicies).where(eq(guardrailPolicies.id, id)).returning({ id: guardrailPolicies.id });
    if (gone.length === 0) throw new GatewayError(ErrorCode.NOT_FOUND, `no guardrail policy ${id}`);
    await this.changed();
    return true;
  }

  async reload(): Promise<void> {
    const gen = ++this.generation;
    const rows = await this.db.db.select().from(guardrailPolicies);
    // A slower, older reload (say, one a NOTIFY echo started) must not overwrite a newer one's result;
    // an older one that finishes first still applies, since the caller awaiting it wants its write seen.
    if (gen < this.applied) return;
    this.applied = gen;
    const next = new Map<string, StoredPolicy>();
    for (const r of rows) next.set(`${r.scope}:${r.subject}`, fromRow(r));
    this.byScope = next;
    this.resolved = new Map();
    this.version = versionOf(rows);
  }

  private async changed(): Promise<void> {
    await this.reload();
    await this.db.notify(CHANNEL, "changed");
  }

  private reloadLogged(): void {
    this.reload().catch((err: Error) => this.log.error({ err: err.message }, "guardrail policy reload failed"));
  }

  private async poll(): Promise<void> {
    try {
      const [v] = await this.db.rows<{ n: number | string; at: Date | string | null }>(sql`select count(*) as n, max(updated_at) as at from guardrail_policies`);
      const seen = `${Number(v?.n ?? 0)}:${v?.at ? new Date(v.at).getTime() : 0}`;
      if (seen !== this.version) await this.reload();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "guardrail policy check failed");
    }
  }
}

function versionOf(rows: Row[]): string {
  let at = 0;
  for (const r of rows) at = Math.max(at, r.updatedAt.getTime());
  return `${rows.length}:${at}`;
}
