import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from "./fast-histogram.js";

/**
 * Prometheus metrics, named after the OpenTelemetry GenAI conventions in Prometheus form (DESIGN.md).
 * One Registry per app (tests run several apps in one process). User, team and key ids never become
 * labels: they are unbounded; the usage rollups hold them.
 */

const GENAI_LABELS = ["gen_ai_operation_name", "gen_ai_request_model", "gen_ai_response_model", "gen_ai_provider_name"] as const;

/** TTFT from 10 ms (cached, small models) to 30 s (long prompts on reasoning models). */
export const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30];
/** Whole operations: up to several minutes for long generations. */
export const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];
/** Time per output token: 1 ms (fast small models) to over a second (stalled streams). */
export const TPOT_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];
/** The OTel-recommended token buckets (powers of 4). */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

export interface BudgetGauge {
  id: string;
  scope: string;
  subject: string | null;
  period: string;
  spentUsd: number;
  limitUsd: number;
  reservedUsd?: number;
}

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitGauge {
  provider: string;
  model: string;
  state: CircuitState;
}

/** The series of one request model / response model / provider, kept by Metrics for the request path. */
export class Series {
  readonly tokensIn: HistogramSeries;
  readonly tokensOut: HistogramSeries;
  /** Duration of a request that did not fail (no error_type label). */
  readonly duration: HistogramSeries;
  readonly ttft: HistogramSeries;
  readonly tpot: HistogramSeries;
  readonly cost: CounterSeries;
  private readonly failedBy = new Map<string, HistogramSeries>();
  private limited: CounterSeries | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly labels: Record<string, string>,
  ) {
    this.tokensIn = metrics.tokenUsage.labels({ ...labels, gen_ai_token_type: "input" });
    this.tokensOut = metrics.tokenUsage.labels({ ...labels, gen_ai_token_type: "output" });
    this.duration = metrics.duration.labels(labels);
    this.ttft = metrics.ttft.labels(labels);
    this.tpot = metrics.tpot.labels(labels);
    this.cost = metrics.cost.labels({ gen_ai_provider_name: labels.gen_ai_provider_name!, gen_ai_response_model: labels.gen_ai_response_model! });
  }

  /** Duration of a failed request, labelled with its error code (a bounded set: ErrorCode). */
  failed(errorType: string): HistogramSeries {
    let s = this.failedBy.get(errorType);
    if (!s) this.failedBy.set(errorType, (s = this.metrics.duration.labels({ ...this.labels, error_type: errorType })));
    return s;
  }

  /** Rate-limit rejections of this request model. */
  get rateLimited(): CounterSeries {
    return (this.limited ??= this.metrics.rateLimited.labels({ gen_ai_request_model: this.labels.gen_ai_request_model! }));
  }
}

const MAX_SERIES = 2000;

export class Metrics {
  readonly registry = new Registry();
  // The per-request series are Fast* (see fast-histogram.ts): a bucket increment, no label hashing.
  readonly tokenUsage: FastHistogram;
  readonly duration: FastHistogram;
  readonly ttft: FastHistogram;
  readonly tpot: FastHistogram;
  readonly requests: FastCounter;
  readonly cost: FastCounter;
  readonly rateLimited: FastCounter;
  /**
   * Requests and streams running now. The observer adds to these plain fields and the two gauges
   * below read them at each scrape (prom-client's Gauge#inc/dec looks the label set up on every call);
   * so `set`/`inc` on the gauges themselves would be overwritten at the next scrape.
   */
  requestsRunning = 0;
  streamsRunning = 0;
  readonly streamsInFlight: Gauge;
  readonly requestsInFlight: Gauge;
  readonly usageBatches: Histogram<string>;
  readonly liveDropped: Counter<string>;
  /** By request model, then response model, then provider: lookups on the strings as they come, no key built per request. */
  private readonly series = new Map<string, Map<string, Map<string, Series>>>();
  private seriesCount = 0;
  private readonly requestsBy = new Map<string, Map<string, CounterSeries>>();
  private budgets: (() => BudgetGauge[]) | undefined;
  private circuits: (() => CircuitGauge[]) | undefined;
  private usageQueue: (() => { depth: number; failures: number }) | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const self = this;
    this.tokenUsage = new FastHistogram(
      "gen_ai_client_token_usage",
      "Tokens used per request, by gen_ai_token_type (input|output).",
      [...GENAI_LABELS, "gen_ai_token_type"],
      TOKEN_BUCKETS,
      this.registry,
    );
    this.duration = new FastHistogram(
      "gen_ai_client_operation_duration_seconds",
      "Whole request, received to last byte, in seconds; error_type is set when it failed.",
      [...GENAI_LABELS, "error_type"],
      DURATION_BUCKETS,
      this.registry,
    );
    this.ttft = new FastHistogram(
      "gen_ai_server_time_to_first_token_seconds",
      "Request received to the first content token handed to the client, in seconds.",
      GENAI_LABELS,
      TTFT_BUCKETS,
      this.registry,
    );
    this.tpot = new FastHistogram(
      "gen_ai_server_time_per_output_token_seconds",
      "Generation time (first to last content delta) per output token after the first, in seconds (1 / tokens per second).",
      GENAI_LABELS,
      TPOT_BUCKETS,
      this.registry,
    );
    this.requests = new FastCounter("switchboard_requests_total", "Requests by final status (ok|error|cancelled) and error code.", ["status", "error_type"], this.registry);
    this.cost = new FastCounter("switchboard_cost_usd_total", "Cost billed, in USD (from integer micro-dollars).", ["gen_ai_provider_name", "gen_ai_response_model"], this.registry);
    this.rateLimited = new FastCounter("switchboard_rate_limit_rejections_total", "Requests refused with RATE_LIMITED.", ["gen_ai_request_model"], this.registry);
    this.streamsInFlight = new Gauge({
      name: "switchboard_streams_in_flight",
      help: "Streaming requests running now.",
      registers,
      collect() {
        this.set(self.streamsRunning);
      },
    });
    this.requestsInFlight = new Gauge({
      name: "switchboard_requests_in_flight",
      help: "Requests (streamed or not) running now.",
      registers,
      collect() {
        this.set(self.requestsRunning);
      },
    });

