import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** @apollo/client over HTTP for queries and mutations, as a federated app's client would be. */
export function apolloClient(url: string, key: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: `${url}/graphql`, headers: { authorization: `Bearer ${key}` } }),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" }, mutate: { fetchPolicy: "no-cache" } },
  });
}

export interface WsResult<T> {
  events: T[];
  errors: { message: string; extensions?: Record<string, unknown> }[];
  /** Close code when the socket closed abnormally (e.g. 4403). */
  closeCode?: number;
}

export function wsClient(wsUrl: string, authorization: string | undefined, onClose?: (code: number) => void): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: authorization === undefined ? {} : { authorization },
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
}

/**
 * Runs one subscription to its end (or until `stopAfter` events, then completes it from the client side)
 * with graphql-ws's own client, and disposes the socket.
 */
export async function subscribeAll<TData, TVars extends Record<string, unknown>>(
  wsUrl: string,
  key: string | undefined,
  doc: TypedDocumentNode<TData, TVars>,
  variables: TVars,
  opts: { stopAfter?: number; authorization?: string } = {},
): Promise<WsResult<TData>> {
  let closeCode: number | undefined;
  const client = wsClient(wsUrl, opts.authorization ?? (key ? `Bearer ${key}` : undefined), (c) => (closeCode = c));
  const events: TData[] = [];
  const errors: WsResult<TData>["errors"] = [];
  try {
    await new Promise<void>((resolve) => {
      const unsubscribe = client.subscribe<TData>(
        { query: print(doc), variables },
        {
          next: (v) => {
            if (v.data) events.push(v.data);
            if (v.errors) errors.push(...(v.errors as WsResult<TData>["errors"]));
            if (opts.stopAfter !== undefined && events.length >= opts.stopAfter) {
              unsubscribe();
              resolve();
            }
          },
          error: (e) => {
            if (e instanceof Error) errors.push({ message: e.message });
            else if (Array.isArray(e)) errors.push(...(e as WsResult<TData>["errors"]));
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return { events, errors, ...(closeCode !== undefined ? { closeCode } : {}) };
}
