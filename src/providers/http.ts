import { Agent, request, errors as undiciErrors } from "undici";
import { createParser } from "eventsource-parser";
import type { ChatChunk, ChatRequest, ChatResult } from "../domain/chat.js";
import { ErrorCode, GatewayError, isGatewayError } from "../domain/errors.js";
import { collect } from "./collect.js";
import type { ProviderAdapter, ProviderTarget, ResponseHeaders, SseEvent } from "./contract.js";

/** Upstream timeouts in milliseconds. */
export interface UpstreamTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** Request sent → response headers (for streams: usually the first token). */
  firstByteMs: number;
  /** Longest silence between two body chunks. */
  idleMs: number;
}

export const defaultTimeouts: UpstreamTimeouts = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 };

/** Largest error body we read from an upstream; provider messages are short, anything past this is noise. */
const MAX_ERROR_BODY = 16 * 1024;
/** SSE events larger than this are treated as a broken upstream. */
const MAX_SSE_BUFFER = 4 * 1024 * 1024;

/** Timeouts and connection pool for one provider. */
interface CallSettings {
  agent: Agent;
  firstByteMs: number;
  idleMs: number;
}

/** Set on the body stream when no token arrived within the first-token timeout. */
class FirstTokenTimeout extends Error {}

/**
 * The one place that talks to providers. Owns the undici Agents (keep-alive pools per origin;
 * one Agent per distinct connect timeout, since undici sets that per Agent) and turns transport
 * failures into GatewayErrors; adapters stay pure.
 */
export class UpstreamClient {
  private readonly agents = new Map<number, Agent>();
  private readonly defaults: CallSettings;
  private readonly perProvider = new Map<string, CallSettings>();

  /**
   * `timeouts` apply to every provider; `perProvider` (by provider name, from the config's
   * `providers.<name>.timeouts`) overrides them field by field.
   */
  constructor(timeouts: Partial<UpstreamTimeouts> = {}, perProvider: Record<string, Partial<UpstreamTimeouts>> = {}) {
    const base = { ...defaultTimeouts, ...definedOnly(timeouts) };
    this.defaults = { agent: this.agentFor(base.connectMs), firstByteMs: base.firstByteMs, idleMs: base.idleMs };
    for (const [name, t] of Object.entries(perProvider)) {
      const own = definedOnly(t);
      if (Object.keys(own).length === 0) continue;
      const m = { ...base, ...own };
      this.perProvider.set(name, { agent: this.agentFor(m.connectMs), firstByteMs: m.firstByteMs, idleMs: m.idleMs });
    }
  }

