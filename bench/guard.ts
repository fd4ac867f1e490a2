/**
 * Guardrail costs and quality, in process: npx tsx bench/guard.ts
 * - inspect of a 2 KB prompt (all PII types + injection score): median µs
 * - Guard.begin on a 2 KB request under the default policy
 * - output transform: µs per streamed delta, and of a whole non-streamed answer (default types, all types)
 * - precision/recall on test/fixtures/pii-set.json and test/fixtures/injection-set.json
 */
import { readFileSync } from "node:fs";
import { scoreInjection, warmInjection } from "../src/core/guard/injection/index.js";
import { detect } from "../src/core/guard/pii/detect.js";
import { Placeholders, redactRequest } from "../src/core/guard/redact.js";
import { StreamRedactor } from "../src/core/guard/stream.js";
import { ALL_TYPES, maskOf, type PiiType } from "../src/core/guard/types.js";

const PARA =
  "Hi, I'm preparing the quarterly report for the board and need help restructuring the summary section. " +
  "The numbers come from our finance system; revenue grew 12% year over year while costs stayed flat. " +
  "Please rewrite the following paragraph so it reads well for executives, keep it under 150 words, and " +
  "suggest two charts we could add. Contact me at anna.berg@example.com if anything is unclear. ";
/** `para` repeated to exactly 2 KB. */
const twoKb = (para: string): string => para.repeat(Math.ceil(2048 / para.length)).slice(0, 2048);
const prompt = twoKb(PARA);
/** A second 2 KB prompt: five languages, code, ids and timestamps (the Unicode and leet paths). */
const MIXED_PARA =
  "Bonjour l'équipe, voici le compte rendu de la réunion de mardi : migration vers PostgreSQL 16 et revue des coûts. " +
  "Hallo zusammen, die Umstellung auf das neue Build-System ist abgeschlossen; bitte prüft eure Konfigurationen bis Freitag. " +
  "Hola equipo: el informe de ventas de la región sur está listo. Dank je wel! Obrigado pela ajuda com o relatório.\n" +
  "```ts\nconst res = await fetch(`${BASE_URL}/users/${id}`, { headers: { Accept: \"application/json\" } });\n```\n" +
  "CI log: ERROR 2024-03-14T10:22:31Z request_id=7f3a9c timeout=30000ms route=/api/v2/orders status=504 – can you explain?\n";
const mixed = twoKb(MIXED_PARA);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
/**
 * Median over batches of CPU time per call (process.cpuUsage), beside wall-clock: on a shared
 * 2-core machine wall time mostly measures the neighbours, CPU time measures us.
 */
function timeIt(label: string, runs: number, f: () => void): number {
  for (let i = 0; i < Math.min(2000, runs); i++) f();
  const batch = 50;
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let b = 0; b < Math.ceil(runs / batch); b++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) f();
    const c = process.cpuUsage(c0);
    wall.push(((performance.now() - t0) * 1000) / batch);
    cpu.push((c.user + c.system) / batch);
  }
  const m = median(cpu);
  console.log(`${label.padEnd(58)} cpu ${m.toFixed(1).padStart(7)} µs   wall ${median(wall).toFixed(1).padStart(7)} µs`);
  return m;
}

warmInjection();
const DEFAULT = maskOf(["SECRET", "CREDIT_CARD", "IBAN", "US_SSN"]);
// Optimised code first: without this the first line measures V8's tier-up, not the detectors.
for (let i = 0; i < 5000; i++) {
  detect(i % 2 ? prompt : mixed, ALL_TYPES);
  scoreInjection(i % 2 ? prompt : mixed);
}
console.log(`prompt: ${prompt.length} chars\n`);
timeIt("inspect 2 KB (all 10 PII types + injection score)", 3000, () => {
  detect(prompt, ALL_TYPES);
  scoreInjection(prompt);
});
timeIt("inspect 2 KB mixed-language + code prompt", 3000, () => {
  detect(mixed, ALL_TYPES);
  scoreInjection(mixed);
});
timeIt("  PII detection only, all types", 3000, () => detect(prompt, ALL_TYPES));
timeIt("  PII detection only, default types", 3000, () => detect(prompt, DEFAULT));
timeIt("  injection score only", 3000, () => scoreInjection(prompt));
const req = { model: "m", messages: [{ role: "user" as const, content: prompt }] };
timeIt("input redaction of a 2 KB request, default types", 3000, () => redactRequest(req, (t) => detect(t, DEFAULT), new Placeholders(), true));
// What every request pays under the default policy: redaction of SECRET, CREDIT_CARD, IBAN, US_SSN plus the injection flag.
for (const [label, text] of [["English", prompt], ["mixed", mixed]] as const) {
  const r = { model: "m", messages: [{ role: "user" as const, content: text }] };
  timeIt(`request path, default policy, 2 KB ${label} prompt`, 3000, () => {
    redactRequest(r, (t) => detect(t, DEFAULT), new Placeholders(), true);
    scoreInjection(text);
  });
}

