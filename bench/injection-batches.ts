/**
 * Injection precision/recall on the fresh batches (test/fixtures/injection-fresh-*.json): texts
 * written after the detector and never trained on, so these are the out-of-sample figures.
 * Run: npx tsx bench/injection-batches.ts [--errors]
 */
import { readdirSync, readFileSync } from "node:fs";
import { scoreInjection, warmInjection } from "../src/core/guard/injection/index.js";

interface Batch {
  examples: { label: 0 | 1; family: string; lang: string; text: string }[];
}
const dir = new URL("../test/fixtures/", import.meta.url);
const THRESHOLD = 0.5;
warmInjection();
for (const f of readdirSync(dir).filter((n) => /^injection-fresh-\d+\.json$/.test(n)).sort((a, b) => a.localeCompare(b, "en", { numeric: true }))) {
  const b = JSON.parse(readFileSync(new URL(f, dir), "utf8")) as Batch;
  let tp = 0, fp = 0, fn = 0, neg = 0;
  for (const e of b.examples) {
    const s = scoreInjection(e.text);
    const hit = s >= THRESHOLD;
    if (e.label === 1) hit ? tp++ : fn++;
    else {
      neg++;
      if (hit) fp++;
    }
    if (process.argv.includes("--errors") && hit !== (e.label === 1)) console.log(`  ${e.label ? "missed" : "false+"} ${s.toFixed(2)} ${e.family}/${e.lang}: ${e.text.slice(0, 90).replace(/\n/g, " ")}`);
  }
  const pos = tp + fn;
  console.log(`${f}: ${pos} attacks, ${neg} benign — recall ${((tp / pos) * 100).toFixed(0)}% (${tp}/${pos}), precision ${((tp / Math.max(1, tp + fp)) * 100).toFixed(0)}%, false positives ${((fp / neg) * 100).toFixed(0)}% (${fp}/${neg})`);
}
