import type { Server } from "node:http";
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type Source } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { Principal } from "../../core/auth/keys.js";
import { isGatewayError } from "../../domain/errors.js";
import { bearer } from "../http-util.js";
import type { Services } from "../services.js";
import type { GqlContext } from "./context.js";
import { formatForWs } from "./errors.js";
import { eventSubscribe } from "./event-execution.js";
import { completionEvent, plainCompletionEvent } from "./resolvers/completion.js";
import { liveRequestEvent } from "./resolvers/observability.js";

/**
 * graphql-ws on the same port and path as HTTP GraphQL. The key comes in
 * `connectionParams.authorization` ("Bearer …" or the bare key): missing → 4401, invalid → 4403.
 */
export function attachGraphQLWs(server: Server, schema: GraphQLSchema, services: Services, log: Logger, maxPayload: number) {
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/graphql") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  const documents = documentCache(500);
  // Sockets by key id: a revoked key's open sockets are closed (here, or on another instance through
  // the key store's NOTIFY), since each authenticated only once when it connected.
  const sockets = new Map<string, Set<WebSocket>>();
  const unsubscribe = services.keys.onRevoke((keyId) => {
    for (const ws of sockets.get(keyId) ?? []) ws.close(CloseCode.Forbidden, "Forbidden: API key revoked");
    sockets.delete(keyId);
  });
  const disposable = useServer<Record<string, unknown>, { principal: Principal; key: string; gone: AbortController }>(
    {
      schema,
      subscribe: eventSubscribe(schema, { completionStream: { map: completionEvent, plain: plainCompletionEvent }, liveRequests: liveRequestEvent }),
      // Clients send the same few documents over and over; parsing and validating one against this
      // schema costs ~1 ms, which every stream would otherwise pay before its first token.
      parse: documents.parse,
      validate: documents.validate,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const value = typeof raw === "string" ? raw : undefined;
        const key = value && /^bearer\s/i.test(value) ? bearer(value) : value;
        if (!key) {
          ctx.extra.socket.close(CloseCode.Unauthorized, "Unauthorized: send connectionParams.authorization");
          return false;
        }
        try {
          const principal = await services.keys.authenticate(key);
          ctx.extra.principal = principal;
          ctx.extra.key = key;
          // Queries and mutations sent over the socket (a `complete` among them) stop when it closes, as over HTTP.
          const gone = new AbortController();
          ctx.extra.gone = gone;
          const socket = ctx.extra.socket;
          let set = sockets.get(principal.keyId);
          if (!set) sockets.set(principal.keyId, (set = new Set()));
          set.add(socket);
          socket.once("close", () => {
            gone.abort();
            const s = sockets.get(principal.keyId);
            if (s?.delete(socket) && s.size === 0) sockets.delete(principal.keyId);
          });
          return true;
        } catch (e) {
          if (isGatewayError(e)) return false; // graphql-ws closes with 4403 Forbidden
          throw e;
        }
      },
      // Every operation checks the key again (a cache hit, ~1 µs): should a revocation's notice be lost,
      // the key cache's TTL bounds how long a socket outlives its key, as for HTTP.
      onSubscribe: async (ctx) => {
        try {
          ctx.extra.principal = await services.keys.authenticate(ctx.extra.key);
        } catch (e) {
          if (!isGatewayError(e)) throw e;
          ctx.extra.socket.close(CloseCode.Forbidden, "Forbidden: API key revoked");
          return [new GraphQLError(e.message, { extensions: { code: e.code } })];
        }
      },
      context: (ctx): GqlContext => ({ principal: ctx.extra.principal!, services, signal: ctx.extra.gone?.signal }),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        const errors = formatForWs(result.errors);
        for (const e of errors) if (e.extensions?.code === "INTERNAL_SERVER_ERROR") log.error({ errors: result.errors }, "unexpected error in subscription");
        return { ...result, errors };
      },
      onError: (_ctx, _id, _payload, errors) => formatForWs(errors),
    },
    wss,
  );
  return {
    wss,
    async close(): Promise<void> {
      unsubscribe();
      await disposable.dispose();
    },
  };
}

/** Parsed documents by source text (bounded, oldest out) and their validation results by document. */
function documentCache(max: number) {
  const parsed = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, { schema: GraphQLSchema; errors: readonly GraphQLError[] }>();
  return {
    parse(input: string | Source): DocumentNode {
      const source = typeof input === "string" ? input : input.body;
      let doc = parsed.get(source);
      if (!doc) {
        doc = parse(source);
        if (parsed.size >= max) parsed.delete(parsed.keys().next().value!);
        parsed.set(source, doc);
      }
      return doc;
    },
    validate(schema: GraphQLSchema, doc: DocumentNode): readonly GraphQLError[] {
      const hit = validated.get(doc);
      if (hit && hit.schema === schema) return hit.errors;
      const errors = validate(schema, doc);
      validated.set(doc, { schema, errors });
      return errors;
    },
  };
}