// Output: a 2 KB answer in ~4-character deltas, as models stream.
const answer = prompt.replace("anna.berg@example.com", "[EMAIL_1]");
const deltas = answer.match(/.{1,4}/gs) ?? [];
// A gateway joins each mask's hold-back regexes off the request path the first time it sees the mask.
for (const mask of [DEFAULT, ALL_TYPES]) new StreamRedactor({ mask, placeholders: new Placeholders(), restore: false }).push("Sure, ");
await new Promise((r) => setImmediate(r));
for (const [label, mask] of [["default types", DEFAULT], ["all types", ALL_TYPES]] as const) {
  timeIt(`output transform per delta (${label}, 4-char deltas)`, 200, () => {
    const ph = new Placeholders();
    ph.placeholder("EMAIL", "anna.berg@example.com", true);
    const r = new StreamRedactor({ mask, placeholders: ph, restore: true });
    for (const d of deltas) r.push(d);
    r.flush();
  });
}
console.log(`  (the two lines above are per whole answer of ${deltas.length} deltas: divide by ${deltas.length})`);
// The same answer not streamed: one pass, no hold-back (OutputTransform.whole).
for (const [label, mask] of [["default types", DEFAULT], ["all types", ALL_TYPES]] as const) {
  timeIt(`output transform of the whole answer, not streamed (${label})`, 1000, () => {
    const ph = new Placeholders();
    ph.placeholder("EMAIL", "anna.berg@example.com", true);
    new StreamRedactor({ mask, placeholders: ph, restore: true }).whole(answer);
  });
}
// Added time to first token: the redactor's work on the first delta (text that cannot be PII is not held).
timeIt("added time to first token (default types, first delta)", 3000, () => {
  new StreamRedactor({ mask: DEFAULT, placeholders: new Placeholders(), restore: true }).push("Sure, ");
});

// Quality on the hand-written sets.
const pii = JSON.parse(readFileSync(new URL("../test/fixtures/pii-set.json", import.meta.url), "utf8")) as { examples: { text: string; entities: [PiiType, string][] }[] };
const CONTEXTUAL = new Set<PiiType>(["PERSON", "ADDRESS", "DATE_OF_BIRTH"]);
const score = { structured: { tp: 0, fp: 0, fn: 0 }, contextual: { tp: 0, fp: 0, fn: 0 } };
for (const ex of pii.examples) {
  const got = detect(ex.text, ALL_TYPES).map((f) => `${f.type}\u0000${ex.text.slice(f.start, f.end)}`);
  const want = ex.entities.map(([t, v]) => `${t}\u0000${v}`);
  for (const w of want) score[CONTEXTUAL.has(w.split("\u0000")[0] as PiiType) ? "contextual" : "structured"][got.includes(w) ? "tp" : "fn"]++;
  for (const g of got) if (!want.includes(g)) score[CONTEXTUAL.has(g.split("\u0000")[0] as PiiType) ? "contextual" : "structured"].fp++;
}
console.log(`\nPII set: ${pii.examples.length} texts (exact span and type must match)`);
for (const [k, s] of Object.entries(score)) {
  console.log(`  ${k.padEnd(11)} precision ${((s.tp / Math.max(1, s.tp + s.fp)) * 100).toFixed(1)}%  recall ${((s.tp / Math.max(1, s.tp + s.fn)) * 100).toFixed(1)}%  (${s.tp} found, ${s.fp} false, ${s.fn} missed)`);
}

const injFamilies = ["injection-set.json", "injection-set-2.json"].flatMap(
  (f) => (JSON.parse(readFileSync(new URL(`../test/fixtures/${f}`, import.meta.url), "utf8")) as { families: { label: number; texts: string[] }[] }).families,
);
let tp = 0, fp = 0, fn = 0, neg = 0;
for (const f of injFamilies) for (const t of f.texts) {
  const hit = scoreInjection(t) >= 0.5;
  if (f.label === 1) hit ? tp++ : fn++;
  else {
    neg++;
    if (hit) fp++;
  }
}
console.log(`injection sets 1+2 (in-sample, threshold 0.5): precision ${((tp / (tp + fp)) * 100).toFixed(1)}%  recall ${((tp / (tp + fn)) * 100).toFixed(1)}%  false positives ${((fp / neg) * 100).toFixed(1)}%`);
console.log("  (held-out figures, whole families left out: npx tsx scripts/train-injection.ts; fresh batches: npx tsx bench/injection-batches.ts)");
