import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { admitStatement, extendStatement, settleStatement, sweepStatement, tokenFixStatement, type AdmitRow, type AdmitParams } from "../../src/core/policy/sql.js";
import { openDatabase, type Database } from "../../src/db/client.js";

/**
 * The money statements on their own, on PGlite and (with DATABASE_URL) on Postgres, where the
 * concurrency cases are real: many connections racing for the same rows.
 */
let db: Database;
let schema: string | undefined;

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (url) {
    schema = `t_${randomBytes(6).toString("hex")}`;
    db = await openDatabase({ url, schema, poolSize: 16 });
  } else {
    db = await openDatabase({ dataDir: "memory://", pgliteTemplate: new Blob([readFileSync(inject("pgliteTemplate"))]) });
  }
});
afterAll(async () => {
  if (schema) await db.rows(sql.raw(`drop schema ${schema} cascade`));
  await db?.close();
});
beforeEach(async () => {
  await db.rows(sql`delete from budget_holds`);
  await db.rows(sql`delete from budgets`);
  await db.rows(sql`delete from rate_limits`);
});

async function budget(id: string, limit: number, extra: { scope?: string; subject?: string; action?: string; period?: string; resetsAt?: string } = {}) {
  await db.rows(sql`insert into budgets (id, scope, subject, period, limit_micros, action, resets_at)
    values (${id}, ${extra.scope ?? "GLOBAL"}, ${extra.subject ?? id}, ${extra.period ?? "TOTAL"}, ${limit}, ${extra.action ?? "BLOCK"}, ${extra.resetsAt ?? null}::timestamptz)`);
}
const state = async () =>
  Object.fromEntries(
    (await db.rows<{ id: string; spent: string | number; reserved: string | number }>(sql`select id, spent_micros as spent, reserved_micros as reserved from budgets order by id`)).map((r) => [
      r.id,
      { spent: Number(r.spent), reserved: Number(r.reserved) },
    ]),
  );
const holdCount = async () => Number((await db.rows<{ n: string | number }>(sql`select count(*) as n from budget_holds`))[0]!.n);

const base: Omit<AdmitParams, "holdId"> = { budgetIds: [], limitIds: [], slot: 1_000_000, tokens: 0, minMicros: 0, desiredMicros: 0, instanceId: "i1", ttlMs: 60_000, apply: true };
async function admit(p: Partial<AdmitParams> & { holdId: string }): Promise<AdmitRow> {
  const [r] = await db.rows<AdmitRow>(admitStatement({ ...base, ...p }));
  return { ...r!, granted: Number(r!.granted) };
}

describe("budget holds", () => {
  it("never reserve past any limit under concurrent admissions over three budgets, all or nothing", async () => {
    await budget("key", 1_000_000, { scope: "KEY" });
    await budget("team", 500_000, { scope: "TEAM" });
    await budget("org", 10_000_000);
    const ids = ["org", "team", "key"];
    // PGlite runs statements one at a time; Postgres races 200 of them over 16 connections.
    const n = schema ? 200 : 80;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => admit({ holdId: `h${i}`, budgetIds: i % 2 ? ids : [...ids].reverse(), minMicros: 10_000, desiredMicros: 10_000 })),
    );
    const admitted = results.filter((r) => r.ok).length;
    expect(admitted).toBe(50);
    expect(await state()).toEqual({ key: { spent: 0, reserved: 500_000 }, team: { spent: 0, reserved: 500_000 }, org: { spent: 0, reserved: 500_000 } });
    expect(await holdCount()).toBe(50);
  });

  it("grant what is left to a stream that can start on less, and refuse below its minimum", async () => {
    await budget("b", 1_000);
    expect((await admit({ holdId: "a", budgetIds: ["b"], minMicros: 100, desiredMicros: 600 })).granted).toBe(600);
    const second = await admit({ holdId: "b", budgetIds: ["b"], minMicros: 100, desiredMicros: 600 });
    expect(second).toMatchObject({ ok: true, granted: 400 });
    const third = await admit({ holdId: "c", budgetIds: ["b"], minMicros: 1, desiredMicros: 600 });
    expect(third.ok).toBe(false);
    expect(third.budgets).toEqual([{ id: "b", action: "BLOCK", limit: 1000, spent: 0, reserved: 1000 }]);
  });

  it("extend a live hold by what is left, refuse below the minimum, and refuse a hold that is gone", async () => {
    await budget("b", 1_000);
    await admit({ holdId: "a", budgetIds: ["b"], minMicros: 100, desiredMicros: 500 });
    const ext = async (min: number, desired: number, id = "a") => {
      const [r] = await db.rows<{ ok: boolean; held: boolean; granted: number }>(extendStatement(id, min, desired, 60_000));
      return { ok: r!.ok, held: r!.held, granted: Number(r!.granted) };
    };
    expect(await ext(1, 400)).toEqual({ ok: true, held: true, granted: 400 });
    expect(await ext(200, 300)).toMatchObject({ ok: false, granted: 100 });
    expect(await ext(50, 300)).toEqual({ ok: true, held: true, granted: 100 });
    expect(await state()).toEqual({ b: { spent: 0, reserved: 1000 } });
    expect(Number((await db.rows<{ a: string }>(sql`select amount_micros as a from budget_holds where id = 'a'`))[0]!.a)).toBe(1000);
    expect(await ext(1, 1, "missing")).toMatchObject({ ok: false, held: false });
  });

  it("ALERT_ONLY budgets hold and record but never refuse", async () => {
    await budget("soft", 100, { action: "ALERT_ONLY" });
    expect((await admit({ holdId: "a", budgetIds: ["soft"], minMicros: 500, desiredMicros: 500 })).ok).toBe(true);
    expect(await state()).toEqual({ soft: { spent: 0, reserved: 500 } });
  });
});

