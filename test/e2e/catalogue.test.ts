import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, gql, usingPostgres, type TestApp } from "../helpers/app.js";
import { apolloClient } from "../helpers/clients.js";
import { ModelsDocument, SetAliasDocument, UpsertModelDocument } from "../generated/graphql.js";
import { SEED_MODELS, SEED_PRICES_AS_OF } from "../../src/core/catalogue/seed.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    file: {
      providers: { ollama: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:11434/v1", models: ["llama3.2", "qwen2.5-coder"] } },
      models: [{ id: "ollama/llama3.2", contextWindow: 131072, maxOutputTokens: 8192 }],
      aliases: { local: "ollama/llama3.2" },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

describe("model catalogue", () => {
  it("is seeded with OpenAI, Anthropic and Gemini list prices plus configured OpenAI-compatible models", async () => {
    expect(SEED_PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const { data } = await apolloClient(t.url, t.adminKey).query({ query: ModelsDocument, variables: {} });
    const byId = new Map(data!.models.map((m) => [m.id, m]));
    for (const p of ["openai", "anthropic", "gemini"]) {
      const seeded = SEED_MODELS.filter((m) => m.id.startsWith(`${p}/`));
      expect(seeded.length).toBeGreaterThanOrEqual(3);
      for (const s of seeded) {
        const m = byId.get(s.id)!;
        expect(m.inputPricePerMTok).toBe(s.inputPricePerMTok);
        expect(m.outputPricePerMTok).toBe(s.outputPricePerMTok);
        expect(m.health.available).toBe(false); // no provider key in tests
        expect(m.health.reason).toMatch(/API key/);
      }
    }
    expect(byId.get("ollama/llama3.2")).toMatchObject({ contextWindow: 131072, maxOutputTokens: 8192, aliases: ["local"], health: { available: true } });
    expect(byId.get("ollama/qwen2.5-coder")).toMatchObject({ inputPricePerMTok: 0, enabled: true });
    expect(byId.has("demo/echo")).toBe(false); // a configured server turns the demo off
  });

  it("lets an admin add and reprice a model; prices round-trip exactly", async () => {
    const client = apolloClient(t.url, t.adminKey);
    const r = await client.mutate({
      mutation: UpsertModelDocument,
      variables: { input: { id: "ollama/mistral", inputPricePerMTok: 0.123456, outputPricePerMTok: 1.5, contextWindow: 32768, maxOutputTokens: 4096, capabilities: ["chat", "streaming", "tools"] } },
    });
    expect(r.data!.upsertModel).toMatchObject({ id: "ollama/mistral", inputPricePerMTok: 0.123456, outputPricePerMTok: 1.5 });
    const again = await client.mutate({ mutation: UpsertModelDocument, variables: { input: { id: "ollama/mistral", outputPricePerMTok: 2 } } });
    expect(again.data!.upsertModel).toMatchObject({ inputPricePerMTok: 0.123456, outputPricePerMTok: 2, contextWindow: 32768 });
  });

  it("refuses bad model input with BAD_USER_INPUT", async () => {
    const unknownProvider = await gql(t, t.adminKey, `mutation { upsertModel(input: { id: "nowhere/x" }) { id } }`);
    expect(unknownProvider.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const negative = await gql(t, t.adminKey, `mutation { upsertModel(input: { id: "ollama/x", inputPricePerMTok: -1 }) { id } }`);
    expect(negative.errors?.[0]?.message).toContain("inputPricePerMTok");
    const cap = await gql(t, t.adminKey, `mutation { upsertModel(input: { id: "ollama/x", contextWindow: 100, maxOutputTokens: 200 }) { id } }`);
    expect(cap.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("manages aliases: no shadowing of model ids, unknown targets refused", async () => {
    const client = apolloClient(t.url, t.adminKey);
    const set = await client.mutate({ mutation: SetAliasDocument, variables: { name: "fast", target: "ollama/qwen2.5-coder" } });
    expect(set.data!.setAlias).toContainEqual({ __typename: "Alias", name: "fast", target: "ollama/qwen2.5-coder" });
    const shadow = await gql(t, t.adminKey, `mutation { setAlias(name: "ollama/llama3.2", target: "ollama/qwen2.5-coder") { name } }`);
    expect(shadow.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const unknown = await gql(t, t.adminKey, `mutation { setAlias(name: "x", target: "ollama/nope") { name } }`);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const removed = await client.mutate({ mutation: SetAliasDocument, variables: { name: "fast", target: null } });
    expect(removed.data!.setAlias.map((a) => a.name)).not.toContain("fast");
  });

  it.runIf(usingPostgres())("a change on one instance is visible on another within a second", async () => {
    const other = await startTestApp({ shareWith: t, file: { providers: { ollama: { kind: "openai-compatible", baseUrl: "http://127.0.0.1:11434/v1" } } } });
    try {
      await gql(t, t.adminKey, `mutation { setModelEnabled(id: "ollama/qwen2.5-coder", enabled: false) { id } }`);
      await expect
        .poll(async () => (await gql<{ model: { enabled: boolean } }>(other, t.adminKey, `{ model(id: "ollama/qwen2.5-coder") { enabled } }`)).data?.model.enabled, { timeout: 1000 })
        .toBe(false);
    } finally {
      await other.close();
    }
  });

  it("reports readiness from the database and liveness always", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });
});
