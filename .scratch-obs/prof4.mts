import { openDatabase } from "../src/db/client.js";
import { syntheticRecords } from "../test/helpers/usage-records.js";
import { rollupDeltas, applyRollups } from "../src/core/observability/rollups.js";
import { usageRecords } from "../src/db/schema.js";
import { Retention } from "../src/core/observability/retention.js";
import pino from "pino";
const db = await openDatabase({ url: process.env.DATABASE_URL, schema: "prof4_" + Date.now() });
const ret = new Retention(db, pino({level:"silent"}), { usageDays: 30, bodiesDays: 7, hourlyRollupDays: 90, dailyRollupDays: 700, intervalMinutes: 60 });
await ret.start();
const D = 86400000; const base = Math.floor(Date.now()/D)*D - 10*D;
let t0 = performance.now();
await ret.ensurePartitions([0,1,2].map(i => new Date(base + i*D)));
console.log("partitions", (performance.now()-t0).toFixed(0));
for (let k = 0; k < 3; k++) {
const recs = syntheticRecords({ from: base, to: base + 3*D, count: 500, seed: 7+k });
t0 = performance.now();
await db.db.insert(usageRecords).values(recs).onConflictDoNothing().returning({ id: usageRecords.id });
console.log("raw insert 500", (performance.now()-t0).toFixed(0));
const d = rollupDeltas(recs);
for (const part of ["model","principal","tag"] as const) {
t0 = performance.now();
await applyRollups(db.db, { model: [], principal: [], tag: [], [part]: d[part] } as any);
console.log(part, d[part].length, (performance.now()-t0).toFixed(0));
}
}
await ret.stop(); await db.close();
