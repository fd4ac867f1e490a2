import { hash, randomBytes } from "node:crypto";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { apiKeys, meta } from "../../db/schema.js";
import { ErrorCode, GatewayError } from "../../domain/errors.js";

export type Role = "ADMIN" | "MEMBER";

/** Who is calling: resolved from the bearer key, carried through every layer. */
export interface Principal {
  keyId: string;
  role: Role;
  userId: string;
  teamId: string | null;
  /** Catalogue ids this key may use; null = any. */
  allowedModels: readonly string[] | null;
}

export type ApiKeyRow = typeof apiKeys.$inferSelect;

const KEY_PREFIX = "sb-";
const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;
const MAX_CACHE = 50_000;
const CHANNEL = "switchboard_keys";

/**
 * Keys carry 256 random bits, so a plain SHA-256 is a safe (and fast) storage hash; no salt or KDF needed.
 * Every request hashes its key to look it up: the one-shot `hash` takes ~0.2 µs, `createHash` ~0.6.
 */
export function hashKey(secret: string): string {
  return hash("sha256", secret, "hex");
}

export function newSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

function newId(): string {
  return `key_${randomBytes(9).toString("base64url")}`;
}

interface CacheEntry {
  principal: Principal | null;
  expires: number;
}

export interface CreateKeyInput {
  name: string;
  role: Role;
  userId: string;
  teamId?: string | null | undefined;
  allowedModels?: string[] | null | undefined;
  createdBy?: string | null | undefined;
}

/**
 * Key store with an in-memory cache: an authenticated request costs no database round trip
 * while its key is cached. Revocation drops the entry here and, through NOTIFY, on every
 * other instance; the TTL bounds staleness if a notification is lost.
 */
export class KeyStore {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly used = new Set<string>();
  private readonly revokeListeners = new Set<(keyId: string) => void>();
  /** Bumped by every eviction: a lookup that began before one may have read the key as it was before its revocation. */
  private evictions = 0;
  private usedTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CHANNEL, (keyId) => this.evict(keyId));
    this.usedTimer = setInterval(() => void this.flushLastUsed(), 15_000);
    this.usedTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.usedTimer) clearInterval(this.usedTimer);
    await this.flushLastUsed();
    await this.unlisten?.();
  }

  /** Resolves a bearer secret. Fast path is a Map lookup; a miss costs one indexed SELECT. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (!secret) throw new GatewayError(ErrorCode.UNAUTHENTICATED, "missing API key: send Authorization: Bearer <key>");
    const hash = hashKey(secret);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.expires < now) {
      const seen = this.evictions;
      let principal = await this.lookup(hash);
      // A revocation landed while the row was being read: read it again rather than cache it alive for a minute.
      if (principal && seen !== this.evictions) principal = await this.lookup(hash);
      entry = { principal, expires: now + (principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) };
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!entry.principal) throw new GatewayError(ErrorCode.UNAUTHENTICATED, "invalid or revoked API key");
    this.used.add(entry.principal.keyId);
    return entry.principal;
  }

  async create(input: CreateKeyInput): Promise<{ secret: string; row: ApiKeyRow }> {
    const secret = newSecret();
    const row = await this.insert(secret, input);
    return { secret, row };
  }

  async revoke(keyId: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, keyId))
      .returning();
    if (!row) return undefined;
    this.evict(keyId);
    await this.db.notify(CHANNEL, keyId);
    return row;
  }

  async get(keyId: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.db.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    return row;
  }

  async list(filter: { userId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRow[]> {
    const conds = [];
    if (filter.userId) conds.push(eq(apiKeys.userId, filter.userId));
    if (!filter.includeRevoked) conds.push(isNull(apiKeys.revokedAt));
    return this.db.db
      .select()
      .from(apiKeys)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(apiKeys.createdAt);
  }

  /**
   * First start: make sure an admin key exists. A configured SWITCHBOARD_ADMIN_KEY is registered
   * (idempotently); otherwise one key is generated and returned once for printing, never again.
   */
  async bootstrap(configured: string | undefined): Promise<string | undefined> {
    if (configured) {
      const hash = hashKey(configured);
      const [existing] = await this.db.db.select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.hash, hash));
      if (!existing) await this.insert(configured, { name: "bootstrap admin (SWITCHBOARD_ADMIN_KEY)", role: "ADMIN", userId: "admin" });
      return undefined;
    }
    const claimed = await this.db.db
      .insert(meta)
      .values({ key: "bootstrap_admin_key", value: new Date().toISOString() })
      .onConflictDoNothing()
      .returning();
    if (claimed.length === 0) return undefined;
    const { secret } = await this.create({ name: "bootstrap admin", role: "ADMIN", userId: "admin" });
    return secret;
  }

  private async insert(secret: string, input: CreateKeyInput): Promise<ApiKeyRow> {
    const [row] = await this.db.db
      .insert(apiKeys)
      .values({
        id: newId(),
        name: input.name,
        prefix: secret.slice(0, KEY_PREFIX.length + 6),
        hash: hashKey(secret),
        role: input.role,
        userId: input.userId,
        teamId: input.teamId ?? null,
        allowedModels: input.allowedModels ?? null,
        createdBy: input.createdBy ?? null,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  }

  private async lookup(hash: string): Promise<Principal | null> {
    const [row] = await this.db.db.select().from(apiKeys).where(eq(apiKeys.hash, hash));
    if (!row || row.revokedAt) return null;
    return { keyId: row.id, role: row.role, userId: row.userId, teamId: row.teamId, allowedModels: row.allowedModels };
  }

  /**
   * Called with a key's id when it is revoked here or, through NOTIFY, on another instance: holders of
   * long-lived sessions (graphql-ws sockets) authenticated once and must drop them.
   */
  onRevoke(listener: (keyId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  private evict(keyId: string): void {
    this.evictions++;
    for (const [hash, e] of this.cache) if (e.principal?.keyId === keyId) this.cache.delete(hash);
    for (const l of this.revokeListeners) {
      try {
        l(keyId);
      } catch (err) {
        this.log.error({ err, keyId }, "revocation listener failed");
      }
    }
  }

  private async flushLastUsed(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    try {
      await this.db.db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(inArray(apiKeys.id, ids));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not record key last-used times");
    }
  }
}
