import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { loadConfig, type Config } from "./config.js";
import { KeyStore } from "./core/auth/keys.js";
import { Catalogue } from "./core/catalogue/index.js";
import { Routing } from "./core/routing/index.js";
import { Gateway } from "./core/gateway.js";
import { Guardrails } from "./core/guard/index.js";
import { PolicyStore as GuardrailPolicies } from "./core/guard/policies.js";
import { warmTokenizer } from "./core/metering/tokens.js";
import { UsageWriter } from "./core/metering/usage-writer.js";
import { Observability } from "./core/observability/index.js";
import { PolicyEngine } from "./core/policy/index.js";
import { openDatabase, type Database, type DbOptions } from "./db/client.js";
import { UpstreamClient } from "./providers/http.js";
import { buildSchemas } from "./transport/graphql/schema.js";
import { createHttpApp, type HttpApp } from "./transport/server.js";
import type { Services } from "./transport/services.js";

/** How long cut requests may take to unwind and settle once their connections are closed at shutdown. */
const CUT_SETTLE_MS = 5_000;

export interface AppOptions {
  config?: Config;
  /** Database options beyond the config (tests: a Postgres schema of their own, a PGlite template). */
  db?: Pick<DbOptions, "schema" | "pgliteTemplate" | "poolSize">;
  logger?: Logger;
}

export interface App {
  services: Services;
  http: HttpApp;
  /** The first admin key, when this start generated one (printed once by main.ts). */
  generatedAdminKey: string | undefined;
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Graceful stop: refuse new work, let streams finish (bounded), flush usage, close the DB. */
  close(): Promise<void>;
}

/**
 * The process logger: JSON lines to `dest` (stdout by default). Lines are buffered up to 16 KB and the
 * buffer is written at least every 200 ms (and at exit, by pino): with one line per request, a write per
 * line measured 11.4 µs per line against 5.4 µs buffered (one line per event-loop turn, pinned to one
 * core). The buffer is written synchronously, as pino's own destination does by default: an
 * asynchronous write hands each 16 KB to a libuv pool thread, which on a gateway given one core
 * preempts the event loop and hands back, 1.4–3.8 µs per request more than writing in place in three
 * paired runs of bench/observability.ts (modes observe vs observe with this setting; a write of 16 KB
 * itself is ~0.65 µs per request). The price is pino's usual one: a log sink that stops reading (a full
 * pipe) stalls the process instead of growing its memory.
 *
 * The destination keeps its buffer as Buffers (sonic-boom's contentMode "buffer"): in its default
 * string mode every write appends the line to the pending chunk and measures that whole chunk again
 * (Buffer.byteLength of a concatenated string flattens it), a copy of up to the chunk's size and as
 * much garbage per line, which grows with the chunk (~2 µs per request at 16 KB in the bench's
 * gateway). As Buffers, a line is encoded once and a chunk concatenated once per write. pino writes
 * strings, hence the encoding in front of `write`.
 */
export function createLogger(level: Config["logLevel"], dest: number | string = 1): Logger {
  // maxWrite (one write's most) has to exceed minLength; its default is 16 KB.
  const destination = pino.destination({ dest, sync: true, minLength: 16384, maxWrite: 32768, periodicFlush: 200, contentMode: "buffer" });
  // sonic-boom's typings describe only its string mode.
  const writeBuffer = destination.write.bind(destination) as unknown as (chunk: Buffer) => boolean;
  destination.write = (line: string | Buffer) => writeBuffer(typeof line === "string" ? Buffer.from(line) : line);
  return pino(
    {
      level,
      base: { service: "switchboard" },
      // Keys and bodies never belong in logs; these paths catch the obvious carriers if one slips in.
      redact: { paths: ["req.headers.authorization", "headers.authorization", "authorization", "apiKey", "secret"], censor: "[REDACTED]" },
    },
    destination,
  );
}

/** The composition root: the one module that wires every layer together. */
export async function createApp(opts: AppOptions = {}): Promise<App> {
  const config = opts.config ?? loadConfig();
  const log = opts.logger ?? createLogger(config.logLevel);
  const db: Database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, ...opts.db });
  const keys = new KeyStore(db, log);
  const catalogue = new Catalogue(db, config, log);
  await Promise.all([keys.start(), catalogue.start()]);
  // Rules are compiled against the catalogue (models, aliases), so routing starts after it.
  const policy = new PolicyEngine({ db, log, catalogue, options: config.policy });
  // Routing skips a target whose budget would refuse the request, from the policy's in-memory view.
  const routing = new Routing(db, catalogue, log, config.limits, { pollMs: config.routing.pollMs, breaker: config.routing.breaker, exclude: (m, r) => policy.overBudget(m, r) });
  await routing.start();
  await policy.start();
  const guardPolicies = new GuardrailPolicies(db, config.guardrails, log);
  await guardPolicies.start();
  const guardrails = new Guardrails(guardPolicies, { timeBudgetMs: config.guardrails.timeBudgetMs });
  const generatedAdminKey = await keys.bootstrap(config.adminKey);
  warmTokenizer();
  const observability = await Observability.start({ db, config, log, catalogue, processMetrics: true });
  const usage = new UsageWriter(db, log, { ...config.usage, ...observability.writerOptions() });
  observability.watch(usage);
  const upstream = new UpstreamClient(config.timeouts, Object.fromEntries(Object.values(config.providers).map((p) => [p.name, p.timeouts])));
  const gateway = new Gateway({ catalogue, upstream, usage, limits: config.limits, log, router: routing.router, retry: config.routing.retry ?? {}, observer: observability.observer, policy, guard: guardrails });
  const services: Services = { config, log, db, gateway, catalogue, keys, usage, routing, observability, policy, guardrails };
  const http = await createHttpApp(await buildSchemas(), services, log);

  let closing: Promise<void> | undefined;
  return {
    services,
    http,
    generatedAdminKey,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        http.server.once("error", reject);
        http.server.listen(port, host, () => {
          const addr = http.server.address() as AddressInfo;
          const shown = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
          resolve({ port: addr.port, url: `http://${shown === "0.0.0.0" ? "127.0.0.1" : shown}:${addr.port}` });
        });
      });
    },
    close() {
      closing ??= (async () => {
        http.stopAccepting();
        const drained = await gateway.drain(config.shutdown.drainMs);
        if (!drained) log.warn({ active: gateway.activeRequests }, "shutdown: streams still running after the drain period; closing them");
        await http.stop();
        // Cut streams settle (usage record, budget settlement) once their upstream call has unwound, which
        // takes more than a tick: wait for that (bounded) before the last flushes, or their money is lost.
        if (!(await gateway.drain(CUT_SETTLE_MS))) log.error({ active: gateway.activeRequests }, "shutdown: cut requests did not settle in time; their usage and spending are lost");
        await usage.close();
        // Budget settlements are queued off the request path; write them before the database goes.
        await policy.close(config.shutdown.drainMs);
        await observability.close();
        await Promise.allSettled([keys.stop(), catalogue.stop(), routing.stop(), guardPolicies.stop()]);
        await upstream.close();
        await db.close();
      })();
      return closing;
    },
  };
}
