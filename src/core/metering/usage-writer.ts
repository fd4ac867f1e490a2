import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db, Database } from "../../db/client.js";
import { requestBodies, usageRecords } from "../../db/schema.js";
import type { ChatRequest } from "../../domain/chat.js";
import { bulkInsert } from "../observability/bulk.js";
import { applyRollups, rollupDeltas, rollupStatements } from "../observability/rollups.js";

type UsageRow = typeof usageRecords.$inferInsert;

/**
 * One request's usage record as the gateway builds it. `request` (as sent upstream, i.e. after
 * redaction) and `response` (the text the client received, after output transforms) travel with it;
 * the writer keeps them only where body logging is on and drops them otherwise.
 */
export interface UsageRecord extends UsageRow {
  request?: ChatRequest | undefined;
  response?: string | undefined;
}

export interface UsageWriterOptions {
  flushIntervalMs: number;
  batchSize: number;
  /** Whether bodies are stored for a request of this team. Absent: never. */
  bodies?: ((teamId: string | null) => boolean) | undefined;
  /**
   * Called when an insert found no partition for some rows' days (Postgres, see retention.ts);
   * it creates them and the batch is retried at once.
   */
  ensurePartitions?: ((days: Date[]) => Promise<void>) | undefined;
  /**
   * Called once after each batch is committed, with its records and the write's duration (metrics,
   * the live request feed). It runs on the writer's flush, never on a request; it must not throw.
   */
  onBatch?: ((records: readonly UsageRecord[], seconds: number) => void) | undefined;
}

/**
 * Usage records are queued in memory and inserted in batches, off the request path. Each batch is
 * one transaction: the raw rows, their bodies, and the rollups computed from exactly the rows that
 * insert created (a retried batch adds nothing twice). A failed batch stays at the front of the
 * queue and is retried with backoff; `close()` flushes everything before the database closes.
 */
export class UsageWriter {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  /** Records ever queued and ever written: flush() waits for its own records, not for later traffic. */
  private enqueued = 0;
  private written = 0;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: UsageWriterOptions,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Consecutive failed batch writes (0 when healthy). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  add(record: UsageRecord): void {
    if (record.request !== undefined && !this.opts.bodies?.(record.teamId ?? null)) {
      record.request = undefined;
      record.response = undefined;
    }
    this.queue.push(record);
    this.enqueued++;
    if (this.queue.length >= this.opts.batchSize) void this.flush().catch(() => undefined);
    else this.schedule();
  }

