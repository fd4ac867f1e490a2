import { describe, expect, it } from "vitest";
import { meterUsage } from "../../src/core/settle.js";
import type { Resolved } from "../../src/core/catalogue/index.js";
import type { ProviderAdapter } from "../../src/providers/contract.js";

const served = { adapter: { tokenEstimateFactor: 1 } as ProviderAdapter } as Resolved;
const sent = { model: "m", messages: [{ role: "user" as const, content: "hello there" }] };

describe("meterUsage: provider-reported counts as the usage columns take them", () => {
  it("rounds fractional counts and caps absurd ones (Postgres would refuse the record's batch on every retry)", () => {
    const u = meterUsage(sent, served, { inputTokens: 12.5, outputTokens: 1e12, cachedInputTokens: 3.2, reasoningTokens: 2 ** 40 }, "hi", [], false);
    expect(u).toEqual({ inputTokens: 13, outputTokens: 2 ** 31 - 1, cachedInputTokens: 3, reasoningTokens: 2 ** 31 - 1, estimated: false });
  });

  it("estimates a negative or non-finite count as if it were not reported", () => {
    const u = meterUsage(sent, served, { inputTokens: -5, outputTokens: Number.NaN }, "hi", [], false);
    expect(u.estimated).toBe(true);
    expect(u.inputTokens).toBeGreaterThan(0);
    expect(u.outputTokens).toBe(1);
  });
});