describe("settlement and expiry", () => {
  it("adds the actual cost to every covering budget (MODEL budgets only for the model that served) and releases the hold once", async () => {
    await budget("g", 1_000_000);
    await budget("ma", 1_000_000, { scope: "MODEL", subject: "p/a" });
    await budget("mb", 1_000_000, { scope: "MODEL", subject: "p/b" });
    const ids = ["g", "ma", "mb"];
    await admit({ holdId: "r1", budgetIds: ids, minMicros: 5_000, desiredMicros: 5_000 });
    await admit({ holdId: "r2", budgetIds: ids, minMicros: 5_000, desiredMicros: 5_000 });
    const rows = await db.rows<{ id: string; spent: number; added: number }>(
      settleStatement([
        { h: "r1", a: 1_234, m: "p/b", b: ids },
        { h: "r2", a: 4_000, m: "p/a", b: ids },
      ]),
    );
    expect(rows.map((r) => [r.id, Number(r.spent), Number(r.added)]).sort()).toEqual([
      ["g", 5_234, 5_234],
      ["ma", 4_000, 4_000],
      ["mb", 1_234, 1_234],
    ]);
    expect(await state()).toEqual({ g: { spent: 5_234, reserved: 0 }, ma: { spent: 4_000, reserved: 0 }, mb: { spent: 1_234, reserved: 0 } });
    expect(await holdCount()).toBe(0);
  });

  it("the sweeper releases only expired holds, and a late settlement of a swept hold adds its cost without releasing twice", async () => {
    await budget("b", 1_000_000);
    await admit({ holdId: "live", budgetIds: ["b"], minMicros: 1_000, desiredMicros: 1_000 });
    await admit({ holdId: "dead", budgetIds: ["b"], minMicros: 2_000, desiredMicros: 2_000 });
    await db.rows(sql`update budget_holds set expires_at = now() - interval '1 second' where id = 'dead'`);
    const [swept] = await db.rows<{ holds: number }>(sweepStatement());
    expect(Number(swept!.holds)).toBe(1);
    expect(await state()).toEqual({ b: { spent: 0, reserved: 1_000 } });
    await db.rows(settleStatement([{ h: "dead", a: 1_500, m: "x/y", b: ["b"] }]));
    expect(await state()).toEqual({ b: { spent: 1_500, reserved: 1_000 } });
    expect(Number((await db.rows<{ holds: number }>(sweepStatement()))[0]!.holds)).toBe(0);
  });

  it("concurrent settlements and sweeps never release a hold twice nor deadlock", async () => {
    await budget("x", 10_000_000);
    await budget("y", 10_000_000);
    for (let i = 0; i < 60; i++) await admit({ holdId: `h${i}`, budgetIds: ["x", "y"], minMicros: 1_000, desiredMicros: 1_000 });
    await db.rows(sql`update budget_holds set expires_at = now() - interval '1 second' where id like 'h1%'`);
    await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => db.rows(settleStatement([{ h: `h${i}`, a: 100, m: "", b: i % 2 ? ["x", "y"] : ["y", "x"] }]))),
      db.rows(sweepStatement()),
      db.rows(sweepStatement()),
    ]);
    expect(await state()).toEqual({ x: { spent: 6_000, reserved: 0 }, y: { spent: 6_000, reserved: 0 } });
    expect(await holdCount()).toBe(0);
  });

  it("a period that has ended restarts at 0, and the next end is local midnight in the budget's time zone", async () => {
    await db.rows(sql`insert into budgets (id, scope, subject, period, limit_micros, spent_micros, time_zone, resets_at)
      values ('d', 'GLOBAL', '', 'DAY', 1000, 900, 'Asia/Tokyo', now() - interval '1 second')`);
    const r = await admit({ holdId: "a", budgetIds: ["d"], minMicros: 500, desiredMicros: 500 });
    expect(r.ok).toBe(true);
    const [row] = await db.rows<{ spent: number; reserved: number; h: number; m: number; future: boolean }>(
      sql`select spent_micros as spent, reserved_micros as reserved, extract(hour from resets_at at time zone 'UTC')::int as h,
          extract(minute from resets_at at time zone 'UTC')::int as m, resets_at > now() and resets_at <= now() + interval '1 day' as future from budgets`,
    );
    expect({ spent: Number(row!.spent), reserved: Number(row!.reserved) }).toEqual({ spent: 0, reserved: 500 });
    // Tokyo is UTC+9 with no DST: local midnight is 15:00 UTC.
    expect([Number(row!.h), Number(row!.m), row!.future]).toEqual([15, 0, true]);
  });
});

