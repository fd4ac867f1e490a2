import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSchemaFiles } from "../../scripts/schema.js";

describe("checked-in SDL", () => {
  it("matches what the resolvers build (run `npm run schema:emit` when this fails)", async () => {
    const files = await renderSchemaFiles();
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(path, "utf8"), `${path} is stale`).toBe(text);
    }
  });

  it("keeps the contract's names", async () => {
    const sdl = (await renderSchemaFiles())["schema/schema.graphql"]!;
    for (const needle of [
      "complete(input: CompletionInput!): Completion!",
      "completionStream(input: CompletionInput!): CompletionEvent!",
      "union CompletionEvent = CompletionDelta | CompletionDone",
      "models(",
      "createApiKey(input: ApiKeyInput!): CreatedApiKey!",
      "revokeApiKey(id: ID!): ApiKey!",
      "me: Me!",
    ]) {
      expect(sdl).toContain(needle);
    }
  });
});
