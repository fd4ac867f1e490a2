/**
 * Added latency of admission (budgets and rate limits), measured on the real PolicyEngine and database:
 * PGlite in memory, and Postgres too when DATABASE_URL is set. No network, no provider.
 *
 *   npx tsx bench/policy.ts                     # ITER=2000 to change iterations per database case
 *   DATABASE_URL=postgres://… npx tsx bench/policy.ts
 *
 * Cases: a request that nothing covers (the in-memory fast path); one covering budget; budget + RPM/TPM
 * limit + GLOBAL budget (three rows in one statement), then + TEAM budget (four rows); a rate limit only; a stream's extend() while the
 * hold covers it (sync) and when it must grow (one statement). Settlement is off the request path; its
 * batched throughput is reported separately. Figures are per operation, sequential (one at a time).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { sql } from "drizzle-orm";
import pino from "pino";
import { createApp, type App } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Principal } from "../src/core/auth/keys.js";
import type { AdmissionInput } from "../src/core/pipeline.js";
import type { ChatRequest } from "../src/domain/chat.js";

const ITER = Number(process.env.ITER ?? 2_000);
const FAST_ITER = 1_000_000;

type Stats = { p50: number; p99: number; mean: number; cpu?: number };

function stats(samples: number[], cpu0?: NodeJS.CpuUsage): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const out: Stats = { p50: at(0.5), p99: at(0.99), mean: s.reduce((x, y) => x + y, 0) / s.length };
  if (cpu0) {
    // This process's CPU per operation (ms): all of the work on PGlite, the client side only on Postgres.
    const c = process.cpuUsage(cpu0);
    out.cpu = (c.user + c.system) / 1000 / samples.length;
  }
  return out;
}
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

async function start(url: string | undefined): Promise<{ app: App; schema?: string }> {
  const schema = url ? `bench_${randomBytes(4).toString("hex")}` : undefined;
  const config = loadConfig(
    { SWITCHBOARD_DATA_DIR: "memory://", SWITCHBOARD_ADMIN_KEY: "sb-bench-admin-key-0123456789", HOST: "127.0.0.1", PORT: "0", ...(url ? { DATABASE_URL: url } : {}) },
    {
      providers: { a: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", models: ["m"] } },
      models: [{ id: "a/m", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, maxOutputTokens: 4000 }],
      policy: { spikeIntervalMs: 3_600_000 },
    },
  );
  const app = await createApp({ config, logger: pino({ level: "silent" }), ...(schema ? { db: { schema, poolSize: 10 } } : {}) });
  return { app, ...(schema ? { schema } : {}) };
}

const principal: Principal = { keyId: "key_bench", role: "MEMBER", userId: "user-bench", teamId: "team-bench", allowedModels: null };
const req: ChatRequest = {
  model: "a/m",
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Summarise the meeting notes in three bullet points." }],
  maxTokens: 500,
};

async function run(label: string, url: string | undefined): Promise<void> {
  const { app, schema } = await start(url);
  const policy = app.services.policy;
  await app.services.keys.create({ name: "bench", role: "MEMBER", userId: principal.userId, teamId: principal.teamId });
  const resolved = app.services.catalogue.resolve("a/m");
  const model = resolved.model;
  const input = (stream = false): AdmissionInput => ({
    requestId: randomUUID(),
    principal,
    req,
    plan: { rule: null, requestKind: "TEXT", candidates: [resolved] },
    promptTokens: () => 40,
    stream,
  });
  const usage = { inputTokens: 40, outputTokens: 100, cachedInputTokens: 0, reasoningTokens: 0 };
  const rows: string[] = [];
  const row = (name: string, s: Stats) => rows.push(`| ${name} | ${us(s.p50)} | ${us(s.p99)} | ${us(s.mean)} | ${s.cpu === undefined ? "–" : us(s.cpu)} |`);

  /** Mean ms per admit + settle of a request nothing covers; it must never reach the database. */
  const uncoveredAdmissions = (): number => {
    const t0 = performance.now();
    for (let i = 0; i < FAST_ITER; i++) {
      const a = policy.admit(input());
      if (a instanceof Promise) throw new Error("uncovered admission went to the database");
      a.settle(0, usage, model);
    }
    return (performance.now() - t0) / FAST_ITER;
  };

  // 1. Nothing covers the request: Map lookups only.
  {
    const per = uncoveredAdmissions();
    row("nothing covers it (admit + settle)", { p50: per, p99: per, mean: per });
  }

  // 1b. A thousand budgets and limits exist, for other users and teams: still no round trip.
  {
    await app.services.db.rows(sql`insert into budgets (id, scope, subject, period, limit_micros)
      select 'other_b' || i, 'USER', 'user-' || i, 'MONTH', 1000000 from generate_series(1, 1000) i`);
    await app.services.db.rows(sql`insert into rate_limits (id, scope, subject, requests_per_minute)
      select 'other_l' || i, 'TEAM', 'team-' || i, 100 from generate_series(1, 1000) i`);
    await policy.index.reload();
    const per = uncoveredAdmissions();
    row("nothing covers it, 2 000 others exist", { p50: per, p99: per, mean: per });
    await app.services.db.rows(sql`delete from budgets`);
    await app.services.db.rows(sql`delete from rate_limits`);
    await policy.index.reload();
  }

  const timeAdmissions = async (name: string, stream = false) => {
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < ITER; i++) {
      const t0 = performance.now();
      const a = await policy.admit(input(stream));
      samples.push(performance.now() - t0);
      a.settle(1_000, usage, model);
      if (i % 200 === 199) await policy.flush();
    }
    await policy.flush();
    row(name, stats(samples, cpu0));
  };

  // Reference: the cheapest durable write on this database (one-row UPDATE, one commit).
  {
    await app.services.db.rows(sql`insert into meta (key, value) values ('bench', '0') on conflict do nothing`);
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < ITER; i++) {
      const t0 = performance.now();
      await app.services.db.rows(sql`update meta set value = ${String(i)} where key = 'bench'`);
      samples.push(performance.now() - t0);
    }
    row("reference: a one-row UPDATE (one commit)", stats(samples, cpu0));
  }

  await policy.setBudget({ scope: "USER", subject: "user-bench", period: "MONTH", limitUsd: 1e6 });
  await timeAdmissions("1 budget (hold placed)");

  await policy.setBudget({ scope: "GLOBAL", period: "DAY", limitUsd: 1e6 });
  await policy.setRateLimit({ scope: "TEAM", subject: "team-bench", requestsPerMinute: 10_000_000, tokensPerMinute: 2_000_000_000 });
  await timeAdmissions("2 budgets + RPM/TPM limit (one statement)");

  await policy.setBudget({ scope: "TEAM", subject: "team-bench", period: "MONTH", limitUsd: 1e6 });
  await timeAdmissions("3 budgets + RPM/TPM limit (one statement)");

  // extend(): covered → synchronous; past the hold → one statement.
  {
    const a = await policy.admit(input(true));
    let t0 = performance.now();
    for (let i = 0; i < FAST_ITER; i++) if (a.extend(10, model) !== true) throw new Error("expected a covered extend");
    const sync = (performance.now() - t0) / FAST_ITER;
    row("stream extend(), hold covers it", { p50: sync, p99: sync, mean: sync });
    const samples: number[] = [];
    let out = 300;
    for (let i = 0; i < Math.min(ITER, 200); i++) {
      out = Math.ceil(out * 2.2);
      t0 = performance.now();
      const r = a.extend(out, model);
      if (r !== true && !(await r)) break;
      samples.push(performance.now() - t0);
      if (out > 3_000) break;
    }
    a.settle(1_000, usage, model);
    await policy.flush();
    if (samples.length) row("stream extend(), hold must grow", stats(samples));
  }

  await app.services.db.rows(sql`delete from budgets`);
  await policy.index.reload();
  await timeAdmissions("rate limit only");

  // Settlement throughput (off the request path): N admissions, then time until all are written.
  await policy.setBudget({ scope: "USER", subject: "user-bench", period: "MONTH", limitUsd: 1e6 });
  const held = [];
  for (let i = 0; i < ITER; i++) held.push(await policy.admit(input()));
  const t0 = performance.now();
  for (const a of held) a.settle(1_000, usage, model);
  await policy.flush();
  const settleMs = performance.now() - t0;

  console.log(`\n### ${label}\n`);
  console.log("| case | p50 | p99 | mean | CPU of this process (incl. settlements) |\n|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(`\nsettlement: ${ITER} queued settlements written in ${settleMs.toFixed(0)} ms (${((settleMs / ITER) * 1000).toFixed(1)} µs each, batched)`);

  await app.close();
  if (schema && url) {
    const { default: postgres } = await import("postgres");
    const c = postgres(url, { max: 1, onnotice: () => undefined });
    await c.unsafe(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}

console.log(`policy bench — ${ITER} iterations per database case; ${availableParallelism()} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
await run("PGlite (in memory)", undefined);
if (process.env.DATABASE_URL) await run("Postgres", process.env.DATABASE_URL);
