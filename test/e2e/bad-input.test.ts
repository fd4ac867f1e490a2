import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { sql } from "drizzle-orm";
import { startTestApp, gql, type TestApp } from "../helpers/app.js";
import { usageRows } from "../helpers/db.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    file: {
      providers: { local: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", models: ["m1"] } },
      models: [{ id: "local/m1", maxOutputTokens: 100, contextWindow: 1000 }],
      limits: { maxBodyBytes: 64 * 1024, maxMessages: 50 },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const COMPLETE = `mutation($input: CompletionInput!) { complete(input: $input) { content } }`;
const complete = (input: Record<string, unknown>) =>
  gql<{ complete: { content: string } }>(t, t.adminKey, COMPLETE, { input: { messages: [{ role: "USER", content: "hi" }], ...input } });

describe("bad input gets a clear error code and nothing is lost", () => {
  it("unknown model → BAD_USER_INPUT with close names suggested", async () => {
    const r = await complete({ model: "openai/gpt-4o-mni" });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain('did you mean "openai/gpt-4o-mini"');
    expect(r.errors?.[0]?.extensions?.suggestions).toContain("openai/gpt-4o-mini");
    // The refusal is still recorded.
    const rows = await usageRows(t, sql`model_requested = 'openai/gpt-4o-mni'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "error", error_code: "BAD_USER_INPUT" });
  });

  it("empty messages → BAD_USER_INPUT", async () => {
    const r = await gql(t, t.adminKey, COMPLETE, { input: { model: "demo/echo", messages: [] } });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain("messages");
  });

  it("maxTokens above the model's cap → BAD_USER_INPUT naming the cap, never clamped", async () => {
    const r = await complete({ model: "local/m1", maxTokens: 101 });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain("100");
  });

  it("out-of-range temperature → BAD_USER_INPUT", async () => {
    const r = await complete({ model: "demo/echo", temperature: 3 });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain("temperature");
  });

  it("a disabled model → BAD_USER_INPUT", async () => {
    await gql(t, t.adminKey, `mutation { setModelEnabled(id: "local/m1", enabled: false) { id } }`);
    const r = await complete({ model: "local/m1" });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain("disabled");
    await gql(t, t.adminKey, `mutation { setModelEnabled(id: "local/m1", enabled: true) { id } }`);
  });

  it("a provider without a key → UPSTREAM_ERROR saying which key is missing", async () => {
    const r = await complete({ model: "openai/gpt-4o-mini" });
    expect(r.errors?.[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    expect(r.errors?.[0]?.message).toContain("OPENAI_API_KEY");
  });

  it("a provider that refuses the connection → UPSTREAM_ERROR, recorded", async () => {
    const r = await complete({ model: "local/m1" });
    expect(r.errors?.[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    expect(r.errors?.[0]?.message).toContain("connection refused");
  });

  it("malformed JSON → 400 BAD_REQUEST; oversized body → 413", async () => {
    const bad = await fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}` }, body: "{nope" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("BAD_REQUEST");
    const big = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}` },
      body: JSON.stringify({ query: COMPLETE, variables: { input: { model: "demo/echo", messages: [{ role: "USER", content: "x".repeat(70 * 1024) }] } } }),
    });
    expect(big.status).toBe(413);
  });

  it("an oversized body sent without Content-Length still gets its 413 (REST and GraphQL), and the connection is closed", async () => {
    for (const path of ["/v1/chat/completions", "/graphql"]) {
      const { status, body, connection } = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
        const req = request(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}` } }, (res) => {
          let b = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (b += c));
          res.on("end", () => resolve({ status: res.statusCode!, body: b, connection: res.headers.connection }));
        });
        req.on("error", reject);
        // Chunked: the gateway learns the size only while reading. Keep writing until it answers.
        const chunk = "x".repeat(16 * 1024);
        let sent = 0;
        const pump = (): void => {
          while (sent < 256 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once("drain", pump);
          }
          req.end();
        };
        pump();
      });
      expect(status, path).toBe(413);
      expect(body, path).toContain("request body exceeds");
      expect(connection, path).toBe("close");
    }
  });

  it("without a key, GraphQL reads no more than the router's SDL query needs", async () => {
    const big = await fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ _service { sdl } }`, pad: "x".repeat(8 * 1024) }) });
    expect(big.status).toBe(401);
    expect(big.headers.get("connection")).toBe("close");
    const sdl = await fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ _service { sdl } }` }) });
    expect(sdl.status).toBe(200);
  });

  it("odd query values → BAD_USER_INPUT or an empty answer, never INTERNAL_SERVER_ERROR", async () => {
    const REQUESTS = `query($filter: RequestFilter, $after: String) { requests(filter: $filter, after: $after) { nodes { id } } }`;
    const code = (r: { errors?: { extensions?: { code?: unknown } }[] }) => r.errors?.[0]?.extensions?.code;
    expect(code(await gql(t, t.adminKey, REQUESTS, { filter: { minCostUsd: 1e13 } }))).toBe("BAD_USER_INPUT");
    const farCursor = Buffer.from("+275000-01-01T00:00:00.000Z|x", "utf8").toString("base64url");
    expect(code(await gql(t, t.adminKey, REQUESTS, { after: farCursor }))).toBe("BAD_USER_INPUT");
    for (const filter of [{ tags: [] }, { from: "0000-01-01T00:00:00Z" }, { from: "0001-01-01T00:00:00Z", to: "9999-12-31T23:59:59Z" }]) {
      const r = await gql<{ requests: { nodes: unknown[] } }>(t, t.adminKey, REQUESTS, { filter });
      expect(r.errors, JSON.stringify(filter)).toBeUndefined();
      if ("tags" in filter) expect(r.data?.requests.nodes).toEqual([]);
    }
    const usage = await gql(t, t.adminKey, `{ usage(from: "0000-01-01T00:00:00Z", to: "9999-12-31T00:00:00Z", groupBy: [MODEL]) { requests } }`);
    expect(usage.errors).toBeUndefined();
    // A NUL cannot reach Postgres text: the client is told, in the database's words, not the driver's (which quote the SQL).
    for (const q of [`{ request(id: "a\\u0000b") { id } }`, `mutation { createApiKey(input: { name: "n\\u0000", role: MEMBER, userId: "u" }) { secret } }`]) {
      const r = await gql(t, t.adminKey, q);
      expect(code(r), q).toBe("BAD_USER_INPUT");
      expect(r.errors?.[0]?.message, q).not.toMatch(/select|insert|params/i);
    }
  });

  it("a wrong variable type → BAD_USER_INPUT from GraphQL itself", async () => {
    const r = await gql(t, t.adminKey, COMPLETE, { input: { model: "demo/echo", messages: [{ role: "WIZARD", content: "x" }] } });
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("an unexpected internal failure is masked", async () => {
    const r = await gql(t, t.adminKey, `{ __typename nope }`);
    expect(r.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
