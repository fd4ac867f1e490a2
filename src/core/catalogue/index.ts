import { eq, sql } from "drizzle-orm";
import { distance } from "fastest-levenshtein";
import type { Logger } from "pino";
import type { Config, ProviderConfig } from "../../config.js";
import type { Database } from "../../db/client.js";
import { aliases as aliasesTable, models as modelsTable } from "../../db/schema.js";
import { ErrorCode, GatewayError, badInput } from "../../domain/errors.js";
import { priceToMicros, type Prices } from "../../domain/money.js";
import type { ProviderAdapter, ProviderTarget } from "../../providers/contract.js";
import { adapterFor } from "../../providers/registry.js";
import { SEED_MODELS } from "./seed.js";

export interface CatalogueModel {
  id: string;
  provider: string;
  upstreamModel: string;
  displayName: string | null;
  contextWindow: number;
  maxOutputTokens: number;
  prices: Prices;
  capabilities: readonly string[];
  enabled: boolean;
  demo: boolean;
  source: string;
  updatedAt: Date;
}

/** A model ready to call: catalogue entry, the adapter for its provider kind and the addressed target. */
export interface Resolved {
  model: CatalogueModel;
  adapter: ProviderAdapter;
  target: ProviderTarget;
}

export interface ModelInput {
  id: string;
  displayName?: string | null | undefined;
  contextWindow?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
  inputPricePerMTok?: number | null | undefined;
  outputPricePerMTok?: number | null | undefined;
  cachedInputPricePerMTok?: number | null | undefined;
  capabilities?: string[] | null | undefined;
  enabled?: boolean | null | undefined;
}

const CHANNEL = "switchboard_catalogue";
const DEFAULT_CONTEXT = 8_192;
const DEFAULT_MAX_OUTPUT = 4_096;
const DEMO_ID = "demo/echo";
/** Hosted providers refuse anonymous calls; self-hosted OpenAI-compatible servers often need no key. */
const KEYED_KINDS = new Set(["openai", "anthropic", "gemini", "azure"]);
const ENV_KEY: Record<string, string> = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY", gemini: "GEMINI_API_KEY" };

type ModelRow = typeof modelsTable.$inferSelect;

function fromRow(r: ModelRow): CatalogueModel {
  return {
    id: r.id,
    provider: r.provider,
    upstreamModel: r.upstreamModel,
    displayName: r.displayName,
    contextWindow: r.contextWindow,
    maxOutputTokens: r.maxOutputTokens,
    prices: {
      inputMicrosPerMTok: r.inputPriceMicros,
      outputMicrosPerMTok: r.outputPriceMicros,
      cachedInputMicrosPerMTok: r.cachedInputPriceMicros,
    },
    capabilities: r.capabilities,
    enabled: r.enabled,
    demo: r.demo,
    source: r.source,
    updatedAt: r.updatedAt,
  };
}

function splitId(id: string): { provider: string; upstreamModel: string } {
  const i = id.indexOf("/");
  return { provider: id.slice(0, i), upstreamModel: id.slice(i + 1) };
}

/**
 * The model catalogue, held in memory and reloaded on change (NOTIFY from any instance),
 * so resolving a model on the request path is a Map lookup.
 */
export class Catalogue {
  private byId = new Map<string, Resolved | { model: CatalogueModel; adapter: undefined; target: undefined }>();
  private aliasMap = new Map<string, string>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Reloads started and the newest applied (see reload). */
  private generation = 0;
  private applied = 0;

