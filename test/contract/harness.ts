import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";
import type { ChatChunk, ChatRequest, ChatResult, FinishReason } from "../../src/domain/chat.js";
import { GatewayError } from "../../src/domain/errors.js";
import { ChunkAccumulator } from "../../src/providers/collect.js";
import type { ProviderAdapter, ProviderTarget } from "../../src/providers/contract.js";
import type { UpstreamClient } from "../../src/providers/http.js";
import type { SseWireOptions } from "../fakes/sse.js";
import { waitUntil } from "../fakes/sse.js";

type Json = Record<string, unknown>;

/**
 * What the suite asks of an upstream, in provider-neutral terms. Each entry translates it into
 * its own fake's scenario, so one test body runs against every wire format.
 */
export interface NeutralScenario extends SseWireOptions {
  content?: string;
  /** Exact text deltas. */
  tokens?: string[];
  toolCalls?: { id?: string; name: string; arguments: string | Json }[];
  /** Size of each streamed argument fragment. */
  argChunkSize?: number;
  /** TOOL_CALLS follows from `toolCalls`; these are the others. */
  finish?: Exclude<FinishReason, "TOOL_CALLS" | "ERROR">;
  /** `input` includes the `cached` part, as our Usage does. */
  usage?: { input: number; output: number; cached?: number };
  /** Keep-alive comments, pings and empty deltas between the real events. */
  comments?: boolean;
  /** After n text/argument deltas, an in-band stream error of a retryable or a final kind. */
  errorAfter?: number;
  streamError?: { retryable: boolean; message: string };
  dieAfter?: number;
  /** After n text/argument deltas, end the body cleanly without the provider's end-of-stream marker. */
  truncateAfter?: number;
  delayMs?: number;
  itlMs?: number;
  /** HTTP error status, with `errorMessage` as the provider's message in its own error JSON. */
  status?: number;
  errorMessage?: string;
  headers?: Record<string, string>;
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query?: string;
  headers: IncomingHttpHeaders;
  body: Json | null;
}

/** The shape every fake upstream in test/fakes shares, whatever its own scenario type. */
export interface FakeLike<S> {
  url: string;
  readonly requests: readonly RecordedRequest[];
  readonly aborted: number;
  readonly active: number;
  setScenario(s: S): void;
  enqueue(...s: S[]): void;
  reset(): void;
  close(): Promise<void>;
}

/** A fake seen through neutral scenarios. */
export interface FakeHandle {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  readonly aborted: number;
  readonly active: number;
  setScenario(s: NeutralScenario): void;
  /** One-shot scenarios for the next requests, in order, before the default one. */
  enqueue(...s: NeutralScenario[]): void;
  reset(): void;
  close(): Promise<void>;
  waitFor(predicate: (f: FakeHandle) => boolean, timeoutMs?: number): Promise<void>;
}

/** One implementation under contract. Adding a provider is appending one of these. */
export interface ProviderEntry {
  name: string;
  adapter: ProviderAdapter;
  /** Starts the provider's fake, requiring `apiKey`. */
  startFake(apiKey: string): Promise<FakeHandle>;
  /** The target that points the adapter at the fake (`fakeUrl` is the fake's own base URL). */
  target(fakeUrl: string, apiKey: string): ProviderTarget;
  /** Asserts the request went out in the provider's wire shape; `req` is what the suite sent. */
  expectRequest(r: RecordedRequest, req: ChatRequest, apiKey: string): void;
  // Where a provider legitimately differs, the entry says so here; tests never branch on `name`.
  /** Whether a recorded request asked for a stream. Default: `"stream": true` in the body. */
  isStreamRequest?(r: RecordedRequest): boolean;
  /** Tool-call arguments arrive in many fragments. Default true; false: each call comes whole in one chunk. */
  streamsToolArguments?: boolean;
  /** The HTTP status a wrong API key gets. Default 401. */
  wrongKeyStatus?: number;
}

export const isStreamRequest = (entry: ProviderEntry, r: RecordedRequest): boolean =>
  entry.isStreamRequest ? entry.isStreamRequest(r) : r.body?.["stream"] === true;

export function neutralFake<S>(fake: FakeLike<S>, translate: (n: NeutralScenario) => S): FakeHandle {
  const handle: FakeHandle = {
    get url() {
      return fake.url;
    },
    get requests() {
      return fake.requests;
    },
    get aborted() {
      return fake.aborted;
    },
    get active() {
      return fake.active;
    },
    setScenario: (s) => fake.setScenario(translate(s)),
    enqueue: (...s) => fake.enqueue(...s.map(translate)),
    reset: () => fake.reset(),
    close: () => fake.close(),
    waitFor: (predicate, timeoutMs = 2000) => waitUntil(() => predicate(handle), timeoutMs, "contract fake"),
  };
  return handle;
}

export interface StreamRun {
  chunks: ChatChunk[];
  result: ChatResult;
  text: string;
}

export async function runStream(client: UpstreamClient, adapter: ProviderAdapter, req: ChatRequest, target: ProviderTarget, signal = new AbortController().signal): Promise<StreamRun> {
  const acc = new ChunkAccumulator();
  const chunks: ChatChunk[] = [];
  for await (const c of client.stream(adapter, req, target, signal)) {
    chunks.push(c);
    acc.add(c);
  }
  const text = chunks.map((c) => (c.type === "text" ? c.text : "")).join("");
  return { chunks, result: acc.result(), text };
}

/** Runs `fn`, expecting a GatewayError; also returns the chunks a stream yielded before failing. */
export async function expectGatewayError(fn: (onChunk: (c: ChatChunk) => void) => Promise<unknown>): Promise<{ error: GatewayError; chunks: ChatChunk[] }> {
  const chunks: ChatChunk[] = [];
  let caught: unknown;
  try {
    await fn((c) => chunks.push(c));
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GatewayError);
  return { error: caught as GatewayError, chunks };
}

export async function drain(it: AsyncIterable<ChatChunk>, onChunk: (c: ChatChunk) => void): Promise<void> {
  for await (const c of it) onChunk(c);
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: "contract/model",
  messages: [{ role: "user", content: "Say hello." }],
  ...extra,
});
