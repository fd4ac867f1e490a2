import { sql, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

/**
 * Model names, tags and end-user ids are whatever the caller sent, and they go into usage rows. Postgres
 * text holds neither U+0000 nor a lone UTF-16 surrogate; a literal backslash-u0000 (seven characters,
 * no NUL at all) was mangled into broken JSON by the old NUL filter. Any of these failed its batch on
 * every retry and held every later record behind it until the gateway refused all traffic. Now the
 * record is written (NUL dropped, a lone surrogate as U+FFFD, backslash text as sent) and so is
 * everything after it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ file: { usage: { batchSize: 4, flushIntervalMs: 20 } } });
});
afterAll(async () => {
  await t?.close();
});

const LITERAL = "\\u0000"; // backslash, u, 0, 0, 0, 0
const LONE_HIGH = "\ud800";
const LONE_LOW = "\udfff";

async function chat(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "demo/echo", messages: [{ role: "user", content: "hi" }], max_tokens: 1, ...body }),
  });
  await res.arrayBuffer();
  return res.status;
}

interface Stored {
  status: string;
  model_requested: string;
  tags: string[];
  end_user: string | null;
}

/**
 * Sends a plain request after the odd one, then writes everything queued: the writer must take both
 * (before, flush() failed on the odd record's batch and the queue never emptied).
 */
async function writtenWithFollower(marker: string, where: SQL): Promise<Stored[]> {
  expect(await chat({ tags: [`after-${marker}`] })).toBe(200);
  await t.app.services.usage.flush();
  expect(t.app.services.usage.depth).toBe(0);
  expect(t.app.services.usage.consecutiveFailures).toBe(0);
  const after = await t.app.services.db.rows<Stored>(sql`select status from usage_records where ${`after-${marker}`} = any(tags)`);
  expect(after).toEqual([{ status: "ok" }]);
  return t.app.services.db.rows<Stored>(sql`select status, model_requested, tags, end_user from usage_records where ${where}`);
}

describe("usage records of requests carrying odd strings", () => {
  it("a real NUL in a tag, the end-user id and the model name is dropped", async () => {
    expect(await chat({ tags: ["odd-nul", "nu\u0000l"], user: "\u0000u1" })).toBe(200);
    expect(await chat({ model: "demo/\u0000echo-nul" })).toBe(400);
    const rows = await writtenWithFollower("nul", sql`'odd-nul' = any(tags) or model_requested = 'demo/echo-nul'`);
    expect(rows).toEqual(
      expect.arrayContaining([
        { status: "ok", model_requested: "demo/echo", tags: ["odd-nul", "nul"], end_user: "u1" },
        { status: "error", model_requested: "demo/echo-nul", tags: [], end_user: null },
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it("a model name ending in the literal text \\u0000 is stored as sent, and later records are written", async () => {
    const model = `demo/echo${LITERAL}`;
    expect(model).toHaveLength(15);
    expect(await chat({ model })).toBe(400);
    const rows = await writtenWithFollower("literal-model", sql`model_requested like 'demo/echo%' and status = 'error' and model_requested <> 'demo/echo-nul'`);
    expect(rows).toEqual([{ status: "error", model_requested: model, tags: [], end_user: null }]);
  });

  it("a tag and an end-user id holding the literal text \\u0000 are stored as sent, and later records are written", async () => {
    const tags = ["odd-literal", `cost${LITERAL}centre`, `\\${LITERAL}`];
    expect(await chat({ tags, user: `user${LITERAL}` })).toBe(200);
    const rows = await writtenWithFollower("literal-tag", sql`'odd-literal' = any(tags)`);
    expect(rows).toEqual([{ status: "ok", model_requested: "demo/echo", tags, end_user: `user${LITERAL}` }]);
  });

  it("a lone surrogate in the model name is stored as U+FFFD, and later records are written", async () => {
    expect(await chat({ model: `demo/echo-lone${LONE_HIGH}` })).toBe(400);
    const rows = await writtenWithFollower("lone-model", sql`model_requested like 'demo/echo-lone%'`);
    expect(rows).toEqual([{ status: "error", model_requested: "demo/echo-lone\ufffd", tags: [], end_user: null }]);
  });

  it("lone surrogates in a tag and the end-user id are stored as U+FFFD (a valid pair as it is), and later records are written", async () => {
    expect(await chat({ tags: ["odd-lone", `t${LONE_LOW}`, "pair \u{1F600}"], user: `${LONE_HIGH}x${LONE_LOW}` })).toBe(200);
    const rows = await writtenWithFollower("lone-tag", sql`'odd-lone' = any(tags)`);
    expect(rows).toEqual([{ status: "ok", model_requested: "demo/echo", tags: ["odd-lone", "t\ufffd", "pair \u{1F600}"], end_user: "\ufffdx\ufffd" }]);
  });
});
