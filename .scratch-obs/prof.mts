import pino from "pino";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { syntheticRecords } from "../test/helpers/usage-records.js";
const env: Record<string,string> = { SWITCHBOARD_ADMIN_KEY: "sb-test-admin-0123456789abcdef", SWITCHBOARD_DATA_DIR: "memory://", ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) };
const app = await createApp({ config: loadConfig(env, {}), logger: pino({ level: "silent" }), db: process.env.DATABASE_URL ? { schema: "prof_" + Date.now() } : {} });
const D = 86400000; const base = Math.floor(Date.now()/D)*D - 10*D;
const recs = syntheticRecords({ from: base, to: base + 3*D, count: 2500, seed: 7 });
let t0 = performance.now();
for (const r of recs) app.services.usage.add(r);
await app.services.usage.flush();
console.log("write 2500", (performance.now()-t0).toFixed(0), "ms");
const p = { keyId: "k", role: "ADMIN" as const, userId: "admin", teamId: null, allowedModels: null };
for (const [g, pct] of [[[], true], [["MODEL"], true], [["MODEL"], false], [["TAG"], true], [["USER","KEY"], true], [["HOUR"], true]] as const) {
  t0 = performance.now();
  const r = await app.services.observability.usage.usage(p, { from: new Date(base), to: new Date(base+3*D), groupBy: g as any, percentiles: { ttft: pct, itl: pct, latency: pct } });
  console.log(JSON.stringify(g), pct, r.length, (performance.now()-t0).toFixed(0), "ms");
}
t0 = performance.now();
const r = await app.services.observability.usage.usage(p, { from: new Date(base+5*3600000+1234), to: new Date(base+3*D-3*3600000-5000), groupBy: ["MODEL","DAY"] });
console.log("unaligned", r.length, (performance.now()-t0).toFixed(0), "ms");
await app.close();
