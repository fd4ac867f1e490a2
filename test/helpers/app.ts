import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { inject } from "vitest";
import pino, { type Logger } from "pino";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";

export interface TestApp {
  app: App;
  url: string;
  wsUrl: string;
  adminKey: string;
  /** Postgres schema of this app when running against a server (so a second instance can share it). */
  dbSchema: string | undefined;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Content of switchboard.config.json. */
  file?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Join an existing app's database (Postgres only): a second gateway instance. */
  shareWith?: TestApp;
  adminKey?: string;
  /** Instead of the silent test logger (to read what the gateway logs). */
  logger?: Logger;
}

let template: Blob | undefined;
function pgliteTemplate(): Blob {
  template ??= new Blob([readFileSync(inject("pgliteTemplate"))]);
  return template;
}

export const usingPostgres = (): boolean => Boolean(process.env.DATABASE_URL);

/**
 * A real gateway on port 0. With DATABASE_URL it runs on that Postgres in a schema of its own
 * (dropped on close unless shared); otherwise on an in-memory PGlite.
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const adminKey = opts.adminKey ?? opts.shareWith?.adminKey ?? `sb-test-admin-${randomBytes(12).toString("hex")}`;
  const env: Record<string, string> = {
    SWITCHBOARD_ADMIN_KEY: adminKey,
    SWITCHBOARD_DATA_DIR: "memory://",
    HOST: "127.0.0.1",
    PORT: "0",
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...opts.env,
  };
  const config = loadConfig(env, opts.file ?? {});
  const dbSchema = config.databaseUrl ? (opts.shareWith?.dbSchema ?? `t_${randomBytes(6).toString("hex")}`) : undefined;
  const app = await createApp({
    config,
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    db: config.databaseUrl ? { schema: dbSchema!, poolSize: 4 } : { pgliteTemplate: pgliteTemplate() },
  });
  const { url } = await app.listen(0, "127.0.0.1");
  const owner = !opts.shareWith;
  return {
    app,
    url,
    wsUrl: url.replace(/^http/, "ws") + "/graphql",
    adminKey,
    dbSchema,
    async close() {
      await app.close();
      if (owner && dbSchema && process.env.DATABASE_URL) await dropSchema(dbSchema);
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`drop schema if exists ${schema} cascade`);
  } finally {
    await sql.end();
  }
}

/** POSTs a GraphQL operation; returns the parsed body and status. */
export async function gql<T = Record<string, unknown>>(
  t: { url: string },
  key: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const res = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  return { status: res.status, ...body };
}
