import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { settleStatement, tokenFixStatement, type SettledBudget, type SettleItem, type TokenFix } from "./sql.js";

const MAX_BATCH = 500;

/**
 * Settlements leave the request path at once (Admission.settle is synchronous) and are written
 * here: queued, sent in natural batches (whatever queued while the previous statement ran), and
 * retried with backoff until they succeed, so a database blip delays spending but never loses it.
 */
export class Settler {
  private settles: SettleItem[] = [];
  private fixes: TokenFix[] = [];
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly onSettled: (rows: SettledBudget[], items: SettleItem[]) => void,
  ) {}

  get pending(): number {
    return this.settles.length + this.fixes.length;
  }

  settle(item: SettleItem): void {
    // A NaN or negative cost would fail the batch forever; the gateway never sends one, but be sure.
    item.a = Number.isFinite(item.a) && item.a > 0 ? Math.ceil(item.a) : 0;
    this.settles.push(item);
    if (this.stopped) this.log.error({ hold: item.h, costMicros: item.a }, "budget settlement after shutdown: not written (the hold expires after holdTtlMs; the cost is not counted)");
    this.kick();
  }

  fixTokens(item: TokenFix): void {
    if (!Number.isFinite(item.d) || item.d === 0) return;
    item.d = Math.round(item.d);
    this.fixes.push(item);
    this.kick();
  }

  /** Resolves when everything queued so far is written (or `timeoutMs` passed: false). */
  flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.pending === 0 && !this.running) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.idle.push(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.idle = this.idle.filter((f) => f !== done);
          resolve(false);
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  /** Flushes (bounded), then stops retrying; what is left is logged as lost. */
  async close(timeoutMs: number): Promise<void> {
    const ok = await this.flush(timeoutMs);
    this.stopped = true;
    if (!ok) this.log.error({ settlements: this.settles.length, tokenFixes: this.fixes.length }, "budget settlements could not be written before shutdown");
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.pending > 0 && !this.stopped) this.kick();
      else if (this.pending === 0) for (const f of this.idle.splice(0)) f();
    });
  }

  private async drain(): Promise<void> {
    // Let the settlements of one event-loop turn travel together.
    await new Promise((r) => setImmediate(r));
    while (this.pending > 0 && !this.stopped) {
      try {
        if (this.settles.length > 0) {
          const batch = this.settles.slice(0, MAX_BATCH);
          const rows = await this.db.rows<SettledBudget>(settleStatement(batch));
          this.settles.splice(0, batch.length);
          try {
            this.onSettled(rows.map(normalise), batch);
          } catch (err) {
            this.log.error({ err: (err as Error).message }, "budget alert evaluation failed");
          }
        }
        if (this.fixes.length > 0) {
          const batch = this.fixes.slice(0, MAX_BATCH);
          await this.db.rows(tokenFixStatement(batch));
          this.fixes.splice(0, batch.length);
        }
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const wait = Math.min(5_000, 50 * 2 ** this.failures);
        this.log.warn({ err: (err as Error).message, pending: this.pending, retryInMs: wait }, "budget settlement failed; retrying");
        await new Promise((r) => setTimeout(r, wait).unref());
      }
    }
  }
}

/** postgres.js returns bigint/float columns as strings in some positions; PGlite as numbers. */
function normalise(r: SettledBudget): SettledBudget {
  return {
    ...r,
    limit: Number(r.limit),
    spent: Number(r.spent),
    added: Number(r.added),
    reserved: Number(r.reserved),
    thresholds: (r.thresholds ?? []).map(Number),
  };
}
