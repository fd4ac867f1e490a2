import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import * as schema from "../src/db/schema.js";
import { syntheticRecords } from "../test/helpers/usage-records.js";
import { rollupDeltas, applyRollups } from "../src/core/observability/rollups.js";
import { usageRecords } from "../src/db/schema.js";
const client = await PGlite.create("memory://");
const db = drizzle(client, { schema });
await migrate(db, { migrationsFolder: "drizzle" });
const D = 86400000; const base = Math.floor(Date.now()/D)*D - 10*D;
for (let k = 0; k < 3; k++) {
const recs = syntheticRecords({ from: base, to: base + 3*D, count: 500, seed: 7+k });
let t0 = performance.now();
await db.insert(usageRecords).values(recs).onConflictDoNothing().returning({ id: usageRecords.id });
console.log("raw insert 500", (performance.now()-t0).toFixed(0));
t0 = performance.now();
const d = rollupDeltas(recs);
console.log("deltas js", (performance.now()-t0).toFixed(0));
t0 = performance.now();
await applyRollups(db as any, { model: d.model, principal: [], tag: [] });
console.log("model cube", d.model.length, (performance.now()-t0).toFixed(0));
}
let t0 = performance.now();
await client.query("select 1");
console.log("select 1", (performance.now()-t0).toFixed(1));
t0 = performance.now();
await client.query("insert into meta values ($1,$2)", ["a","b"]);
console.log("small insert", (performance.now()-t0).toFixed(1));