    this.usageBatches = new Histogram({
      name: "switchboard_usage_batch_write_seconds",
      help: "One usage batch (raw records, bodies and rollups in one statement), in seconds.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    this.liveDropped = new Counter({
      name: "switchboard_live_requests_dropped_total",
      help: "Entries of Subscription.liveRequests dropped because a subscriber read too slowly (oldest first).",
      registers,
    });

    new Gauge({
      name: "switchboard_usage_write_queue_depth",
      help: "Usage records waiting to be written.",
      registers,
      collect() {
        this.set(self.usageQueue?.().depth ?? 0);
      },
    });
    new Gauge({
      name: "switchboard_usage_write_failures",
      help: "Consecutive failed usage batch writes (0 when healthy).",
      registers,
      collect() {
        this.set(self.usageQueue?.().failures ?? 0);
      },
    });
    const budgetLabels = ["budget_id", "scope", "subject", "period"];
    const budgetGauge = (name: string, help: string, pick: (b: BudgetGauge) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: budgetLabels,
        registers,
        collect() {
          this.reset();
          for (const b of self.budgets?.() ?? []) {
            const v = pick(b);
            if (v !== undefined) this.set({ budget_id: b.id, scope: b.scope, subject: b.subject ?? "", period: b.period }, v);
          }
        },
      });
    budgetGauge("switchboard_budget_spent_usd", "Spent in the current period, in USD.", (b) => b.spentUsd);
    budgetGauge("switchboard_budget_limit_usd", "Budget limit, in USD.", (b) => b.limitUsd);
    budgetGauge("switchboard_budget_reserved_usd", "Held by running requests, in USD.", (b) => b.reservedUsd);
    new Gauge({
      name: "switchboard_circuit_state",
      help: "Circuit breaker per target: 1 for the current state, 0 for the others.",
      labelNames: ["gen_ai_provider_name", "gen_ai_request_model", "state"],
      registers,
      collect() {
        this.reset();
        for (const c of self.circuits?.() ?? []) {
          for (const s of ["closed", "open", "half_open"] as const) {
            this.set({ gen_ai_provider_name: c.provider, gen_ai_request_model: c.model, state: s }, c.state === s ? 1 : 0);
          }
        }
      },
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Budget gauges (spent, limit, reserved per budget), read at each scrape. The budgets component
   * calls this once at start; a later call replaces the source.
   */
  registerBudgets(source: () => BudgetGauge[]): void {
    this.budgets = source;
  }

  /** Circuit state per routing target, read at each scrape (the router calls this once at start). */
  registerCircuits(source: () => CircuitGauge[]): void {
    this.circuits = source;
  }

  watchUsageQueue(source: () => { depth: number; failures: number }): void {
    this.usageQueue = source;
  }

  /** Label-bound series for one model/provider pair, cached so the hot path does no label validation. */
  seriesFor(requestModel: string, responseModel: string, provider: string): Series {
    return this.series.get(requestModel)?.get(responseModel)?.get(provider) ?? this.addSeries(requestModel, responseModel, provider);
  }

  private addSeries(requestModel: string, responseModel: string, provider: string): Series {
    if (this.seriesCount >= MAX_SERIES) {
      this.series.clear();
      this.seriesCount = 0;
    }
    const s = new Series(this, { gen_ai_operation_name: "chat", gen_ai_request_model: requestModel, gen_ai_response_model: responseModel, gen_ai_provider_name: provider });
    let byResponse = this.series.get(requestModel);
    if (!byResponse) this.series.set(requestModel, (byResponse = new Map()));
    let byProvider = byResponse.get(responseModel);
    if (!byProvider) byResponse.set(responseModel, (byProvider = new Map()));
    byProvider.set(provider, s);
    this.seriesCount++;
    return s;
  }

  /** The switchboard_requests_total series of one status / error code pair, cached (both sets are bounded). */
  requestsFor(status: string, errorType: string): CounterSeries {
    let byError = this.requestsBy.get(status);
    if (!byError) this.requestsBy.set(status, (byError = new Map()));
    let s = byError.get(errorType);
    if (!s) byError.set(errorType, (s = this.requests.labels({ status, error_type: errorType })));
    return s;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
