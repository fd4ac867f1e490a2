import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { startFakeGemini, type FakeGemini } from "../fakes/gemini.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { gql, startTestApp, type TestApp, type TestAppOptions } from "./app.js";

export const UPSTREAM_KEY = "sk-routing-upstream-0123456789abcdef";

/**
 * Port 1 (tcpmux) on loopback: nothing listens there, so connecting is refused at once. A port freed
 * by a test server would do too, but under parallel tests another server may take it in the meantime.
 */
export const REFUSED_URL = "http://127.0.0.1:1/v1";

export interface RoutingFixture {
  t: TestApp;
  /** Two OpenAI-compatible upstreams, "a" and "b", each serving gpt-4o-mini. */
  a: FakeOpenAI;
  b: FakeOpenAI;
  /** Gemini upstream, provider "g". */
  g: FakeGemini;
  /** The config file the app started with (a second instance can start from it). */
  file: ReturnType<typeof routingConfig>;
  close(): Promise<void>;
}

/**
 * Providers: a (first-byte timeout 500 ms), b, dead (connection refused) and g (Gemini), with prices
 * that make b the cheapest and g the dearest. Breakers open after 3 failures and cool down for 4 s (long enough that
 * OPEN cannot turn HALF_OPEN between two assertions on a loaded machine).
 */
export function routingConfig(urls: { a: string; b: string; g: string; dead: string }, routing: Record<string, unknown> = {}) {
  const caps = ["chat", "streaming", "tools"];
  return {
    providers: {
      a: { kind: "openai-compatible", baseUrl: urls.a, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini"], timeouts: { firstByteMs: 500 } },
      b: { kind: "openai-compatible", baseUrl: urls.b, apiKey: UPSTREAM_KEY, models: ["gpt-4o-mini", "small"] },
      dead: { kind: "openai-compatible", baseUrl: urls.dead, models: ["gpt-4o-mini"] },
      g: { kind: "gemini", baseUrl: urls.g, apiKey: UPSTREAM_KEY, models: ["gemini-2.0-flash"] },
    },
    models: [
      { id: "a/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 4096, capabilities: caps },
      { id: "b/gpt-4o-mini", inputPricePerMTok: 0.1, outputPricePerMTok: 0.4, contextWindow: 128000, maxOutputTokens: 4096, capabilities: caps },
      { id: "b/small", inputPricePerMTok: 0.01, outputPricePerMTok: 0.02, contextWindow: 8000, maxOutputTokens: 1000, capabilities: ["chat", "streaming"] },
      { id: "dead/gpt-4o-mini", inputPricePerMTok: 0.15, outputPricePerMTok: 0.6, contextWindow: 128000, maxOutputTokens: 4096, capabilities: caps },
      { id: "g/gemini-2.0-flash", inputPricePerMTok: 1, outputPricePerMTok: 4, contextWindow: 1000000, maxOutputTokens: 8192, capabilities: caps },
    ],
    aliases: { mini: "b/gpt-4o-mini" },
    routing: { breaker: { failureThreshold: 3, cooldownMs: 4000, minSamples: 50 }, retry: { backoffMs: 10 }, ...routing },
  };
}

export async function startRoutingFixture(opts: Omit<TestAppOptions, "file"> & { routing?: Record<string, unknown> } = {}): Promise<RoutingFixture> {
  const [a, b, g] = await Promise.all([startFakeOpenAI({ apiKey: UPSTREAM_KEY }), startFakeOpenAI({ apiKey: UPSTREAM_KEY }), startFakeGemini({ apiKey: UPSTREAM_KEY })]);
  const file = routingConfig({ a: a.url, b: b.url, g: g.url, dead: REFUSED_URL }, opts.routing);
  const t = await startTestApp({ ...opts, file });
  return {
    t,
    file,
    a,
    b,
    g,
    async close() {
      await t.close();
      await Promise.all([a.close(), b.close(), g.close()]);
    },
  };
}

/** Forget rules and health between tests. */
export async function resetRouting(f: RoutingFixture): Promise<void> {
  const routing = f.t.app.services.routing;
  for (const r of routing.rules()) await routing.deleteRule(r.id);
  routing.health.reset();
  f.a.reset();
  f.b.reset();
  f.g.reset();
}

export type GqlResult<T> = Awaited<ReturnType<typeof gql<T>>>;

/** A typed operation over plain HTTP; errors come back in the result instead of being thrown. */
export function op<T, V extends Record<string, unknown>>(t: { url: string }, key: string, doc: TypedDocumentNode<T, V>, variables: V): Promise<GqlResult<T>> {
  return gql<T>(t, key, print(doc), variables);
}

export const userInput = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "USER" as const, content }],
  ...extra,
});
