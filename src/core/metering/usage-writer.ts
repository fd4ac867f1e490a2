import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { usageRecords } from "../../db/schema.js";

export type UsageRecord = typeof usageRecords.$inferInsert;

export interface UsageWriterOptions {
  flushIntervalMs: number;
  batchSize: number;
}

/**
 * Usage records are queued in memory and inserted in batches, off the request path.
 * A failed insert keeps its batch at the front of the queue and retries with backoff;
 * `close()` flushes everything before the database closes.
 */
export class UsageWriter {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: UsageWriterOptions,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  add(record: UsageRecord): void {
    this.queue.push(record);
    if (this.queue.length >= this.opts.batchSize) void this.flush();
    else this.schedule();
  }

  /** Resolves once every record queued so far is in the database. */
  async flush(): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      if (this.queue.length === 0) return;
    }
    if (this.queue.length === 0) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
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

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.opts.batchSize);
      try {
        await this.db.db.insert(usageRecords).values(batch).onConflictDoNothing();
        this.queue.splice(0, batch.length);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.log.warn({ err: (err as Error).message, queued: this.queue.length }, "usage write failed; will retry");
        this.schedule();
        throw err;
      }
    }
  }
}