  private agentFor(connectMs: number): Agent {
    let agent = this.agents.get(connectMs);
    if (!agent) {
      agent = new Agent({ connect: { timeout: connectMs }, keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
      this.agents.set(connectMs, agent);
    }
    return agent;
  }

  private settings(target: ProviderTarget): CallSettings {
    return this.perProvider.get(target.provider) ?? this.defaults;
  }

  async complete(adapter: ProviderAdapter, req: ChatRequest, target: ProviderTarget, signal: AbortSignal): Promise<ChatResult> {
    if (adapter.local) return collect(adapter.local(req, target, signal));
    const call = adapter.buildRequest(req, target, false);
    const res = await this.send(call.url, call.headers, call.body, signal, target, this.settings(target));
    if (res.statusCode < 200 || res.statusCode >= 300) throw await this.failure(adapter, res, target);
    let body: unknown;
    try {
      body = await res.body.json();
    } catch (e) {
      throw transportError(e, target, signal);
    }
    return adapter.parseResponse(body, target);
  }

  /**
   * Streams decoded chunks. Breaking out of the loop (or the consumer's `return()`) destroys the
   * upstream socket at once, so a client that leaves never leaves a generation running.
   */
  async *stream(adapter: ProviderAdapter, req: ChatRequest, target: ProviderTarget, signal: AbortSignal): AsyncGenerator<ChatChunk> {
    if (adapter.local) {
      yield* adapter.local(req, target, signal);
      return;
    }
    const call = adapter.buildRequest(req, target, true);
    const settings = this.settings(target);
    const sentAt = performance.now();
    const res = await this.send(call.url, call.headers, call.body, signal, target, settings);
    if (res.statusCode < 200 || res.statusCode >= 300) throw await this.failure(adapter, res, target);

    const decoder = adapter.createStreamDecoder(target);
    let pending: SseEvent[] = [];
    let parseError: Error | undefined;
    const parser = createParser({
      onEvent: (ev) => void pending.push({ event: ev.event, data: ev.data }),
      onError: (err) => {
        if (err.type === "max-buffer-size-exceeded") parseError = err;
      },
      maxBufferSize: MAX_SSE_BUFFER,
    } as Parameters<typeof createParser>[0]);
    const text = new TextDecoder("utf-8");
    let completed = false;
    // Headers often come before the model has produced anything: the first-token deadline runs on
    // from the request, and ends when the first text or tool call is decoded.
    let firstToken: NodeJS.Timeout | undefined = setTimeout(
      () => res.body.destroy(new FirstTokenTimeout()),
      Math.max(0, settings.firstByteMs - (performance.now() - sentAt)),
    );
    try {
      for await (const buf of res.body) {
        parser.feed(text.decode(buf as Buffer, { stream: true }));
        if (parseError) throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: malformed event stream`, { retryable: true });
        if (pending.length === 0) continue;
        const events = pending;
        pending = [];
        // Text deltas that arrived in one read are handed on as one: the client would get them within
        // microseconds of each other anyway, and every delta costs a frame, a write and (on GraphQL)
        // an execution of the subscription's selection set.
        let run = "";
        try {
          for (const ev of events) {
            for (const c of decoder.onEvent(ev)) {
              if (firstToken !== undefined && (c.type === "text" || c.type === "tool_call")) {
                clearTimeout(firstToken);
                firstToken = undefined;
              }
              if (c.type === "text") {
                run += c.text;
                continue;
              }
              if (run) {
                yield { type: "text", text: run };
                run = "";
              }
              yield c;
            }
          }
        } catch (e) {
          // What was decoded before the failure is still the client's.
          if (run) yield { type: "text", text: run };
          throw e;
        }
        if (run) yield { type: "text", text: run };
      }
      const tail = text.decode();
      if (tail) parser.feed(tail);
      parser.reset({ consume: true });
      for (const ev of pending) for (const c of decoder.onEvent(ev)) yield c;
      decoder.end();
      completed = true;
    } catch (e) {
      if (isGatewayError(e)) throw e;
      throw transportError(e, target, signal);
    } finally {
      clearTimeout(firstToken);
      if (!completed) res.body.destroy();
    }
  }

  close(): Promise<void> {
    return Promise.all([...this.agents.values()].map((a) => a.close())).then(() => undefined);
  }

  private async send(url: string, headers: Record<string, string>, body: string, signal: AbortSignal, target: ProviderTarget, settings: CallSettings) {
    try {
      return await request(url, {
        method: "POST",
        headers,
        body,
        signal,
        dispatcher: settings.agent,
        headersTimeout: settings.firstByteMs,
        bodyTimeout: settings.idleMs,
      });
    } catch (e) {
      throw transportError(e, target, signal);
    }
  }

  private async failure(adapter: ProviderAdapter, res: Awaited<ReturnType<typeof request>>, target: ProviderTarget): Promise<GatewayError> {
    let text = "";
    try {
      for await (const buf of res.body) {
        text += (buf as Buffer).toString("utf8");
        if (text.length > MAX_ERROR_BODY) {
          text = text.slice(0, MAX_ERROR_BODY);
          res.body.destroy();
          break;
        }
      }
    } catch {
      // A body that breaks off still leaves us the status code to classify.
    }
    const h = res.headers;
    const headers: ResponseHeaders = {
      get: (name) => {
        const v = h[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      },
    };
    return scrubSecret(adapter.classifyError(res.statusCode, text, headers, target), target);
  }
}

/** Connect/read failures are retryable on another target; a caller abort is not an upstream failure. */
function transportError(e: unknown, target: ProviderTarget, signal: AbortSignal): GatewayError {
  if (signal.aborted) return new GatewayError(ErrorCode.CLIENT_CLOSED, "request aborted", { cause: e });
  const code = (e as { code?: string } | null)?.code ?? "";
  let what = "connection failed";
  if (e instanceof FirstTokenTimeout) what = "timed out waiting for the first token";
  else if (e instanceof undiciErrors.ConnectTimeoutError) what = "connect timeout";
  else if (e instanceof undiciErrors.HeadersTimeoutError) what = "timed out waiting for the first byte";
  else if (e instanceof undiciErrors.BodyTimeoutError) what = "timed out between stream chunks";
  else if (code === "ECONNREFUSED") what = "connection refused";
  else if (code === "ECONNRESET" || e instanceof undiciErrors.SocketError) what = "connection reset";
  else if (e instanceof SyntaxError) what = "invalid JSON from upstream";
  return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${target.provider}: ${what}`, { retryable: true, details: { reason: code || what } });
}

/** Belt and braces: a provider that echoes the key back in its error never gets it to our client. */
function scrubSecret(err: GatewayError, target: ProviderTarget): GatewayError {
  const key = target.apiKey;
  if (!key || key.length < 8 || !err.message.includes(key)) return err;
  return new GatewayError(err.code, err.message.split(key).join("[REDACTED]"), {
    retryable: err.retryable,
    ...(err.upstreamStatus !== undefined ? { upstreamStatus: err.upstreamStatus } : {}),
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  });
}

function definedOnly(t: Partial<UpstreamTimeouts>): Partial<UpstreamTimeouts> {
  const out: Partial<UpstreamTimeouts> = {};
  if (t.connectMs !== undefined) out.connectMs = t.connectMs;
  if (t.firstByteMs !== undefined) out.firstByteMs = t.firstByteMs;
  if (t.idleMs !== undefined) out.idleMs = t.idleMs;
  return out;
}
