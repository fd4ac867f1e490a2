import { describe, expect, it } from "vitest";
import { priceToMicros, requestCost, tokenCost } from "../../src/domain/money.js";

describe("money in integer micro-dollars", () => {
  it("converts prices without float drift", () => {
    expect(priceToMicros(0.15)).toBe(150_000);
    expect(priceToMicros(0.075)).toBe(75_000);
    expect(priceToMicros(15)).toBe(15_000_000);
  });

  it("bills fractions of a micro-dollar as one, once per request", () => {
    expect(tokenCost(1, priceToMicros(0.15))).toBe(1);
    expect(requestCost({ inputTokens: 3, outputTokens: 1 }, { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 })).toBe(2); // 0.45 + 0.6 = 1.05 → 2
    expect(requestCost({ inputTokens: 0, outputTokens: 0 }, { inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 })).toBe(0);
  });

  it("prices cached input at the cached rate", () => {
    const prices = { inputMicrosPerMTok: 2_500_000, outputMicrosPerMTok: 10_000_000, cachedInputMicrosPerMTok: 1_250_000 };
    expect(requestCost({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 }, prices)).toBe(1_500_000 + 500_000 + 1_000_000);
  });
});
