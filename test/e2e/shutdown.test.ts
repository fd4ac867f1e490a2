import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/db/client.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai.js";
import { subscribeAll } from "../helpers/clients.js";
import { CompletionStreamDocument, type CompletionStreamSubscription } from "../generated/graphql.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let fake: FakeOpenAI;
let dir: string;
let child: ChildProcess | undefined;
const ADMIN = "sb-shutdown-test-admin-key-0001";

beforeAll(async () => {
  fake = await startFakeOpenAI({ models: ["slow"] });
  dir = mkdtempSync(join(tmpdir(), "sb-shutdown-"));
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("graceful shutdown on SIGTERM (real process, PGlite on disk)", () => {
  it("stops accepting, lets a running stream finish, flushes its usage record, exits 0", async () => {
    const port = await freePort();
    const config = join(dir, "switchboard.config.json");
    writeFileSync(config, JSON.stringify({ providers: { local: { kind: "openai-compatible", baseUrl: fake.url, models: ["slow"] } }, shutdown: { drainMs: 10000 } }));
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, DATABASE_URL: "", PORT: String(port), HOST: "127.0.0.1", SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_CONFIG: config, SWITCHBOARD_ADMIN_KEY: ADMIN, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await expect.poll(() => fetch(`${url}/readyz`).then((r) => r.status, () => 0), { timeout: 80_000, interval: 200 }).toBe(200);

    const words = Array.from({ length: 20 }, (_, i) => `t${i}`);
    fake.setScenario({ content: words.join(" "), itlMs: 40 });
    const stream = subscribeAll(`ws://127.0.0.1:${port}/graphql`, ADMIN, CompletionStreamDocument, {
      input: { model: "local/slow", messages: [{ role: "USER", content: "long answer please" }] },
    });
    await fake.waitFor(() => fake.active === 1, 5000);
    child.kill("SIGTERM");
    await expect.poll(() => fetch(`${url}/readyz`).then((r) => r.status, () => 0), { timeout: 2000, interval: 50 }).not.toBe(200);

    const r = await stream;
    expect(r.errors).toEqual([]);
    const last = r.events.at(-1)!.completionStream as CompletionStreamSubscription["completionStream"];
    expect(last.__typename).toBe("CompletionDone");
    expect(await exited).toBe(0);
    expect(stderr).not.toContain("could not be written");

    const db = await openDatabase({ dataDir: dir });
    try {
      const rows = await db.rows<{ status: string; output_tokens: number }>(sql`select status, output_tokens from usage_records where model_served = 'local/slow'`);
      expect(rows).toEqual([{ status: "ok", output_tokens: 20 }]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
