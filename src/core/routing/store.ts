import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { routingRules } from "../../db/schema.js";
import { badInput } from "../../domain/errors.js";
import type { Catalogue } from "../catalogue/index.js";
import { compileRules, emptyRuleSet, type RuleSet } from "./compiled.js";
import { RuleCondition, RuleTargets, validateRule, type NameSpace, type RouteStrategy, type RoutingRule, type RuleInput } from "./rules.js";

const CHANNEL = "switchboard_routing";
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** On Postgres NOTIFY does the work; the poll only catches notifications lost while disconnected. */
const POSTGRES_POLL_EVERY = 10;

type Row = typeof routingRules.$inferSelect;

/**
 * Rules live in Postgres and are held in memory compiled (RuleSet). A change reloads this instance
 * at once and NOTIFYs the others. A cheap version check (row count + newest update) runs every
 * `pollMs` on PGlite, whose LISTEN works only in process, and every 10 polls on Postgres in case a
 * notification was lost. Catalogue aliases are re-read on the same tick.
 */
export class RuleStore {
  private set: RuleSet = emptyRuleSet;
  private version = "";
  private aliasKey = "";
  private unlisten: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private reloading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: Database,
    private readonly catalogue: Catalogue,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  /** The current immutable snapshot; plans hold on to the one they were made from. */
  get current(): RuleSet {
    return this.set;
  }

  async start(): Promise<void> {
    await this.reload();
    this.unlisten = await this.db.listen(CHANNEL, () => void this.reload().catch((err: Error) => this.log.error({ err: err.message }, "routing rules reload failed")));
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.reloading?.catch(() => undefined);
  }

  list(): RoutingRule[] {
    return [...this.set.all];
  }

  async upsert(input: RuleInput): Promise<RoutingRule> {
    // Validate against what the database holds now, not a snapshot another instance may have outdated.
    await this.reload();
    const id = input.id?.trim() || `rr_${randomBytes(9).toString("base64url")}`;
    if (!ID.test(id)) throw badInput("rule ids are 1-64 letters, digits, _ or -");
    const existing = this.set.all.find((r) => r.id === id);
    const v = validateRule(input, this.set.all.filter((r) => r.id !== id), this.names());
    const now = new Date();
    const values = { name: v.name, priority: v.priority, enabled: v.enabled, when: v.when, targets: v.targets, strategy: v.strategy, updatedAt: now };
    if (existing) await this.db.db.update(routingRules).set(values).where(eq(routingRules.id, id));
    else await this.db.db.insert(routingRules).values({ id, ...values, createdAt: now }).onConflictDoUpdate({ target: routingRules.id, set: values });
    await this.changed();
    const saved = this.set.all.find((r) => r.id === id);
    if (!saved) throw badInput(`routing rule "${id}" was deleted concurrently`);
    return saved;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.db.delete(routingRules).where(eq(routingRules.id, id)).returning({ id: routingRules.id });
    if (rows.length === 0) return false;
    await this.changed();
    return true;
  }

  /** Reloads from the database; concurrent calls share one load, and a call during a load gets another after it. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  private async changed(): Promise<void> {
    await this.reload();
    await this.db.notify(CHANNEL, "changed");
  }

  private async load(): Promise<void> {
    const rows = await this.db.db.select().from(routingRules);
    const rules: RoutingRule[] = [];
    let newest = 0;
    for (const row of rows) {
      newest = Math.max(newest, row.updatedAt.getTime());
      const rule = fromRow(row);
      if (rule) rules.push(rule);
      else this.log.error({ rule: row.id }, "routing rule has an unreadable condition or targets; skipped");
    }
    this.version = `${rows.length}:${newest}`;
    this.compile(rules);
  }

  private compile(rules: readonly RoutingRule[]): void {
    const names = this.names();
    this.aliasKey = aliasKey(names.aliases);
    this.set = compileRules(rules, names);
  }

  private async tick(): Promise<void> {
    try {
      // Alias changes come through the catalogue; rules compiled against the old ones are recompiled here.
      const aliases = this.names().aliases;
      if (aliasKey(aliases) !== this.aliasKey) this.compile(this.set.all);
      if (this.db.kind === "postgres" && ++this.ticks % POSTGRES_POLL_EVERY !== 0) return;
      const [v] = await this.db.rows<{ n: number | string; at: number | string | null }>(
        sql`select count(*)::int as n, floor(extract(epoch from max(updated_at)) * 1000)::float8 as at from routing_rules`,
      );
      if (v && `${Number(v.n)}:${Number(v.at ?? 0)}` !== this.version) await this.reload();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "routing rules version check failed");
    }
  }

  private names(): NameSpace {
    const cat = this.catalogue;
    return {
      isModel: (id) => cat.get(id) !== undefined,
      aliases: new Map(cat.aliases().map((a) => [a.name, a.target])),
      suggest: (name) => cat.suggest(name),
    };
  }
}

function aliasKey(aliases: ReadonlyMap<string, string>): string {
  let k = "";
  for (const [name, target] of aliases) k += `${name}=${target};`;
  return k;
}

function fromRow(row: Row): RoutingRule | null {
  const when = RuleCondition.safeParse(row.when);
  const targets = RuleTargets.safeParse(row.targets);
  if (!when.success || !targets.success || targets.data.length === 0) return null;
  return Object.freeze({
    id: row.id,
    name: row.name,
    priority: row.priority,
    enabled: row.enabled,
    when: when.data,
    targets: targets.data,
    strategy: row.strategy as RouteStrategy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}
