import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonRows } from "../../src/core/observability/bulk.js";
import { openDatabase, type Database } from "../../src/db/client.js";

/**
 * jsonRows feeds every batch insert (`json_to_recordset($1::json)`). Postgres text holds neither U+0000
 * nor a lone surrogate and refuses JSON that converts to one; the rows must go in with U+0000 dropped
 * and a lone surrogate as U+FFFD, and any other text (a literal backslash-u0000 included) exactly as it is.
 * On PGlite, and on Postgres too with DATABASE_URL.
 */
const servers = ["pglite", ...(process.env.DATABASE_URL ? ["postgres"] : [])];

interface Row {
  s: string | null;
  a: string[] | null;
}

const BS = "\\";
const cases: [string, string, string][] = [
  ["plain text", "demo/echo", "demo/echo"],
  ["a real U+0000 (dropped)", "a\u0000b", "ab"],
  ["the literal text \\u0000 (kept)", `demo/echo${BS}u0000`, `demo/echo${BS}u0000`],
  ["a backslash before the literal text \\u0000 (kept)", `${BS}${BS}u0000`, `${BS}${BS}u0000`],
  ["a backslash before a real U+0000", `x${BS}\u0000`, `x${BS}`],
  ["the literal text \\ud800 (kept)", `t${BS}ud800`, `t${BS}ud800`],
  ["a lone high surrogate", "t\ud800", "t\ufffd"],
  ["a lone low surrogate", "\udfffz", "\ufffdz"],
  ["a backslash before a lone surrogate", `${BS}\udc00`, `${BS}\ufffd`],
  ["a surrogate pair (kept)", "pair \u{1F600}", "pair \u{1F600}"],
  ["a pair cut in two, reversed", "\ude00\ud83d", "\ufffd\ufffd"],
  ["quotes, newlines and other escapes", 'q"\n\t\u0001\u001f', 'q"\n\t\u0001\u001f'],
];

describe.each(servers)("jsonRows through json_to_recordset (%s)", (server) => {
  let db: Database;
  let schema: string | undefined;
  beforeAll(async () => {
    if (server === "postgres") {
      schema = `t_${randomBytes(6).toString("hex")}`;
      db = await openDatabase({ url: process.env.DATABASE_URL, schema, poolSize: 2 });
    } else {
      db = await openDatabase({ dataDir: "memory://", pgliteTemplate: new Blob([readFileSync(inject("pgliteTemplate"))]) });
    }
  });
  afterAll(async () => {
    if (schema) await db.rows(sql.raw(`drop schema ${schema} cascade`));
    await db?.close();
  });

  /** The rows as the server reads them back out of jsonRows' text. */
  const roundTrip = (rows: Row[]) => db.query<Row>("select x.s, x.a from json_to_recordset($1::json) as x(s text, a text[])", [jsonRows(rows)]);

  it.each(cases)("%s, as a text and in a text[]", async (_what, sent, stored) => {
    expect(await roundTrip([{ s: sent, a: ["first", sent, "last"] }])).toEqual([{ s: stored, a: ["first", stored, "last"] }]);
  });

  it("every kind in one batch, row for row", async () => {
    const rows = cases.map(([, sent]) => ({ s: sent, a: [sent] }));
    expect(await roundTrip(rows)).toEqual(cases.map(([, , stored]) => ({ s: stored, a: [stored] })));
  });

  it("clean rows are JSON.stringify's text as it is; keys it does not name and nulls pass", async () => {
    const rows = [{ s: `a${BS}b "c"`, a: null, extra: 1 }];
    expect(jsonRows(rows)).toBe(JSON.stringify(rows));
    expect(await roundTrip(rows)).toEqual([{ s: `a${BS}b "c"`, a: null }]);
  });
});
