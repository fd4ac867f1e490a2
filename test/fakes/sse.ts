import type { IncomingMessage, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";

/** Wire-level quirks shared by every fake provider. */
export interface SseWireOptions {
  /** Use `\r\n` line endings (legal SSE, and what some servers really send). */
  crlf?: boolean;
  /**
   * Cut the byte stream into TCP writes of this many bytes. The cut ignores event and UTF-8
   * boundaries on purpose: that is exactly what a parser in the gateway must survive.
   */
  splitBytes?: number;
  /** Pause between split writes; `undefined` means one `setImmediate` tick. */
  splitDelayMs?: number;
}

export interface SseEventFields {
  event?: string;
  id?: string;
  /** Strings go out verbatim; anything else is JSON-encoded. */
  data: unknown;
}

/** Resolves after `ms`, or at once when `signal` aborts, so slow fakes stop when the client leaves. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function formatSseEvent(fields: SseEventFields, eol = "\n"): string {
  const data = typeof fields.data === "string" ? fields.data : JSON.stringify(fields.data);
  let out = "";
  if (fields.event !== undefined) out += `event: ${fields.event}${eol}`;
  if (fields.id !== undefined) out += `id: ${fields.id}${eol}`;
  // A multi-line payload needs one `data:` field per line, per the SSE spec.
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}${eol}`;
  return out + eol;
}

/**
 * Writes one SSE response. Every write method resolves `false` once the client has gone, so
 * stream loops can bail out promptly instead of writing into a dead socket.
 *
 * With `splitBytes`, leftover bytes that do not fill a whole write are held back until the next
 * event (letting one write straddle two events) or until `flush()`; callers flush before any
 * deliberate pause so that timing-sensitive tests still see each event when it is "produced".
 */
export class SseWriter {
  readonly eol: string;
  private pending: Buffer = Buffer.alloc(0);
  private gone = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: SseWireOptions = {},
  ) {
    this.eol = opts.crlf ? "\r\n" : "\n";
    res.on("close", () => {
      this.gone = true;
    });
  }

  get closed(): boolean {
    return this.gone || this.res.destroyed;
  }

  /** Sends the headers right away: clients measure time-to-first-byte from here. */
  start(status = 200, headers: Record<string, string> = {}): void {
    // Without this, Nagle would merge our deliberately split writes back into one segment.
    this.res.socket?.setNoDelay(true);
    this.res.writeHead(status, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...headers,
    });
    this.res.flushHeaders();
  }

  event(fields: SseEventFields): Promise<boolean> {
    return this.raw(formatSseEvent(fields, this.eol));
  }

  data(payload: unknown): Promise<boolean> {
    return this.event({ data: payload });
  }

  comment(text: string): Promise<boolean> {
    return this.raw(`: ${text}${this.eol}${this.eol}`);
  }

  async raw(text: string): Promise<boolean> {
    if (this.closed) return false;
    const size = this.opts.splitBytes;
    if (size === undefined || size <= 0) return this.write(Buffer.from(text, "utf8"));
    this.pending = Buffer.concat([this.pending, Buffer.from(text, "utf8")]);
    while (this.pending.length >= size) {
      const piece = this.pending.subarray(0, size);
      this.pending = this.pending.subarray(size);
      if (!(await this.write(piece))) return false;
      await this.pause();
    }
    return !this.closed;
  }

  async flush(): Promise<boolean> {
    if (this.pending.length === 0) return !this.closed;
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return this.write(rest);
  }

  async end(): Promise<void> {
    await this.flush();
    if (!this.closed) this.res.end();
  }

  /** Tears the connection down mid-body, the way a crashing upstream or a proxy reset does. */
  async kill(): Promise<void> {
    await this.flush();
    this.res.destroy();
  }

  private pause(): Promise<void> {
    const ms = this.opts.splitDelayMs;
    if (ms === undefined) return new Promise((resolve) => setImmediate(resolve));
    return sleep(ms);
  }

  private async write(buf: Buffer): Promise<boolean> {
    if (this.closed) return false;
    if (this.res.write(buf)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
    return !this.closed;
  }
}

// Provider-agnostic helpers that every fake upstream needs around its SSE writer.

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `prefix` + `length` random alphanumerics, the shape of OpenAI/Anthropic ids (`chatcmpl-…`, `msg_…`). */
export function randomId(prefix: string, length: number): string {
  let out = prefix;
  for (const b of randomBytes(length)) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Word-ish pieces whose concatenation is exactly `text`, leading space attached like real BPE tokens. */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Fixed-size pieces (never empty list); counts code points so a piece never ends inside a surrogate pair. */
export function chunkString(text: string, size: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, size);
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += n) parts.push(chars.slice(i, i + n).join(""));
  return parts.length > 0 ? parts : [""];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON safe for an HTTP header value: Node rejects non-Latin-1 there, so escape everything non-ASCII. */
export function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/**
 * Reads the whole request body. `body` is null when empty, not JSON, or not an object; resolves
 * null overall when the client vanished mid-upload.
 */
export async function readJsonBody(req: IncomingMessage): Promise<{ rawBody: string; body: Record<string, unknown> | null } | null> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) chunks.push(c as Buffer);
  } catch {
    return null;
  }
  const rawBody = Buffer.concat(chunks).toString("utf8");
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return { rawBody, body: isRecord(parsed) ? parsed : null };
  } catch {
    return { rawBody, body: null };
  }
}

/** Objects go out as JSON; strings verbatim (HTML if they do not look like JSON, as proxies send). */
export function sendBody(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const type = typeof payload === "string" && !text.startsWith("{") ? "text/html; charset=utf-8" : "application/json";
  res.writeHead(status, { "content-type": type, "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function waitUntil(predicate: () => boolean, timeoutMs = 2000, label = "fake"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${label}: condition not met within ${timeoutMs}ms`);
    await sleep(5);
  }
}
