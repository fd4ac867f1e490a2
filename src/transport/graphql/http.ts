import type { IncomingMessage, ServerResponse } from "node:http";
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import type { Principal } from "../../core/auth/keys.js";
import { isGatewayError } from "../../domain/errors.js";
import { BodyTooLarge, bearer, clientGone, readBody, sendJson, tooLargeHeaders } from "../http-util.js";
import type { Services } from "../services.js";
import type { GqlContext } from "./context.js";
import { formatError } from "./errors.js";

function gqlError(res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** The federation router fetches our SDL without a user key; nothing else runs anonymously. */
function isServiceSdlQuery(body: unknown): boolean {
  const q = (body as { query?: unknown } | null)?.query;
  return typeof q === "string" && /^\s*(query\s*(\w+\s*)?)?\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/.test(q);
}

/** Ample for `{ _service { sdl } }` in any spelling. */
const ANONYMOUS_MAX_BODY = 4096;

const ANONYMOUS: Principal = { keyId: "", role: "MEMBER", userId: "", teamId: null, allowedModels: [] };

/** POST /graphql (and GET for queries) through Apollo's executeHTTPGraphQLRequest on our own node:http server. */
export async function createGraphQLHttpHandler(schema: GraphQLSchema, services: Services, log: Logger) {
  const apollo = new ApolloServer<GqlContext>({
    schema,
    formatError: (formatted, error) => {
      const out = formatError(formatted, error);
      if (out.extensions?.code === "INTERNAL_SERVER_ERROR") log.error({ err: error }, "unexpected error in resolver");
      return out;
    },
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    // Inline tracing is for Apollo's hosted router; it costs per-field timing on every request. Cache
    // control (on by default) wraps every resolver to compute HTTP cache hints we never set.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), subscriptionsOverWsOnly],
  });
  await apollo.start();

  async function handle(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
    let body: unknown;
    const key = bearer(req.headers.authorization);
    if (req.method === "POST") {
      let text: string;
      try {
        // Without a key only the router's small SDL query is served: nobody unauthenticated gets a
        // full-size body buffered and parsed.
        text = await readBody(req, key ? services.config.limits.maxBodyBytes : ANONYMOUS_MAX_BODY);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          if (!key) return gqlError(res, 401, "UNAUTHENTICATED", "missing API key: send Authorization: Bearer <key>", tooLargeHeaders);
          return gqlError(res, 413, "BAD_REQUEST", e.message, tooLargeHeaders);
        }
        throw e;
      }
      try {
        body = JSON.parse(text);
      } catch {
        return gqlError(res, 400, "BAD_REQUEST", "request body is not valid JSON");
      }
    }
    let principal: Principal;
    try {
      principal = !key && isServiceSdlQuery(body) ? ANONYMOUS : await services.keys.authenticate(key);
    } catch (e) {
      if (isGatewayError(e)) return gqlError(res, 401, e.code, e.message);
      throw e;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    const signal = clientGone(req, res);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "POST", headers, search, body },
      context: async () => ({ principal, services, signal, traceparent: header(req.headers.traceparent) }),
    });
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of result.headers) outHeaders[k] = v;
    if (result.body.kind === "complete") {
      outHeaders["content-length"] = String(Buffer.byteLength(result.body.string));
      res.writeHead(result.status ?? 200, outHeaders);
      res.end(result.body.string);
      return;
    }
    res.writeHead(result.status ?? 200, outHeaders);
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return { handle, stop: () => apollo.stop() };
}

/**
 * A subscription over HTTP would run its field's resolver with no event and fail as an internal error;
 * it is refused as the client's mistake instead. One hooks object for every request (no allocation).
 */
const overWsOnly: GraphQLRequestListener<GqlContext> = {
  async didResolveOperation({ operation }) {
    if (operation?.operation === "subscription") {
      throw new GraphQLError("subscriptions are served over graphql-ws (protocol graphql-transport-ws) at ws://…/graphql, not over HTTP", {
        extensions: { code: "BAD_REQUEST", http: { status: 400 } },
      });
    }
  },
};
const subscriptionsOverWsOnly: ApolloServerPlugin<GqlContext> = { requestDidStart: async () => overWsOnly };

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
