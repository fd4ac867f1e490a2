import { setImmediate as yieldTurn } from "node:timers/promises";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { DAY_MS, HOUR_MS } from "./rollups.js";
import { ts } from "./usage-query.js";

export interface RetentionOptions {
  usageDays: number;
  bodiesDays: number;
  hourlyRollupDays: number;
  dailyRollupDays: number;
  intervalMinutes: number;
}

export interface PruneReport {
  droppedPartitions: string[];
  deletedRows: number;
  deletedRollupRows: number;
}

/** Tables partitioned by day on Postgres (see drizzle/0003_usage_partitions.sql). */
const RAW_TABLES = ["usage_records", "request_bodies"] as const;
type RawTable = (typeof RAW_TABLES)[number];
const PARTITION_LOCK = 727_274_008;
const DAYS_AHEAD = 3;
const DELETE_BATCH = 5000;

const dayOf = (t: number) => t - (t % DAY_MS);
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll("-", "");

/**
 * Retention without long locks. On Postgres the raw tables are partitioned by day: partitions are
 * created ahead of time (ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent, which inserts do
 * not wait for) and expired days are removed with DETACH PARTITION … CONCURRENTLY then DROP TABLE,
 * neither of which blocks inserts. On PGlite, and for rows of the pre-partitioning "legacy" partition,
 * rows go in small batched deletes, yielding between batches. Rollups are kept longer (hourly and
 * daily separately) and pruned in batches too.
 */