  constructor(
    private readonly db: Database,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.seed();
    await this.reload();
    this.unlisten = await this.db.listen(CHANNEL, () => {
      this.reload().catch((err: Error) => this.log.error({ err: err.message }, "catalogue reload failed"));
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  list(): CatalogueModel[] {
    return [...this.byId.values()].map((r) => r.model).sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): CatalogueModel | undefined {
    return this.byId.get(id)?.model;
  }

  aliases(): { name: string; target: string }[] {
    return [...this.aliasMap].map(([name, target]) => ({ name, target })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Model id or alias → a callable model. Unknown names get the closest ids as suggestions. */
  resolve(name: string): Resolved {
    const id = this.aliasMap.get(name) ?? name;
    const r = this.byId.get(id);
    if (!r) {
      const suggestions = this.suggest(name);
      const hint = suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : "";
      throw badInput(`unknown model "${name}"${hint}`, { suggestions });
    }
    if (!r.model.enabled) throw badInput(`model "${id}" is disabled`);
    const unavailable = this.unavailableReason(id);
    if (unavailable || !r.adapter) throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `model "${id}": ${unavailable}`);
    return r;
  }

  /** Why a model cannot be called right now (provider not configured, key missing), or null. */
  unavailableReason(id: string): string | null {
    const r = this.byId.get(id);
    if (!r) return "not in the catalogue";
    if (!r.adapter) return `provider "${r.model.provider}" is not configured`;
    if (!r.target.apiKey && KEYED_KINDS.has(r.target.kind)) {
      const env = ENV_KEY[r.target.provider];
      return `provider "${r.target.provider}" has no API key configured${env ? ` (set ${env})` : ""}`;
    }
    return null;
  }

  suggest(name: string, max = 3): string[] {
    const q = name.toLowerCase();
    const candidates = [...this.byId.keys(), ...this.aliasMap.keys()];
    return candidates
      .map((c) => {
        const lc = c.toLowerCase();
        const tail = lc.slice(lc.indexOf("/") + 1);
        const d = Math.min(distance(q, lc), distance(q, tail));
        return { c, d: lc.includes(q) || q.includes(tail) ? d / 2 : d };
      })
      .filter((x) => x.d <= Math.max(3, q.length / 3))
      .sort((a, b) => a.d - b.d)
      .slice(0, max)
      .map((x) => x.c);
  }

  async upsertModel(input: ModelInput): Promise<CatalogueModel> {
    const { provider, upstreamModel } = splitId(input.id);
    if (!upstreamModel || !provider) throw badInput(`model ids look like "provider/model", got "${input.id}"`);
    if (!this.config.providers[provider] && provider !== "demo") {
      throw badInput(`unknown provider "${provider}"; configured: ${Object.keys(this.config.providers).join(", ")}`);
    }
    for (const [k, v] of Object.entries({
      inputPricePerMTok: input.inputPricePerMTok,
      outputPricePerMTok: input.outputPricePerMTok,
      cachedInputPricePerMTok: input.cachedInputPricePerMTok,
    })) {
      if (v != null && (!Number.isFinite(v) || v < 0 || v > 10_000)) throw badInput(`${k} must be between 0 and 10000 USD per million tokens`);
    }
    for (const [k, v] of Object.entries({ contextWindow: input.contextWindow, maxOutputTokens: input.maxOutputTokens })) {
      if (v != null && (!Number.isInteger(v) || v <= 0 || v > 100_000_000)) throw badInput(`${k} must be a positive integer`);
    }
    const existing = this.get(input.id);
    const values = {
      id: input.id,
      provider,
      upstreamModel,
      displayName: input.displayName ?? existing?.displayName ?? null,
      contextWindow: input.contextWindow ?? existing?.contextWindow ?? DEFAULT_CONTEXT,
      maxOutputTokens: input.maxOutputTokens ?? existing?.maxOutputTokens ?? DEFAULT_MAX_OUTPUT,
      inputPriceMicros: input.inputPricePerMTok != null ? priceToMicros(input.inputPricePerMTok) : (existing?.prices.inputMicrosPerMTok ?? 0),
      outputPriceMicros: input.outputPricePerMTok != null ? priceToMicros(input.outputPricePerMTok) : (existing?.prices.outputMicrosPerMTok ?? 0),
      cachedInputPriceMicros:
        input.cachedInputPricePerMTok != null ? priceToMicros(input.cachedInputPricePerMTok) : (existing?.prices.cachedInputMicrosPerMTok ?? null),
      capabilities: input.capabilities ?? [...(existing?.capabilities ?? ["chat", "streaming"])],
      enabled: input.enabled ?? existing?.enabled ?? true,
      demo: provider === "demo",
      source: "admin",
      updatedAt: new Date(),
    };
    if (values.maxOutputTokens > values.contextWindow) throw badInput("maxOutputTokens cannot exceed contextWindow");
    const { id: _id, ...update } = values;
    await this.db.db.insert(modelsTable).values(values).onConflictDoUpdate({ target: modelsTable.id, set: update });
    await this.changed();
    return this.get(input.id)!;
  }

  async setEnabled(id: string, enabled: boolean): Promise<CatalogueModel> {
    const rows = await this.db.db.update(modelsTable).set({ enabled, updatedAt: new Date() }).where(eq(modelsTable.id, id)).returning();
    if (rows.length === 0) throw badInput(`unknown model "${id}"`, { suggestions: this.suggest(id) });
    await this.changed();
    return this.get(id)!;
  }

  /** Points an alias at a model (or removes it with target null). Aliases may not shadow model ids or chain. */
  async setAlias(name: string, target: string | null): Promise<void> {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,63}$/.test(name)) throw badInput("alias names are 1-64 letters, digits, _ . : -");
    if (target === null) {
      await this.db.db.delete(aliasesTable).where(eq(aliasesTable.name, name));
    } else {
      if (this.byId.has(name)) throw badInput(`"${name}" is a model id and cannot be an alias`);
      if (!this.byId.has(target)) throw badInput(`alias target "${target}" is not a model id`, { suggestions: this.suggest(target) });
      await this.db.db
        .insert(aliasesTable)
        .values({ name, target })
        .onConflictDoUpdate({ target: aliasesTable.name, set: { target, updatedAt: new Date() } });
    }
    await this.changed();
  }

  /** Reload here at once, then tell the other instances. */
  private async changed(): Promise<void> {
    await this.reload();
    await this.db.notify(CHANNEL, "changed");
  }

  async reload(): Promise<void> {
    const gen = ++this.generation;
    const [rows, aliasRows] = await Promise.all([this.db.db.select().from(modelsTable), this.db.db.select().from(aliasesTable)]);
    // A slower, older reload (say, one a NOTIFY echo started) must not overwrite a newer one's result;
    // an older one that finishes first still applies, since the caller awaiting it wants its write seen.
    if (gen < this.applied) return;
    this.applied = gen;
    const next = new Map<string, Resolved | { model: CatalogueModel; adapter: undefined; target: undefined }>();
    for (const row of rows) {
      const model = fromRow(row);
      if (model.demo && !this.config.demoEnabled) continue;
      const provider = model.demo ? demoProvider : this.config.providers[model.provider];
      const adapter = model.demo ? adapterFor("demo") : provider ? adapterFor(provider.kind) : undefined;
      if (!provider || !adapter) {
        next.set(model.id, { model, adapter: undefined, target: undefined });
        continue;
      }
      next.set(model.id, { model, adapter, target: targetFor(provider, model) });
    }
    this.byId = next;
    this.aliasMap = new Map(aliasRows.filter((a) => next.has(a.target)).map((a) => [a.name, a.target]));
  }

  /**
   * Seeds are inserted only when absent, so admin edits survive restarts. Models named in the
   * config file are the operator's explicit word and overwrite the fields they give.
   */
  private async seed(): Promise<void> {
    const seedRows: (typeof modelsTable.$inferInsert)[] = SEED_MODELS.map((m) => {
      const { provider, upstreamModel } = splitId(m.id);
      return {
        id: m.id,
        provider,
        upstreamModel,
        displayName: m.displayName,
        contextWindow: m.contextWindow,
        maxOutputTokens: m.maxOutputTokens,
        inputPriceMicros: priceToMicros(m.inputPricePerMTok),
        outputPriceMicros: priceToMicros(m.outputPricePerMTok),
        cachedInputPriceMicros: m.cachedInputPricePerMTok !== undefined ? priceToMicros(m.cachedInputPricePerMTok) : null,
        capabilities: [...m.capabilities],
        source: "seed",
      };
    });
    seedRows.push({
      id: DEMO_ID,
      provider: "demo",
      upstreamModel: "echo",
      displayName: "Demo echo model (built in, free)",
      contextWindow: 32_768,
      maxOutputTokens: 1_024,
      inputPriceMicros: 0,
      outputPriceMicros: 0,
      capabilities: ["chat", "streaming"],
      demo: true,
      source: "seed",
    });
    // Models an OpenAI-compatible (or any) provider is configured with, unpriced unless the config prices them.
    for (const p of Object.values(this.config.providers)) {
      for (const upstreamModel of p.models) {
        seedRows.push({
          id: `${p.name}/${upstreamModel}`,
          provider: p.name,
          upstreamModel,
          contextWindow: DEFAULT_CONTEXT,
          maxOutputTokens: DEFAULT_MAX_OUTPUT,
          inputPriceMicros: 0,
          outputPriceMicros: 0,
          capabilities: ["chat", "streaming"],
          source: "config",
        });
      }
    }
    await this.db.db.insert(modelsTable).values(seedRows).onConflictDoNothing();

    for (const m of this.config.models) {
      const { provider, upstreamModel } = splitId(m.id);
      const set: Partial<typeof modelsTable.$inferInsert> = { source: "config", updatedAt: new Date() };
      if (m.inputPricePerMTok !== undefined) set.inputPriceMicros = priceToMicros(m.inputPricePerMTok);
      if (m.outputPricePerMTok !== undefined) set.outputPriceMicros = priceToMicros(m.outputPricePerMTok);
      if (m.cachedInputPricePerMTok !== undefined) set.cachedInputPriceMicros = priceToMicros(m.cachedInputPricePerMTok);
      if (m.contextWindow !== undefined) set.contextWindow = m.contextWindow;
      if (m.maxOutputTokens !== undefined) set.maxOutputTokens = m.maxOutputTokens;
      if (m.capabilities !== undefined) set.capabilities = m.capabilities;
      if (m.enabled !== undefined) set.enabled = m.enabled;
      await this.db.db
        .insert(modelsTable)
        .values({
          id: m.id,
          provider,
          upstreamModel,
          contextWindow: m.contextWindow ?? DEFAULT_CONTEXT,
          maxOutputTokens: m.maxOutputTokens ?? Math.min(DEFAULT_MAX_OUTPUT, m.contextWindow ?? DEFAULT_MAX_OUTPUT),
          inputPriceMicros: set.inputPriceMicros ?? 0,
          outputPriceMicros: set.outputPriceMicros ?? 0,
          cachedInputPriceMicros: set.cachedInputPriceMicros ?? null,
          capabilities: m.capabilities ?? ["chat", "streaming"],
          enabled: m.enabled ?? true,
          source: "config",
        })
        .onConflictDoUpdate({ target: modelsTable.id, set });
    }
    for (const [name, target] of Object.entries(this.config.aliases)) {
      await this.db.db
        .insert(aliasesTable)
        .values({ name, target })
        .onConflictDoUpdate({ target: aliasesTable.name, set: { target, updatedAt: sql`now()` } });
    }
  }
}

const demoProvider: ProviderConfig = {
  name: "demo",
  kind: "openai-compatible",
  baseUrl: "",
  apiKey: undefined,
  headers: {},
  models: [],
  apiVersion: undefined,
  timeouts: {},
};

function targetFor(p: ProviderConfig, model: CatalogueModel): ProviderTarget {
  return {
    provider: p.name,
    kind: p === demoProvider ? "demo" : p.kind,
    baseUrl: p.baseUrl,
    apiKey: p.apiKey,
    headers: p.headers,
    upstreamModel: model.upstreamModel,
    apiVersion: p.apiVersion,
    maxOutputTokens: model.maxOutputTokens,
  };
}
