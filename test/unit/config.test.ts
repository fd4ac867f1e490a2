import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("config", () => {
  it("defaults: port 4000, PGlite under ./.switchboard, the demo model on without provider keys", () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ port: 4000, databaseUrl: undefined, dataDir: "./.switchboard", demoEnabled: true });
    expect(Object.keys(c.providers)).toEqual(["openai", "anthropic", "gemini"]);
    expect(c.providers.openai!.baseUrl).toBe("https://api.openai.com/v1");
  });

  it("turns the demo off once a real provider key is set, unless the file enables it", () => {
    expect(loadConfig({ OPENAI_API_KEY: "sk-x" }, {}).demoEnabled).toBe(false);
    expect(loadConfig({ OPENAI_API_KEY: "sk-x" }, { demo: { enabled: true } }).demoEnabled).toBe(true);
  });

  it("reads OpenAI-compatible servers from the file, keys from a named env var", () => {
    const c = loadConfig({ GROQ_KEY: "gsk-1" }, { providers: { groq: { kind: "openai-compatible", baseUrl: "https://api.groq.com/openai/v1", apiKeyEnv: "GROQ_KEY", models: ["llama-3.3-70b"] } } });
    expect(c.providers.groq).toMatchObject({ apiKey: "gsk-1", models: ["llama-3.3-70b"] });
  });

  it("explains every problem on its own line", () => {
    let msg = "";
    try {
      loadConfig({ PORT: "70000", DATABASE_URL: "mysql://x" }, {});
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      msg = (e as Error).message;
    }
    expect(msg).toContain("PORT");
    expect(msg).toContain("DATABASE_URL must be a postgres:// URL");
    expect(() => loadConfig({}, { providers: { x: { kind: "openai-compatible" } } })).toThrow(/providers\.x\.baseUrl: required/);
    expect(() => loadConfig({}, { provders: {} })).toThrow(/provders/);
    expect(() => loadConfig({}, { models: [{ id: "nowhere/m" }] })).toThrow(/unknown provider "nowhere"/);
    expect(() => loadConfig({}, { providers: { x: { kind: "openai-compatible", baseUrl: "http://h/v1", apiKeyEnv: "MISSING_VAR" } } })).toThrow(/MISSING_VAR is not set/);
    // Traces go out as OTLP/HTTP protobuf only: a grpc or JSON setting is refused at startup, not ignored.
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, {})).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: only http\/protobuf is supported/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }, {})).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/);
    expect(() => loadConfig({}, { usage: { batchSize: 500, maxQueued: 100 } })).toThrow(/usage\.maxQueued: usage\.maxQueued must be at least usage\.batchSize/);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" }, {}).observability.otlpEndpoint).toBeUndefined();
  });
});
