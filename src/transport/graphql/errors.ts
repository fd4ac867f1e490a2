import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { pgError } from "../../core/observability/retention.js";
import { isGatewayError } from "../../domain/errors.js";

/** Codes that graphql-js / Apollo set themselves and that are safe to pass through. */
const PASSTHROUGH = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "UNAUTHENTICATED",
  "FORBIDDEN",
]);

/**
 * The one boundary where errors become client-visible. GatewayErrors keep their code and safe
 * details; graphql-js's own errors (parse, validation, variable coercion) keep their message;
 * anything else is masked so no stack, SQL or upstream body reaches a client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isGatewayError(original)) {
    return {
      message: original.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: original.code,
        ...(original.retryAfterMs !== undefined ? { retryAfterMs: original.retryAfterMs } : {}),
        ...(original.upstreamStatus !== undefined ? { upstreamStatus: original.upstreamStatus } : {}),
        ...(original.details ? original.details : {}),
      },
    };
  }
  // Postgres' data exceptions (class 22: a NUL or invalid character, a value out of range) come from a
  // value the client sent into a query or a stored field; the client can fix it, we cannot.
  const pg = pgError(original);
  if (pg?.code.startsWith("22")) {
    return {
      // The database's own message ("invalid byte sequence for encoding "UTF8": 0x00"), never the
      // driver wrapper's, which quotes the statement and its parameters.
      message: `a value in the request cannot be used: ${pg.message}`,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && PASSTHROUGH.has(code)) {
    return { ...formatted, extensions: { code } };
  }
  // graphql-js errors that wrap nothing but graphql-js errors are about the document or variables
  // (variable coercion wraps the field's own GraphQLError), not our internals.
  if (error instanceof GraphQLError && onlyGraphQLErrors(error)) {
    return { message: formatted.message, ...(formatted.locations ? { locations: formatted.locations } : {}), extensions: { code: "BAD_USER_INPUT" } };
  }
  return {
    message: "internal error",
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

/** Same rules for errors that graphql-ws sends (it bypasses Apollo's formatter). */
export function formatForWs(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((e) => formatError(e.toJSON(), e));
}

function onlyGraphQLErrors(e: GraphQLError): boolean {
  let cause: unknown = e.originalError;
  for (let depth = 0; cause && depth < 8; depth++) {
    if (!(cause instanceof GraphQLError)) return false;
    cause = cause.originalError;
  }
  return !cause;
}

