import type { IncomingMessage, ServerResponse } from "node:http";

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * Reads the whole body, refusing (and reading no further than) `limit` bytes. On refusal the request
 * is paused, not destroyed, so the caller can still answer 413; `sendJson` then closes the connection
 * (`tooLargeHeaders`) rather than read the rest of an unwanted body to keep it alive.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        req.removeAllListeners("data");
        req.pause();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A 413's headers: the rest of the body is never read, so the connection cannot be reused. */
export const tooLargeHeaders = { connection: "close" } as const;

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An AbortSignal that fires when the client goes away before we finished answering. */
export function clientGone(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const c = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) c.abort();
  });
  req.on("aborted", () => c.abort());
  return c.signal;
}
