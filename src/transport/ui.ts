import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Where `npm run ui:build` (and postinstall/prestart) put the dashboard. */
export const UI_DIST = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);

/** Hashed file names never change content, so browsers may keep them for a year without asking. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
// The app talks only to its own origin (HTTP and graphql-ws); 'self' covers ws(s): of the same host.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

interface Cached {
  mtimeMs: number;
  size: number;
  etag: string;
  raw: Buffer;
  gzip: Buffer | null;
}

export interface UiHandler {
  /** Serves `/ui` and everything below it; `path` is the URL path without the query. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/**
 * The dashboard's static files. Hashed assets under /ui/assets/ are cached for a year; index.html is
 * revalidated on every load (ETag), and any other path without a file extension is a client route
 * answered with index.html. Files are read once and kept (gzipped too) until their mtime changes.
 */
export function createUiHandler(root: string = UI_DIST): UiHandler {
  const cache = new Map<string, Cached>();

  async function load(file: string): Promise<Cached | null> {
    let st;
    try {
      st = await stat(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const raw = await readFile(file);
    const ext = extname(file);
    const gzip = COMPRESSIBLE.has(ext) && raw.length > 512 ? gzipSync(raw, { level: 9 }) : null;
    const entry: Cached = { mtimeMs: st.mtimeMs, size: st.size, etag: `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`, raw, gzip };
    cache.set(file, entry);
    return entry;
  }

  function send(req: IncomingMessage, res: ServerResponse, file: string, entry: Cached, cacheControl: string): void {
    const ext = extname(file);
    const headers: Record<string, string> = {
      "content-type": TYPES[ext] ?? "application/octet-stream",
      "cache-control": cacheControl,
      etag: entry.etag,
      vary: "accept-encoding",
      ...SECURITY_HEADERS,
    };
    if (ext === ".html") headers["content-security-policy"] = CSP;
    if (req.headers["if-none-match"] === entry.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gz = entry.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gz ? entry.gzip! : entry.raw;
    if (gz) headers["content-encoding"] = "gzip";
    headers["content-length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function notFound(res: ServerResponse, message: string, status = 404): void {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS });
    res.end(message);
  }

  return {
    async handle(req, res, path) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
        res.end("the dashboard is read with GET");
        return;
      }
      if (path === "/ui") {
        res.writeHead(308, { location: "/ui/" });
        res.end();
        return;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(path.slice("/ui/".length));
      } catch {
        return notFound(res, "bad path", 400);
      }
      const file = normalize(join(root, rel));
      if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || rel.includes("\0")) return notFound(res, "not found");
      const index = join(root, "index.html");

      if (rel !== "" && rel !== "index.html") {
        const entry = await load(file);
        if (entry) return send(req, res, file, entry, rel.startsWith("assets/") ? IMMUTABLE : REVALIDATE);
        // A missing asset must 404: answering a stale hashed URL with HTML breaks the page silently.
        if (rel.startsWith("assets/") || extname(rel) !== "") return notFound(res, "not found");
      }
      const entry = await load(index);
      if (!entry) return notFound(res, "The dashboard is not built. Run `npm run ui:build` (npm install and npm start do it when dist/ui is missing).", 503);
      send(req, res, index, entry, REVALIDATE);
    },
  };
}
