import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** postgres.js and PGlite behind one face; everything above this file is driver-agnostic. */
export interface Database {
  readonly db: Db;
  readonly kind: "postgres" | "pglite";
  /** Rows of a raw SQL statement (the drivers return them in different envelopes). */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /**
   * One parameterised statement sent by the driver itself, no ORM in between: a constant text is
   * prepared once per connection (Postgres) and its parameters are serialised by the driver. For
   * hot statements whose text never changes (the usage writer's batch).
   */
  query: Query;
  /** Runs `fn` in a transaction, its statements through the given `Query`. */
  atomic<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Subscribes to a notification channel; channels are namespaced per schema so tests sharing a server don't cross-talk. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export type Query = <T = Record<string, unknown>>(text: string, params: unknown[]) => Promise<T[]>;

export interface DbOptions {
  /** postgres:// URL; unset = embedded PGlite. */
  url?: string | undefined;
  /** PGlite files; "memory://" keeps everything in memory (tests). */
  dataDir?: string;
  /** Postgres schema to use (tests give each app its own). Default public. */
  schema?: string;
  /** postgres.js pool size. */
  poolSize?: number;
  /**
   * A PGlite data-dir dump (from `dumpDataDir`) to start an in-memory database from. Creating a
   * fresh PGlite runs initdb (~4 s here); loading a dump takes under 1 s, which tests rely on.
   */
  pgliteTemplate?: Blob | undefined;
}

const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));
const MIGRATION_LOCK = 727_274_001;

function assertIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name ${name}`);
  return name;
}

export async function openDatabase(opts: DbOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts.dataDir ?? "./.switchboard", opts.pgliteTemplate);
}

async function openPostgres(url: string, opts: DbOptions): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const schemaName = assertIdent(opts.schema ?? "public");
  const client = postgres(url, {
    // At least 2: migrations run on a pool connection while another is reserved for the advisory lock.
    max: Math.max(2, opts.poolSize ?? 10),
    onnotice: () => undefined,
    connection: { search_path: schemaName, application_name: "switchboard" },
  });
  const db = drizzle(client, { schema }) as unknown as Db;

  // Several instances may start at once against one database: serialise migrations on an advisory lock.
  const reserved = await client.reserve();
  try {
    if (schemaName !== "public") await reserved.unsafe(`create schema if not exists ${schemaName}`);
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(client) as never, { migrationsFolder, migrationsSchema: schemaName });
    } finally {
      await reserved`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    reserved.release();
  }

  const prefix = schemaName === "public" ? "" : `${schemaName}_`;
  return {
    db,
    kind: "postgres",
    async rows<T>(q: SQL) {
      return (await db.execute(q)) as unknown as T[];
    },
    query: <T>(text: string, params: unknown[]) => client.unsafe(text, params as never[], { prepare: true }) as unknown as Promise<T[]>,
    atomic: <T>(fn: (query: Query) => Promise<T>) =>
      client.begin((tx) => fn(<R>(text: string, params: unknown[]) => tx.unsafe(text, params as never[], { prepare: true }) as unknown as Promise<R[]>)) as Promise<T>,
    async ping() {
      await client`select 1`;
    },
    async listen(channel, onMessage) {
      const sub = await client.listen(prefix + channel, onMessage);
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      await client.notify(prefix + channel, payload);
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string, template: Blob | undefined): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  let dir = dataDir;
  if (!dir.startsWith("memory://")) {
    dir = join(dataDir, "data");
    mkdirSync(dir, { recursive: true });
  }
  // Postgres' default 128 MB of shared buffers is most of an idle gateway's memory; PGlite on disk reads
  // through the OS page cache anyway, and the hot tables (keys, rollups, policy) are small.
  const client = await PGlite.create(dir, { postgresqlconf: "shared_buffers=32MB", ...(template && dir.startsWith("memory://") ? { loadDataDir: template } : {}) });
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const typed = db as unknown as Db;
  const statements = new Map<string, string>();
  return {
    db: typed,
    kind: "pglite",
    async rows<T>(q: SQL) {
      const r = (await db.execute(q)) as unknown as { rows: T[] };
      return r.rows;
    },
    query: <T>(text: string, params: unknown[]) => prepared<T>(statements, client, text, params),
    atomic: <T>(fn: (query: Query) => Promise<T>) => client.transaction((tx) => fn(<R>(text: string, params: unknown[]) => prepared<R>(statements, tx, text, params))),
    async ping() {
      await client.query("select 1");
    },
    async listen(channel, onMessage) {
      const unsub = await client.listen(channel, onMessage);
      return () => unsub();
    },
    async notify(channel, payload) {
      await db.execute(sql`select pg_notify(${channel}, ${payload})`);
    },
    async close() {
      await client.close();
    },
  };
}

type PgliteQueryable = Pick<import("@electric-sql/pglite").PGlite, "query">;
let preparedSeq = 0;

/**
 * PGlite has no statement cache: every `query` parses and plans its text again, which for the usage
 * writer's six-CTE statement is ~2.5 ms of WASM per batch. A constant text is PREPAREd once per
 * database (`names`: PGlite is one session, and a prepared statement outlives a rolled-back
 * transaction) and then EXECUTEd with its parameters inlined as literals, since EXECUTE takes no bind
 * parameters. Measured on a batch of 150 records: 81 → 56 µs per record.
 */
async function prepared<T>(names: Map<string, string>, db: PgliteQueryable, text: string, params: unknown[]): Promise<T[]> {
  let name = names.get(text);
  if (!name) {
    name = `sb_stmt_${++preparedSeq}`;
    await db.query(`prepare ${name} as ${text}`);
    names.set(text, name);
  }
  try {
    return (await db.query<T>(`execute ${name}(${params.map(literal).join(", ")})`)).rows;
  } catch (err) {
    // 26000: the statement is gone (someone ran DEALLOCATE or DISCARD): prepare it again next time.
    if ((err as { code?: string }).code === "26000") names.delete(text);
    throw err;
  }
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return `'${s.replaceAll("'", "''")}'`;
}

/** A migrated, empty PGlite database as a dump, for `pgliteTemplate`. */
export async function createPgliteTemplate(): Promise<Blob> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = await PGlite.create("memory://");
  await migrate(drizzle(client), { migrationsFolder });
  const dump = await client.dumpDataDir("none");
  await client.close();
  return dump;
}
