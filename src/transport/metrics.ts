import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isGatewayError } from "../domain/errors.js";
import { bearer, sendJson } from "./http-util.js";
import type { Services } from "./services.js";

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** GET /metrics: Prometheus text, for an admin key or SWITCHBOARD_METRICS_TOKEN as bearer. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: "use GET" }, { allow: "GET, HEAD" });
  const token = bearer(req.headers.authorization);
  const expected = services.config.metricsToken;
  if (!(token && expected && sameSecret(token, expected))) {
    try {
      const p = await services.keys.authenticate(token);
      if (p.role !== "ADMIN") return sendJson(res, 403, { error: "metrics need an ADMIN key or the metrics token" });
    } catch (e) {
      if (isGatewayError(e)) return sendJson(res, 401, { error: e.message }, { "www-authenticate": "Bearer" });
      throw e;
    }
  }
  const m = services.observability.metrics;
  const text = await m.scrape();
  res.writeHead(200, { "content-type": m.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : text);
}
