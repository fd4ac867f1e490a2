/**
 * Money is integer micro-dollars (1 USD = 1_000_000). Prices are USD per million tokens,
 * which is numerically micro-USD per token; they are held as integer micro-USD per million
 * tokens ("price micros") so cost arithmetic stays in integers.
 */
export type MicroUsd = number;

const MICRO = 1_000_000;

/** USD per MTok (as given by providers, e.g. 0.15) → integer micro-USD per MTok. */
export function priceToMicros(usdPerMTok: number): number {
  return Math.round(usdPerMTok * MICRO);
}

export function microsToUsd(micros: number): number {
  return micros / MICRO;
}

export function usdToMicros(usd: number): MicroUsd {
  return Math.round(usd * MICRO);
}

/**
 * Cost of `tokens` at `priceMicrosPerMTok`, in micro-USD, rounded up: a fraction of a
 * micro-dollar is billed as one so many tiny requests never add up to free usage.
 */
export function tokenCost(tokens: number, priceMicrosPerMTok: number): MicroUsd {
  if (tokens <= 0 || priceMicrosPerMTok <= 0) return 0;
  return Math.ceil((tokens * priceMicrosPerMTok) / MICRO);
}

export interface Prices {
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
  /** Price of input tokens served from the provider's prompt cache; defaults to the input price. */
  cachedInputMicrosPerMTok?: number | null;
}

export function requestCost(
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number },
  prices: Prices,
): MicroUsd {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const cachedPrice = prices.cachedInputMicrosPerMTok ?? prices.inputMicrosPerMTok;
  // One rounding over the sum, not three, so the total never drifts from the exact figure by more than 1 µ$.
  const exact =
    (usage.inputTokens - cached) * prices.inputMicrosPerMTok +
    cached * cachedPrice +
    usage.outputTokens * prices.outputMicrosPerMTok;
  return exact <= 0 ? 0 : Math.ceil(exact / MICRO);
}
