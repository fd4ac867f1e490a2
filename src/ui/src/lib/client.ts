import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange, type OperationContext } from "@urql/core";
import { useCallback, useEffect, useRef } from "react";
import { isAuthError } from "./errors";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws/client";

export interface ApiClient {
  urql: Client;
  ws: WsClient;
  dispose(): void;
}

export const graphqlUrl = (): string => new URL("/graphql", location.href).toString();
const wsUrl = (): string => graphqlUrl().replace(/^http/, "ws");

/** One client per signed-in key: HTTP for queries and mutations, graphql-ws for subscriptions. */
export function createApiClient(key: string, onAuthFailure: (reason: string) => void): ApiClient {
  const ws = createWsClient({
    url: wsUrl(),
    lazy: true,
    // Closing an idle socket after the last subscription keeps the server's connection count honest.
    lazyCloseTimeout: 5_000,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 3,
    shouldRetry: (e) => !(e instanceof CloseEvent && (e.code === 4401 || e.code === 4403)),
    on: {
      closed: (e) => {
        if (e instanceof CloseEvent && (e.code === 4401 || e.code === 4403)) onAuthFailure("The gateway closed the live connection: the key is no longer accepted.");
      },
    },
  });
  const urql = new Client({
    url: graphqlUrl(),
    exchanges: [
      // A key revoked while the dashboard is open: every later request is refused, so sign out once.
      mapExchange({
        onError(error) {
          if (isAuthError(error)) onAuthFailure("Your key is no longer accepted (it may have been revoked). Sign in again.");
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${key}` } }),
    // urql aborts a query's fetch when a newer run of it starts or its page unmounts. Queries are
    // small and the server finishes them anyway, so let them complete and drop the stale result:
    // no request ever ends as a network failure in the browser.
    fetch: (input, init) => fetch(input, { ...init, signal: null }),
    requestPolicy: "cache-and-network",
    // Apollo's CSRF guard refuses simple GETs; POST with a JSON body always passes it.
    preferGetMethod: false,
  });
  return { urql, ws, dispose: () => void ws.dispose() };
}

export interface SessionProbe {
  ok: boolean;
  status: number;
  message?: string;
}

/** Checks a key before storing it; one plain POST so a wrong key never reaches the shared client. */
export async function probeKey(key: string): Promise<SessionProbe> {
  try {
    const res = await fetch(graphqlUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: "{ me { keyId } }" }),
    });
    const body = (await res.json().catch(() => ({}))) as { errors?: { message: string }[] };
    if (res.ok && !body.errors) return { ok: true, status: res.status };
    return { ok: false, status: res.status, message: body.errors?.[0]?.message };
  } catch {
    return { ok: false, status: 0 };
  }
}

/**
 * A refetch that does nothing while the query is already in flight: a second network-only
 * execution of the same operation would cancel the first (a wasted, aborted request).
 */
export function useRefresh(refetch: (opts?: Partial<OperationContext>) => void, fetching: boolean): () => void {
  const busy = useRef(fetching);
  busy.current = fetching;
  return useCallback(() => {
    if (!busy.current) refetch({ requestPolicy: "network-only" });
  }, [refetch]);
}

/** Refreshes a query every `ms` while the page is shown and the tab visible. */
export function usePoll(refresh: () => void, ms: number): void {
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, ms);
    return () => clearInterval(id);
  }, [refresh, ms]);
}
