/**
 * The slice of autocannon 9's programmatic API that bench/run.ts uses (the package ships no types and
 * @types/autocannon is not installed). Callback form: autocannon(opts, cb) returns the run's tracker.
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  namespace autocannon {
    interface Options {
      url: string;
      method?: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
      headers?: Record<string, string>;
      body?: string;
      /** Concurrent connections, each with one request in flight (closed loop). */
      connections?: number;
      /** Seconds. */
      duration?: number;
      pipelining?: number;
      /** Requests per second across all connections (an offered load instead of a closed loop). */
      overallRate?: number;
      /** Seconds before a request counts as a timeout. */
      timeout?: number;
      /** Called with every response body; false counts as a mismatch. */
      verifyBody?: (body: string) => boolean;
      excludeErrorStats?: boolean;
    }

    /** Percentiles of autocannon's own histogram (integer milliseconds for latency). */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      "2xx": number;
      "4xx": number;
      "5xx": number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram & { totalCount: number };
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
      on(event: "reqError", listener: (err: Error) => void): this;
      on(event: "done", listener: (result: Result) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  function autocannon(opts: autocannon.Options, cb: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export = autocannon;
}
