import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isGatewayError } from "../../src/domain/errors.js";
import type { ProviderTarget } from "../../src/providers/contract.js";
import { UpstreamClient } from "../../src/providers/http.js";
import { adapterFor } from "../../src/providers/registry.js";

/** Sends headers and the role chunk at once, then one token after `tokenAfterMs` (never when negative). */
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const tokenAfterMs = Number(req.headers["x-after"] ?? -1);
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }));
    if (tokenAfterMs < 0) return;
    setTimeout(() => {
      res.write(chunk({ content: "hi" }));
      res.end(chunk({}, "stop") + "data: [DONE]\n\n");
    }, tokenAfterMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const target = (provider: string, after: number): ProviderTarget => ({
  provider,
  kind: "openai-compatible",
  baseUrl: base,
  apiKey: undefined,
  headers: { "x-after": String(after) },
  upstreamModel: "m",
});
const req = { model: "x/m", messages: [{ role: "user" as const, content: "hi" }] };

async function drain(client: UpstreamClient, t: ProviderTarget): Promise<string> {
  let text = "";
  for await (const c of client.stream(adapterFor("openai-compatible"), req, t, new AbortController().signal)) if (c.type === "text") text += c.text;
  return text;
}

describe("per-provider upstream timeouts", () => {
  const client = new UpstreamClient({ firstByteMs: 60_000 }, { quick: { firstByteMs: 300 }, other: {} });
  afterAll(() => client.close());

  it("cuts a stream whose headers came but whose first token does not, with that provider's first-token timeout", async () => {
    const started = Date.now();
    const err = await drain(client, target("quick", -1)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGatewayError(err) && err.retryable).toBe(true);
    expect((err as Error).message).toBe("quick: timed out waiting for the first token");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("lets a first token through when it arrives in time; providers without their own setting keep the global one", async () => {
    expect(await drain(client, target("quick", 100))).toBe("hi");
    // Providers without their own setting use the global 60 s.
    expect(await drain(client, target("other", 400))).toBe("hi");
  });
});
