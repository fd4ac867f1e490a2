/**
 * Rule evaluation cost: RuleRouter.plan() with 100 rules, on the real catalogue and rule store
 * (in-memory PGlite), no network. Target: under 50 µs per plan.
 *
 *   npx tsx bench/routing.ts            # ITER=200000 to change the iterations per case
 *
 * Cases: the matching rule is the last of 100 (every rule examined); no rule matches (direct
 * serving after examining all 100); LEAST_COST and WEIGHTED winners; the classifier alone on a
 * short and a 4 KB prompt. Prints CPU and wall µs per operation.
 */
import { availableParallelism, loadavg } from "node:os";
import pino from "pino";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Principal } from "../src/core/auth/keys.js";
import { classifyRequest } from "../src/core/routing/classify.js";
import type { RuleInput } from "../src/core/routing/index.js";
import type { ChatRequest } from "../src/domain/chat.js";

const ITER = Number(process.env.ITER ?? 100_000);

const config = loadConfig(
  { SWITCHBOARD_DATA_DIR: "memory://", SWITCHBOARD_ADMIN_KEY: "sb-bench-admin-key-0123456789", HOST: "127.0.0.1", PORT: "0" },
  {
    providers: {
      a: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", models: ["m1", "m2", "m3"] },
      b: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", models: ["m1", "m2", "m3"] },
    },
    models: ["a/m1", "a/m2", "a/m3", "b/m1", "b/m2", "b/m3"].map((id, i) => ({ id, inputPricePerMTok: 0.1 * (i + 1), outputPricePerMTok: 0.4 * (i + 1) })),
  },
);
const app = await createApp({ config, logger: pino({ level: "silent" }) });
const routing = app.services.routing;

const targets = [{ model: "a/m1" }, { model: "b/m1" }, { model: "a/m2" }];
const rules: RuleInput[] = [];
for (let i = 0; i < 96; i++) {
  // Realistic misses: other router names, code-only with tags, per-user and per-team rules, size bands.
  const when =
    i % 4 === 0
      ? { models: [`router-${i}`] }
      : i % 4 === 1
        ? { kinds: ["CODE" as const], tagsAny: [`tag-${i}`] }
        : i % 4 === 2
          ? { users: [`user-${i}`, `user-${i + 1000}`], teams: [`team-${i}`] }
          : { models: ["auto", "smart"], minPromptTokens: 10_000 + i };
  rules.push({ name: `miss ${i}`, priority: i, when, targets, strategy: "FALLBACK" });
}
rules.push({ name: "cost", priority: 200, when: { models: ["cheap"] }, targets: [{ model: "a/m3" }, { model: "b/m2" }, { model: "a/m1" }], strategy: "LEAST_COST" });
rules.push({ name: "weighted", priority: 201, when: { models: ["spread"] }, targets: [{ model: "a/m1", weight: 3 }, { model: "b/m1", weight: 1 }], strategy: "WEIGHTED" });
rules.push({ name: "last", priority: 202, when: { models: ["auto"], kinds: ["TEXT"], hasTools: false }, targets, strategy: "FALLBACK" });
rules.push({ name: "no kind", priority: 203, when: { models: ["plain"] }, targets, strategy: "FALLBACK" });
for (const r of rules) await routing.upsertRule(r);
if (routing.rules().length !== 100) throw new Error(`expected 100 rules, have ${routing.rules().length}`);

const principal: Principal = { keyId: "key_bench", role: "MEMBER", userId: "user-bench", teamId: "team-bench", allowedModels: null };
const prompt = "Summarise the following meeting notes in three bullet points. We discussed the roadmap for the next quarter, hiring, and the office move.";
const req = (model: string, content = prompt): ChatRequest => ({ model, messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content }], tags: ["bench"] });

/**
 * Wall time and this process's CPU time per operation. Other work on the machine inflates wall time;
 * CPU time (user + system of this process) is the figure that stays honest under contention.
 */
function bench(label: string, fn: () => unknown): number {
  for (let i = 0; i < Math.min(ITER, 20_000); i++) fn();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) fn();
  const wallNs = Number(process.hrtime.bigint() - start) / ITER;
  const cpu = process.cpuUsage(cpu0);
  const cpuNs = ((cpu.user + cpu.system) * 1000) / ITER;
  console.log(`${label.padEnd(62)} cpu ${(cpuNs / 1000).toFixed(2).padStart(7)} µs   wall ${(wallNs / 1000).toFixed(2).padStart(7)} µs`);
  return cpuNs;
}

const router = routing.router;
const check = router.plan(req("auto"), principal);
if (check.rule?.name !== "last" || check.candidates.length !== 3) throw new Error(`unexpected plan: ${check.rule?.name}`);

console.log(`RuleRouter.plan() with ${routing.rules().length} rules, ${ITER} iterations per case (Node ${process.version})\n`);
const results = [
  bench("plan: match is the 99th rule (CODE/TEXT condition)", () => router.plan(req("auto"), principal)),
  bench("plan: match is the 100th rule, no kind condition", () => router.plan(req("plain"), principal)),
  bench("plan: no rule matches (direct serving)", () => router.plan(req("b/m3"), principal)),
  bench("plan: LEAST_COST rule (3 targets sorted by price)", () => router.plan(req("cheap"), principal)),
  bench("plan: WEIGHTED rule (weighted shuffle)", () => router.plan(req("spread"), principal)),
];
const long = "Explain the following paragraph in plain words. ".repeat(90);
bench("classifier alone: short prompt", () => classifyRequest(req("auto")));
bench(`classifier alone: ${long.length}-char prompt (scores first + last KB)`, () => classifyRequest(req("auto", long)));
bench("plan: 99th rule (CODE/TEXT condition), 4 KB prompt", () => router.plan(req("auto", long), principal));
bench("plan: 100th rule (no kind condition), 4 KB prompt", () => router.plan(req("plain", long), principal));

// Budgets the request falls under: routing checks, per target, whether one of them would refuse it there.
await app.services.keys.create({ name: "bench", role: "MEMBER", userId: principal.userId, teamId: principal.teamId });
const policy = app.services.policy;
await policy.setBudget({ scope: "USER", subject: "user-bench", period: "MONTH", limitUsd: 1000 });
await policy.setBudget({ scope: "TEAM", subject: "team-bench", period: "MONTH", limitUsd: 1000 });
await policy.setBudget({ scope: "MODEL", subject: "a/m1", period: "DAY", limitUsd: 1000 });
if (policy.gauge.size !== 3) throw new Error(`expected 3 budgets in the gauge, have ${policy.gauge.size}`);
results.push(
  bench("plan: 99th rule, 3 BLOCK budgets cover it (over-budget check)", () => router.plan(req("auto"), principal)),
  bench("plan: 100th rule, 3 BLOCK budgets cover it (over-budget check)", () => router.plan(req("plain"), principal)),
);

// This machine's speed, for reading the figures above: a bare character loop over the same 4 KB.
bench("baseline: bare charCodeAt loop over 4 KB (machine speed)", () => {
  let x = 0;
  for (let i = 0; i < long.length; i++) x = (x + long.charCodeAt(i)) | 0;
  return x;
});

const worst = Math.max(...results) / 1000;
console.log(`\nworst plan() case (CPU time, short prompt): ${worst.toFixed(2)} µs (target < 50 µs) — ${worst < 50 ? "OK" : "OVER TARGET"}`);
console.log(`load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
await app.close();
