/**
 * Imported first by main.ts, so it runs before any library reads NODE_ENV: the gateway binary runs in
 * production mode unless the environment names another (NODE_ENV=development, say). graphql-js decides
 * at load: outside production each of its type checks (`isScalarType`, `isNonNullType`, … one per
 * value it coerces or completes) that fails also compares class names, to warn about two copies of
 * graphql in one process. Our schema options (introspection, stack traces) are set explicitly, so
 * Apollo Server's NODE_ENV defaults change only its landing page. Tests import app.ts, not this.
 */
if (!process.env.NODE_ENV) process.env.NODE_ENV = "production";
