import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { KeyStore } from "../core/auth/keys.js";
import type { Catalogue } from "../core/catalogue/index.js";
import type { Gateway } from "../core/gateway.js";
import type { UsageWriter } from "../core/metering/usage-writer.js";
import type { Database } from "../db/client.js";

/** What the transports may use: the core facades. Built once by app.ts. */
export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  gateway: Gateway;
  catalogue: Catalogue;
  keys: KeyStore;
  usage: UsageWriter;
}