export class Retention {
  private partitioned = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneReport> | undefined;
  private readonly known = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: RetentionOptions,
  ) {}

  get isPartitioned(): boolean {
    return this.partitioned;
  }

  async start(): Promise<void> {
    const [row] = await this.db.rows<{ kind: string }>(sql`select c.relkind::text as kind from pg_class c where c.oid = to_regclass('usage_records')`);
    this.partitioned = row?.kind === "p";
    if (this.partitioned) {
      const today = dayOf(Date.now());
      const days: Date[] = [];
      for (let i = 0; i <= DAYS_AHEAD; i++) days.push(new Date(today + i * DAY_MS));
      await this.ensurePartitions(days);
    }
    const every = this.opts.intervalMinutes * 60_000;
    this.timer = setInterval(() => void this.run().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "retention run failed")), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Upkeep: partitions for the days ahead, then pruning. Runs are never concurrent within an instance. */
  run(now = new Date()): Promise<PruneReport> {
    this.running ??= (async () => {
      try {
        if (this.partitioned) {
          const today = dayOf(now.getTime());
          const days: Date[] = [];
          for (let i = 0; i <= DAYS_AHEAD; i++) days.push(new Date(today + i * DAY_MS));
          await this.ensurePartitions(days);
        }
        return await this.prune(now);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Makes sure both raw tables have a partition for each given day (UTC). No-op on PGlite. */
  async ensurePartitions(days: Date[]): Promise<void> {
    if (!this.partitioned) return;
    for (const d of days) {
      const day = dayOf(d.getTime());
      for (const table of RAW_TABLES) {
        const name = `${table}_p${ymd(day)}`;
        if (this.known.has(name)) continue;
        await this.createPartition(table, name, day);
        this.known.add(name);
      }
    }
  }

  private async createPartition(table: RawTable, name: string, day: number): Promise<void> {
    const from = new Date(day).toISOString();
    const to = new Date(day + DAY_MS).toISOString();
    try {
      await this.db.db.transaction(async (tx) => {
        // Two instances may create the same day at once; the second finds it attached and stops.
        await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK}, hashtext(${name}))`);
        const existing = await tx.execute(sql`select 1 from pg_class where oid = to_regclass(${name})`);
        if (rowCount(existing) > 0) return;
        await tx.execute(sql.raw(`create table ${name} (like ${table} including defaults)`));
        await tx.execute(sql.raw(`alter table ${table} attach partition ${name} for values from ('${from}') to ('${to}')`));
      });
    } catch (err) {
      // 42P17: the day is inside an existing partition (the legacy one); it keeps holding those rows.
      if (pgCode(err) !== "42P17") throw err;
    }
  }

  /** Deletes what is older than the configured retention. Safe to run while requests are written. */
  async prune(now = new Date()): Promise<PruneReport> {
    const report: PruneReport = { droppedPartitions: [], deletedRows: 0, deletedRollupRows: 0 };
    const today = dayOf(now.getTime());
    const cutoffs: Record<RawTable, number> = {
      usage_records: today - this.opts.usageDays * DAY_MS,
      request_bodies: today - Math.min(this.opts.bodiesDays, this.opts.usageDays) * DAY_MS,
    };
    for (const table of RAW_TABLES) {
      const cutoff = cutoffs[table];
      if (this.partitioned) {
        for (const p of await this.partitions(table)) {
          const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(p.name);
          if (m && Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY_MS <= cutoff) {
            await this.dropPartition(table, p.name, p.pending);
            report.droppedPartitions.push(p.name);
          } else if (!m) {
            report.deletedRows += await this.deleteBatched(p.name, "created_at", cutoff);
          }
        }
      } else {
        report.deletedRows += await this.deleteBatched(table, "created_at", cutoff);
      }
    }
    const hourly = today - this.opts.hourlyRollupDays * DAY_MS;
    const daily = today - this.opts.dailyRollupDays * DAY_MS;
    for (const cube of ["usage_rollup_model", "usage_rollup_principal", "usage_rollup_model_tag", "usage_rollup_tag"]) {
      report.deletedRollupRows += await this.deleteBatched(cube, "bucket", hourly - (hourly % HOUR_MS), "hour");
      report.deletedRollupRows += await this.deleteBatched(cube, "bucket", daily, "day");
    }
    if (report.droppedPartitions.length || report.deletedRows || report.deletedRollupRows) this.log.info(report, "retention: pruned");
    return report;
  }

  private async partitions(table: RawTable): Promise<{ name: string; pending: boolean }[]> {
    const rows = await this.db.rows<{ name: string; pending: boolean }>(sql`
      select c.relname as name, i.inhdetachpending as pending
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = to_regclass(${table})
      order by c.relname`);
    return rows;
  }

  private async dropPartition(table: RawTable, name: string, pending: boolean): Promise<void> {
    try {
      // CONCURRENTLY waits for running transactions instead of locking the parent against inserts.
      // It cannot run inside a transaction block, hence the autocommit statements here.
      await this.db.rows(sql.raw(`alter table ${table} detach partition ${name} ${pending ? "finalize" : "concurrently"}`));
    } catch (err) {
      // Another instance got there first, or a previous run was interrupted mid-detach: finish it.
      const code = pgCode(err);
      if (code === "55000" || code === "42P01") {
        const still = await this.partitions(table);
        const p = still.find((x) => x.name === name);
        if (p?.pending) await this.db.rows(sql.raw(`alter table ${table} detach partition ${name} finalize`));
      } else throw err;
    }
    await this.db.rows(sql.raw(`drop table if exists ${name}`));
    this.known.delete(name);
  }

  /** Deletes in small batches so no statement holds row locks or the single PGlite connection for long. */
  private async deleteBatched(table: string, column: "created_at" | "bucket", cutoff: number, grain?: "hour" | "day"): Promise<number> {
    const t = sql.identifier(table);
    const c = sql.identifier(column);
    const grainCond = grain ? sql`and grain = ${grain}` : sql``;
    let total = 0;
    for (;;) {
      const [r] = await this.db.rows<{ n: number }>(sql`
        with gone as (
          delete from ${t} where ctid = any(array(select ctid from ${t} where ${c} < ${ts(cutoff)} ${grainCond} limit ${DELETE_BATCH}))
          returning 1)
        select count(*)::int as n from gone`);
      const n = Number(r?.n ?? 0);
      total += n;
      if (n < DELETE_BATCH) return total;
      await yieldTurn();
    }
  }
}

function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const rows = (result as { rows?: unknown[] } | null)?.rows;
  return Array.isArray(rows) ? rows.length : 0;
}

/** The Postgres error in an error's cause chain (drivers and drizzle wrap it): its SQLSTATE and own message. */
export function pgError(err: unknown): { code: string; message: string } | undefined {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return { code, message: typeof message === "string" ? message : "" };
  }
  return undefined;
}

export function pgCode(err: unknown): string | undefined {
  return pgError(err)?.code;
}
