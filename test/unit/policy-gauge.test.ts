import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client.js";
import { BudgetGauge } from "../../src/core/policy/gauge.js";

type Row = { id: string; lim: number; spent: number; resets: number | null };

/** A budgets table the gauge polls; `during` runs while the poll is in flight (a settlement racing it). */
function fixture(rows: Row[]) {
  const clock = { now: 1_000_000 };
  const state = { rows, during: undefined as (() => void) | undefined };
  const db = {
    rows: async () => {
      const snapshot = state.rows.map((r) => ({ ...r }));
      clock.now += 5;
      state.during?.();
      return snapshot;
    },
  } as unknown as Database;
  return { gauge: new BudgetGauge(db, () => clock.now), clock, state };
}

describe("budget gauge", () => {
  it("reads limit − spent, and counts a period that has ended as reset", async () => {
    const { gauge, clock } = fixture([{ id: "day", lim: 1_000, spent: 900, resets: 1_060_000 }]);
    await gauge.refresh();
    expect(gauge.read("day")).toMatchObject({ left: 100, limit: 1_000 });
    clock.now = 1_060_000;
    expect(gauge.read("day")!.left).toBe(1_000);
    expect(gauge.read("unknown")).toBeUndefined();
  });

  it("takes fresher figures from statements and alerts; within a period the larger spent wins", async () => {
    const { gauge } = fixture([{ id: "b", lim: 1_000, spent: 100, resets: null }]);
    await gauge.refresh();
    gauge.note("b", 1_000, 700);
    expect(gauge.read("b")!.left).toBe(300);
    // An alert from another instance that arrives late carries an older figure.
    gauge.note("b", 1_000, 500);
    expect(gauge.read("b")!.left).toBe(300);
    // Budgets it does not poll (ALERT_ONLY) are not tracked.
    gauge.note("soft", 1_000, 2_000);
    expect(gauge.size).toBe(1);
  });

  it("keeps a settlement noted while a poll was in flight, but lets the table correct anything older", async () => {
    const { gauge, state } = fixture([{ id: "b", lim: 1_000, spent: 100, resets: null }]);
    await gauge.refresh();
    state.during = () => gauge.note("b", 1_000, 600);
    await gauge.refresh();
    expect(gauge.read("b")!.left).toBe(400);
    // An operator set spent back by hand: the next poll believes the table.
    state.during = undefined;
    state.rows = [{ id: "b", lim: 1_000, spent: 0, resets: null }];
    await gauge.refresh();
    expect(gauge.read("b")!.left).toBe(1_000);
  });

  it("after a period boundary, a statement's spent is the new period's", async () => {
    const { gauge, clock } = fixture([{ id: "day", lim: 1_000, spent: 990, resets: 1_060_000 }]);
    await gauge.refresh();
    clock.now = 1_070_000;
    gauge.note("day", 1_000, 50);
    expect(gauge.read("day")!.left).toBe(950);
  });
});
