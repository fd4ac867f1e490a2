import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { createGraphQLHttpHandler } from "./graphql/http.js";
import type { BuiltSchemas } from "./graphql/schema.js";
import { attachGraphQLWs } from "./graphql/ws.js";
import { sendJson } from "./http-util.js";
import { serveMetrics } from "./metrics.js";
import { createRestHandler } from "./rest/index.js";
import type { Services } from "./services.js";
import { createUiHandler } from "./ui.js";

export interface HttpApp {
  server: Server;
  /** Stop accepting connections and report not-ready; running requests and sockets carry on. */
  stopAccepting(): void;
  /** Close WebSockets (after their subscriptions complete) and every remaining connection. */
  stop(): Promise<void>;
}

/** One node:http server: GraphQL over HTTP and WebSocket, the OpenAI-compatible REST surface, health. */
export async function createHttpApp(schemas: BuiltSchemas, services: Services, log: Logger): Promise<HttpApp> {
  const graphql = await createGraphQLHttpHandler(schemas.subgraph, services, log);
  const rest = createRestHandler(services, log);
  const ui = createUiHandler();
  let ready = true;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? "" : url.slice(q + 1);
    if (path === "/graphql") {
      if (req.method === "POST" || req.method === "GET") return graphql.handle(req, res, search);
      return sendJson(res, 405, { errors: [{ message: "use POST (or GET for queries)", extensions: { code: "BAD_REQUEST" } }] }, { allow: "GET, POST" });
    }
    if (path.startsWith("/v1/")) return rest.handle(req, res, path);
    if (path === "/ui" || path.startsWith("/ui/")) return ui.handle(req, res, path);
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/metrics") return serveMetrics(req, res, services);
    if (path === "/readyz") {
      if (!ready) return sendJson(res, 503, { status: "shutting down" });
      if (services.usage.backlogged) return sendJson(res, 503, { status: "usage backlog", queued: services.usage.depth });
      try {
        await services.db.ping();
        return sendJson(res, 200, { status: "ready", database: services.db.kind });
      } catch {
        return sendJson(res, 503, { status: "database unavailable" });
      }
    }
    sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: "invalid_request_error", code: "not_found" } });
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err }, "unhandled error in request");
      if (!res.headersSent) sendJson(res, 500, { error: { message: "internal error", type: "server_error", code: "internal_error" } });
      else res.destroy();
    });
  });
  const ws = attachGraphQLWs(server, schemas.subgraph, services, log, services.config.limits.maxBodyBytes);

  return {
    server,
    stopAccepting() {
      ready = false;
      server.close();
      server.closeIdleConnections();
    },
    async stop() {
      ready = false;
      await ws.close();
      await graphql.stop();
      server.closeAllConnections();
    },
  };
}
