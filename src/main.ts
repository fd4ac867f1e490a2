import "./production-mode.js";
import { createApp, createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const app = await createApp({ config, logger: log });
  const { url } = await app.listen();
  if (app.generatedAdminKey) {
    // Printed once, to stdout and not through the logger, so it never lands in structured log storage.
    process.stdout.write(
      `\n  First start: an admin API key was generated. It is shown this once; store it now.\n\n    ${app.generatedAdminKey}\n\n`,
    );
  }
  log.info(
    { url, graphql: `${url}/graphql`, rest: `${url}/v1`, database: app.services.db.kind, demo: config.demoEnabled },
    "switchboard listening",
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