  /** Resolves once every record queued so far is in the database (records added meanwhile do not delay it). */
  async flush(): Promise<void> {
    const target = this.enqueued;
    while (this.written < target && this.queue.length > 0) await this.writeNext();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // On shutdown, retry a few times quickly rather than losing records.
    for (let i = 0; i < 5 && (this.queue.length > 0 || this.flushing); i++) {
      try {
        await this.flush();
      } catch {
        await new Promise((r) => setTimeout(r, 200 * (i + 1)));
      }
    }
    if (this.queue.length > 0) this.log.error({ lost: this.queue.length }, "usage records could not be written before shutdown");
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const backoff = this.failures === 0 ? this.opts.flushIntervalMs : Math.min(30_000, 500 * 2 ** this.failures);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, backoff);
    this.timer.unref();
  }

  /** Writes the batch at the front of the queue; concurrent callers share the one write in progress. */
  private writeNext(): Promise<void> {
    this.flushing ??= (async () => {
      const batch = this.queue.slice(0, this.opts.batchSize);
      const started = performance.now();
      try {
        await this.writeBatch(batch);
        this.queue.splice(0, batch.length);
        this.written += batch.length;
        this.failures = 0;
        this.opts.onBatch?.(batch, (performance.now() - started) / 1000);
      } catch (err) {
        this.failures++;
        this.log.warn({ err: (err as Error).message, queued: this.queue.length }, "usage write failed; will retry");
        this.schedule();
        throw err;
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeBatch(batch: UsageRecord[]): Promise<void> {
    try {
      await this.db.db.transaction((tx) => writeRecords(tx as unknown as Db, batch));
    } catch (err) {
      if (!this.opts.ensurePartitions || !isMissingPartition(err)) throw err;
      const days = new Set(batch.map((r) => Math.floor(r.createdAt.getTime() / 86_400_000)));
      await this.opts.ensurePartitions([...days].map((d) => new Date(d * 86_400_000)));
      await this.db.db.transaction((tx) => writeRecords(tx as unknown as Db, batch));
    }
  }
}

const CHUNK = 1000;

/**
 * Raw rows, bodies and rollups of one batch, inside the caller's transaction. Usually that is one
 * statement: the raw insert, with the other inserts as CTEs guarded by "every raw row was new". On
 * PGlite each statement costs ~0.4 ms of CPU on the request thread whatever its size, so this cuts a
 * batch from ~10 statements to one. When some rows already existed (a retry after a commit whose
 * answer was lost), the guarded inserts did nothing and the new rows' bodies and rollups follow.
 */
export async function writeRecords(tx: Db, batch: readonly UsageRecord[]): Promise<void> {
  const raw = batch.length > 0 && batch.length <= CHUNK ? bulkInsert(usageRecords, batch.map(toRow)) : null;
  if (!raw) return writeEach(tx, batch);
  const allNew = sql`(select count(*) from ins) = ${batch.length}`;
  const ctes = [sql`ins as (${raw} on conflict do nothing returning id)`];
  const bodies = bodyRows(batch);
  if (bodies.length > 0) ctes.push(sql`b as (${bulkInsert(requestBodies, bodies)!} where ${allNew} on conflict do nothing)`);
  rollupStatements(rollupDeltas(batch), allNew).forEach((q, i) => ctes.push(sql`${sql.raw(`r${i}`)} as (${q})`));
  const ids = rowsOf<{ id: string }>(await tx.execute(sql`with ${sql.join(ctes, sql`, `)} select id from ins`));
  if (ids.length < batch.length) await addFresh(tx, batch, new Set(ids.map((r) => r.id)));
}

/** The general path (batches over one chunk, or rows some of which leave a column to its default). */
async function writeEach(tx: Db, batch: readonly UsageRecord[]): Promise<void> {
  const inserted = new Set<string>();
  for (let i = 0; i < batch.length; i += CHUNK) {
    const rows = batch.slice(i, i + CHUNK).map(toRow);
    const bulk = bulkInsert(usageRecords, rows);
    const ids = bulk
      ? rowsOf<{ id: string }>(await tx.execute(sql`${bulk} on conflict do nothing returning id`))
      : await tx.insert(usageRecords).values(rows).onConflictDoNothing().returning({ id: usageRecords.id });
    for (const r of ids) inserted.add(r.id);
  }
  await addFresh(tx, batch, inserted);
}

/** Bodies and rollups of exactly the rows the raw insert created: a retried batch adds nothing twice. */
async function addFresh(tx: Db, batch: readonly UsageRecord[], inserted: Set<string>): Promise<void> {
  const fresh = inserted.size === batch.length ? batch : batch.filter((r) => inserted.has(r.id));
  const bodies = bodyRows(fresh);
  for (let i = 0; i < bodies.length; i += CHUNK) {
    await tx.execute(sql`${bulkInsert(requestBodies, bodies.slice(i, i + CHUNK))!} on conflict do nothing`);
  }
  if (fresh.length > 0) await applyRollups(tx, rollupDeltas(fresh));
}

function bodyRows(batch: readonly UsageRecord[]) {
  const out: Record<string, unknown>[] = [];
  for (const r of batch) if (r.request !== undefined) out.push({ id: r.id, createdAt: r.createdAt, userId: r.userId ?? null, request: r.request, response: r.response ?? null });
  return out;
}

/** Rows of a raw statement: postgres.js returns them as an array, PGlite in `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

function toRow(r: UsageRecord): UsageRow {
  if (r.request === undefined && r.response === undefined) return r;
  const { request: _request, response: _response, ...row } = r;
  return row;
}

/** Postgres 23514 "no partition of relation … found for row" (drizzle wraps driver errors in `cause`). */
function isMissingPartition(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const x = e as { code?: unknown; message?: unknown };
    if (x.code === "23514" && typeof x.message === "string" && x.message.includes("no partition")) return true;
  }
  return false;
}
