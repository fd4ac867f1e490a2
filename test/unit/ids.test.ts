import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/core/ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timeOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe("request ids (UUIDv7)", () => {
  it("are lowercase UUIDs with version 7 and the RFC 9562 variant", () => {
    for (let i = 0; i < 2000; i++) expect(uuidv7()).toMatch(V7);
  });

  it("carry the millisecond they were made in their first 48 bits", () => {
    const before = Date.now();
    const id = uuidv7();
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(Date.now());
    for (const t of [0, 1, 2 ** 32 - 1, 2 ** 32, Date.UTC(2025, 5, 1, 12, 0, 0, 789), 2 ** 48 - 1]) expect(timeOf(uuidv7(t))).toBe(t);
  });

  it("sort by time across milliseconds, as text and as bytes", () => {
    const ids = Array.from({ length: 500 }, (_, i) => uuidv7(1_750_000_000_000 + i * 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it("do not repeat, within one millisecond or across the random pool's refills", () => {
    const t = Date.now();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(uuidv7(t));
    expect(seen.size).toBe(20_000);
  });
});
