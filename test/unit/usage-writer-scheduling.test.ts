import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { UsageWriter } from "../../src/core/metering/usage-writer.js";
import type { Database, Query } from "../../src/db/client.js";
import { syntheticRecords } from "../helpers/usage-records.js";

/**
 * When the writer sends batches, against a database whose statements finish only when the test says so:
 * one write in flight at most, the next full batch as soon as one ends, a partial one on the timer, and
 * after a failure only the backoff timer retries.
 */
function harness(batchSize: number, flushIntervalMs: number, maxQueued?: number, lines: string[] = []) {
  const pending: { size: number; settle: (err?: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const query: Query = <T>(_text: string, params: unknown[]) =>
    new Promise<T[]>((resolve, reject) => {
      // The first attempt's statement gets the rows as its first parameter, the retry's as its second.
      const rows = JSON.parse(String(typeof params[0] === "string" ? params[0] : params[1])) as unknown[];
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push({
        size: rows.length,
        settle: (err) => {
          inFlight--;
          if (err) reject(err);
          else resolve([{ n: rows.length, ids: null }] as T[]);
        },
      });
    });
  const db = { kind: "postgres", query, atomic: (fn: (q: Query) => Promise<unknown>) => fn(query) } as unknown as Database;
  const w = new UsageWriter(db, pino({ level: "info" }, { write: (l: string) => lines.push(l) }), { flushIntervalMs, batchSize, maxQueued });
  const next = async () => {
    await expect.poll(() => pending.length, { timeout: 5000 }).toBeGreaterThan(0);
    return pending.shift()!;
  };
  return { w, pending, next, maxInFlight: () => maxInFlight };
}

/** Lets `first` and every batch after it succeed until `total` records are written; returns how many were. */
async function writeAll(h: ReturnType<typeof harness>, first: { size: number; settle: (err?: Error) => void }, total: number): Promise<number> {
  first.settle();
  let written = first.size;
  while (written < total) {
    const b = await h.next();
    written += b.size;
    b.settle();
  }
  await h.w.flush();
  return written;
}

const H = 3_600_000;
const records = (count: number, seed: number) => syntheticRecords({ from: Date.now() - H, to: Date.now(), count, seed });

describe("usage writer scheduling", () => {
  it("keeps one batch in flight, sends the next full batch as it ends and the rest on the timer", async () => {
    const h = harness(10, 50);
    for (const r of records(10, 1)) h.w.add(r);
    const first = await h.next();
    expect(first.size).toBe(10);
    // Records added while the batch is written wait for it; they start nothing of their own (before, each
    // started a flush() that waited on the batch: hundreds of waiting loops per batch under load).
    const flushes = vi.spyOn(h.w, "flush");
    for (const r of records(35, 2)) h.w.add(r);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.pending).toHaveLength(0);
    expect(flushes).not.toHaveBeenCalled();
    first.settle();
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await h.next();
      sizes.push(b.size);
      b.settle();
    }
    expect(sizes).toEqual([10, 10, 10]);
    const last = await h.next(); // the 5 left, after flushIntervalMs
    expect(last.size).toBe(5);
    last.settle();
    await h.w.flush();
    expect(h.w.depth).toBe(0);
    expect(h.maxInFlight()).toBe(1);
  });

  it("after a failed batch, adding records does not retry it: the backoff timer does, then the queue drains", async () => {
    const h = harness(10, 50);
    for (const r of records(10, 3)) h.w.add(r);
    (await h.next()).settle(new Error("connection refused"));
    await expect.poll(() => h.w.consecutiveFailures).toBe(1);
    for (const r of records(25, 4)) h.w.add(r);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.pending).toHaveLength(0); // backoff after one failure: 1 s
    const retry = await h.next();
    expect(retry.size).toBe(10);
    retry.settle();
    const rest: number[] = [];
    while (rest.reduce((a, b) => a + b, 0) < 25) {
      const b = await h.next();
      rest.push(b.size);
      b.settle();
    }
    expect(rest).toEqual([10, 10, 5]);
    await h.w.flush();
    expect(h.w.consecutiveFailures).toBe(0);
    expect(h.maxInFlight()).toBe(1);
  });

  it("reports a backlog past maxQueued, keeps every record, probes the database every 2 s at most meanwhile, and recovers", async () => {
    const lines: string[] = [];
    const h = harness(10, 50, 30, lines);
    for (const r of records(10, 5)) h.w.add(r);
    (await h.next()).settle(new Error("connection refused"));
    for (const r of records(19, 6)) h.w.add(r);
    expect(h.w.backlogged).toBe(false);
    h.w.add(records(1, 7)[0]!);
    expect(h.w.backlogged).toBe(true);
    // Requests already under way still hand in their records: none is dropped.
    for (const r of records(5, 8)) h.w.add(r);
    expect(h.w.depth).toBe(35);
    (await h.next()).settle(new Error("connection refused")); // after 1 s
    (await h.next()).settle(new Error("connection refused")); // after 2 s
    // Three failures back off 4 s when healthy; a backlogged writer (the gateway refusing requests) waits 2 s.
    const t0 = Date.now();
    const retry = await h.next();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await writeAll(h, retry, 35)).toBe(35);
    expect(h.w.backlogged).toBe(false);
    expect(h.w.depth).toBe(0);
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs.filter((m) => m.includes("refusing new requests"))).toHaveLength(1);
    expect(msgs.filter((m) => m.includes("taking new requests again"))).toHaveLength(1);
  }, 15_000);

  it("shortens a long backoff armed before the queue filled up, once it is backlogged", async () => {
    const h = harness(10, 50, 30);
    for (const r of records(10, 9)) h.w.add(r);
    (await h.next()).settle(new Error("connection refused")); // retry in 1 s
    (await h.next()).settle(new Error("connection refused")); // retry in 2 s
    (await h.next()).settle(new Error("connection refused")); // next retry armed 4 s out, while not backlogged
    await expect.poll(() => h.w.consecutiveFailures).toBe(3);
    for (const r of records(20, 10)) h.w.add(r);
    expect(h.w.backlogged).toBe(true);
    const t0 = Date.now();
    const retry = await h.next();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await writeAll(h, retry, 30)).toBe(30);
    expect(h.w.depth).toBe(0);
  }, 15_000);
});