describe("rate-limit windows", () => {
  it("admit a limit's worth per 60 one-second slots, counting every caller", async () => {
    await db.rows(sql`insert into rate_limits (id, scope, subject, requests_per_minute) values ('l', 'USER', 'u', 60)`);
    const at = (slot: number, n: number) => Promise.all(Array.from({ length: n }, (_, i) => admit({ holdId: `r${slot}-${i}`, limitIds: ["l"], slot })));
    expect((await at(1_000, 90)).filter((r) => r.ok).length).toBe(60);
    expect((await at(1_059, 5)).filter((r) => r.ok).length).toBe(0);
    // Slot 1000 leaves the window at 1060.
    expect((await at(1_060, 70)).filter((r) => r.ok).length).toBe(60);
    const [w] = await db.rows<{ slots: unknown[] }>(sql`select win_slots as slots from rate_limits`);
    expect(w!.slots.map(Number)).toEqual([1_060]);
  });

  it("refuses without counting when a budget refuses, and corrects tokens at settlement", async () => {
    await db.rows(sql`insert into rate_limits (id, scope, subject, requests_per_minute, tokens_per_minute) values ('l', 'USER', 'u', 100, 1000)`);
    await budget("b", 0);
    expect((await admit({ holdId: "x", limitIds: ["l"], budgetIds: ["b"], tokens: 10, minMicros: 1, desiredMicros: 1 })).ok).toBe(false);
    expect((await admit({ holdId: "y", limitIds: ["l"], tokens: 600 })).ok).toBe(true);
    const refused = await admit({ holdId: "z", limitIds: ["l"], tokens: 600 });
    expect(refused).toMatchObject({ ok: false, lim_ok: false });
    await db.rows(tokenFixStatement([{ l: ["l"], s: base.slot, d: -400 }]));
    const [w] = await db.rows<{ reqs: unknown[]; toks: unknown[] }>(sql`select win_requests as reqs, win_tokens as toks from rate_limits`);
    expect([w!.reqs.map(Number), w!.toks.map(Number)]).toEqual([[1], [200]]);
    expect((await admit({ holdId: "z2", limitIds: ["l"], tokens: 600 })).ok).toBe(true);
  });
});
