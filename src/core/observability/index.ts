import type { Logger } from "pino";
import type { Config } from "../../config.js";
import type { Database } from "../../db/client.js";
import type { Catalogue } from "../catalogue/index.js";
import type { UsageWriter, UsageWriterOptions } from "../metering/usage-writer.js";
import type { Observer } from "../pipeline.js";
import { LiveRequests } from "./live.js";
import { Metrics } from "./metrics.js";
import { GatewayObserver } from "./observer.js";
import { RequestLog } from "./request-log.js";
import { Retention } from "./retention.js";
import { startTracing, type Tracing } from "./tracing.js";
import { UsageQuery } from "./usage-query.js";

export type { BudgetGauge, CircuitGauge, CircuitState } from "./metrics.js";
export { Metrics } from "./metrics.js";

export interface ObservabilityDeps {
  db: Database;
  config: Config;
  log: Logger;
  catalogue: Catalogue;
  /** Node process metrics (CPU, heap, event loop) on /metrics; off in tests that start many apps. */
  processMetrics?: boolean;
}

/**
 * Everything about seeing what the gateway did: the Observer seam (metrics, logs, traces), usage
 * analytics from rollups, the request log, and retention. Built once by app.ts.
 */
export class Observability {
  readonly metrics: Metrics;
  readonly usage: UsageQuery;
  readonly requests: RequestLog;
  readonly retention: Retention;
  readonly observer: Observer;
  /** Settled requests as they are committed, for `Subscription.liveRequests`. */
  readonly live: LiveRequests;

  private constructor(
    private readonly deps: ObservabilityDeps,
    private readonly tracing: Tracing,
  ) {
    const { db, config, log, catalogue } = deps;
    this.metrics = new Metrics({ defaultMetrics: deps.processMetrics ?? false });
    this.usage = new UsageQuery(db);
    this.requests = new RequestLog(db);
    this.retention = new Retention(db, log, config.observability.retention);
    this.live = new LiveRequests(db, log, { onDrop: (n) => this.metrics.liveDropped.inc(n) });
    this.observer = new GatewayObserver({
      metrics: this.metrics,
      tracer: tracing.tracer,
      log,
      providerKind: (name) => config.providers[name]?.kind ?? (name === "demo" ? "demo" : undefined),
      knownModel: (name) => catalogue.get(name) !== undefined || catalogue.aliases().some((a) => a.name === name),
    });
  }

  static async start(deps: ObservabilityDeps): Promise<Observability> {
    const o = deps.config.observability;
    const tracing = startTracing({ endpoint: o.otlpEndpoint, serviceName: o.serviceName, ...o.tracing }, deps.log);
    const obs = new Observability(deps, tracing);
    await obs.retention.start();
    await obs.live.start();
    return obs;
  }

  /** Hooks for the UsageWriter: which teams keep bodies, partition creation on demand, batch timing and the live feed. */
  writerOptions(): Pick<UsageWriterOptions, "bodies" | "ensurePartitions" | "onBatch"> {
    const { bodies, bodiesByTeam } = this.deps.config.observability;
    return {
      bodies: (teamId) => (teamId !== null && bodiesByTeam[teamId] !== undefined ? bodiesByTeam[teamId]! : bodies),
      ensurePartitions: (days) => this.retention.ensurePartitions(days),
      onBatch: (records, seconds) => {
        this.metrics.usageBatches.observe(seconds);
        this.live.committed(records);
      },
    };
  }

  watch(writer: UsageWriter): void {
    this.metrics.watchUsageQueue(() => ({ depth: writer.depth, failures: writer.consecutiveFailures }));
  }

  /** Exports buffered spans (tests, shutdown). */
  flushTraces(): Promise<void> {
    return this.tracing.flush();
  }

  async close(): Promise<void> {
    await this.live.stop();
    await this.retention.stop();
    await this.tracing.shutdown().catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, "trace export failed at shutdown"));
  }
}
