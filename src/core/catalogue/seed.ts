/*
 * Seed catalogue: list prices (USD per million tokens, Standard tier, not Batch/Flex/Priority)
 * and limits for OpenAI, Anthropic and Google Gemini.
 *
 * All pages were read as stored copies on 2026-11-25, not fetched live. The newest
 * information they contain dates from 2026-11-18, so that is SEED_PRICES_AS_OF.
 *
 * Anthropic: newest information from 2026-11-09 or later (the Fable 5.2 release)
 *   - https://platform.claude.com/docs/en/models/overview (copy that already lists Fable 5.2)
 *   - https://platform.claude.com/docs/en/about-claude/pricing (copy from about Sep 2026, before Opus 5.5)
 *   - https://platform.claude.com/docs/{en,zh-CN}/models/{opus-5-5,sonnet-5-5,haiku-5-5,opus-5,sonnet-5,fable-5-1}/overview (Sep-Oct 2026)
 *   No official page I could read gave the Fable 5.2 cache price or the Sonnet 5.5
 *   cache price after the cut. Those two figures come from third-party copies of the
 *   pricing page (Oct 24 and Nov 10, 2026) and are marked where used.
 * OpenAI: newest information from 2026-11-17 or later (the GPT-6.2 release)
 *   - https://developers.openai.com/api/docs/models (copy that already lists GPT-6.2)
 *   - https://developers.openai.com/api/docs/deprecations (copy from about Oct 27, 2026)
 *   - https://developers.openai.com/api/docs/pricing: I could not read a current copy. Cached-input
 *     rates come from third-party copies of it dated Sep 22 to Nov 18, 2026.
 * Gemini: newest information from 2026-11-18 (the Gemini 4 Neon release)
 *   - https://ai.google.dev/gemini-api/docs/generate-content/latest-model (Argon launch price)
 *   - https://ai.google.dev/gemini-api/docs/pricing (third-party copy of the page as of 2026-10-07)
 *   - https://ai.google.dev/gemini-api/docs/models/gemini-3.5-flash-lite (Jul 2026)
 *   - https://ai.google.dev/gemini-api/docs/deprecations
 *   The pricing-page copy predates Carbon, Neon and Hydrogen. Their prices come from
 *   third-party launch notes dated Nov 11-22, 2026, which quote Google's list price.
 *
 * Dropped on purpose:
 *   - Gemini 2.5 Pro and 2.5 Flash: they shut down on 2026-12-01 and AI Studio no longer offers them.
 *   - Gemini 2.0 Flash, Claude 3.5 and 3.7, gpt-4.1-nano and o3/o4-mini: already retired, or
 *     shutting down before 2027.
 */

/** Capability flags understood by routing and validation. */
export type Capability = "chat" | "streaming" | "tools" | "vision" | "json" | "reasoning";

export interface SeedModel {
  /** "provider/model", provider one of openai | anthropic | gemini */
  id: string;
  displayName: string;
  contextWindow: number;
  maxOutputTokens: number;
  /** USD per million input tokens */
  inputPricePerMTok: number;
  /** USD per million output tokens */
  outputPricePerMTok: number;
  /** USD per million cached-input tokens (prompt-cache read price), when the provider lists one */
  cachedInputPricePerMTok?: number;
  capabilities: Capability[];
}

/** Date the prices were read from the providers' pages (ISO). */
export const SEED_PRICES_AS_OF: string = "2026-11-18";

// Spread per entry so no two models share (and can mutate) one array.
const REASONING_MODEL: readonly Capability[] = ["chat", "streaming", "tools", "vision", "json", "reasoning"];
const NON_REASONING_MODEL: readonly Capability[] = ["chat", "streaming", "tools", "vision", "json"];

export const SEED_MODELS: readonly SeedModel[] = [
  // ---------------------------------------------------------------- OpenAI
  // GPT-6.x: the 1.05M window is shared by input (922K max) and output. Above 272K input
  // tokens, input and cache rates double and output costs 1.5x; these are the base-tier rates.
  {
    id: "openai/gpt-6.2-astra",
    displayName: "GPT-6.2 Astra",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 8,
    outputPricePerMTok: 40,
    cachedInputPricePerMTok: 0.4,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "openai/gpt-6.2-sol",
    displayName: "GPT-6.2 Sol",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "openai/gpt-6.1-terra",
    displayName: "GPT-6.1 Terra",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 1,
    outputPricePerMTok: 5,
    cachedInputPricePerMTok: 0.05,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "openai/gpt-6-luna",
    displayName: "GPT-6 Luna",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 0.1,
    outputPricePerMTok: 0.5,
    cachedInputPricePerMTok: 0.01,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Still offered. Not every plan has 6.2 yet.
    id: "openai/gpt-6-astra",
    displayName: "GPT-6 Astra",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 10,
    outputPricePerMTok: 50,
    cachedInputPricePerMTok: 1,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "openai/gpt-6.1-sol",
    displayName: "GPT-6.1 Sol",
    contextWindow: 1_050_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...REASONING_MODEL],
  },
  // GPT-4.1 / GPT-4o: deprecated, shut down 2027-01-14 (replacement: gpt-6-luna / gpt-6.1-sol).
  // Kept because existing callers still use them until then.
  {
    id: "openai/gpt-4.1",
    displayName: "GPT-4.1",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    inputPricePerMTok: 2,
    outputPricePerMTok: 8,
    cachedInputPricePerMTok: 0.5,
    capabilities: [...NON_REASONING_MODEL],
  },
  {
    id: "openai/gpt-4.1-mini",
    displayName: "GPT-4.1 mini",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    inputPricePerMTok: 0.4,
    outputPricePerMTok: 1.6,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...NON_REASONING_MODEL],
  },
  {
    id: "openai/gpt-4o",
    displayName: "GPT-4o",
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    inputPricePerMTok: 2.5,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 1.25,
    capabilities: [...NON_REASONING_MODEL],
  },
  {
    id: "openai/gpt-4o-mini",
    displayName: "GPT-4o mini",
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    inputPricePerMTok: 0.15,
    outputPricePerMTok: 0.6,
    cachedInputPricePerMTok: 0.075,
    capabilities: [...NON_REASONING_MODEL],
  },

  // ------------------------------------------------------------- Anthropic
  // 1M-context Claude models are billed at one flat rate, with no long-context surcharge (except Haiku 5.5).
  {
    // The $8/$40 rate is on the official overview. The cache read comes from third-party copies of the pricing page.
    id: "anthropic/claude-fable-5-2",
    displayName: "Claude Fable 5.2",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 8,
    outputPricePerMTok: 40,
    cachedInputPricePerMTok: 0.2,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "anthropic/claude-fable-5-1",
    displayName: "Claude Fable 5.1",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 10,
    outputPricePerMTok: 50,
    cachedInputPricePerMTok: 0.25,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "anthropic/claude-opus-5-5",
    displayName: "Claude Opus 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 4,
    outputPricePerMTok: 20,
    cachedInputPricePerMTok: 0.2,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Legacy, but still available (retirement not before 2027-07-24).
    id: "anthropic/claude-opus-5",
    displayName: "Claude Opus 5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 5,
    outputPricePerMTok: 25,
    cachedInputPricePerMTok: 0.5,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Cache reads fell from $0.20 to $0.10 on 2026-10-07. The official model page I could read predates the cut.
    id: "anthropic/claude-sonnet-5-5",
    displayName: "Claude Sonnet 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Legacy. The planned Sep 1 rise to $3/$15 was cancelled; the official page still lists $2/$10.
    id: "anthropic/claude-sonnet-5",
    displayName: "Claude Sonnet 5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 0.2,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Tiered: base rate is for prompts up to 100K tokens. Above that, $0.50 in / $2.50 out / $0.05 cache on the whole request.
    id: "anthropic/claude-haiku-5-5",
    displayName: "Claude Haiku 5.5",
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    inputPricePerMTok: 0.1,
    outputPricePerMTok: 0.5,
    cachedInputPricePerMTok: 0.01,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Alias of snapshot claude-haiku-4-5-20251001. Still widely used at 200K context.
    id: "anthropic/claude-haiku-4-5",
    displayName: "Claude Haiku 4.5",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    inputPricePerMTok: 1,
    outputPricePerMTok: 5,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...REASONING_MODEL],
  },

  // ---------------------------------------------------------------- Gemini
  // Gemini 4: one 1,048,576-token budget for input plus output. Each request returns up to
  // 65,536 tokens; longer output needs continuation_token. Caching is implicit only.
  {
    // Launch price runs through 2026-11-30. From 2026-12-01 it is $4/$20. Cache price not confirmed, so none is set.
    id: "gemini/gemini-4-carbon",
    displayName: "Gemini 4 Carbon",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Launch price runs through 2026-11-30. From 2026-12-01 it is $4/$20 with $0.20 cached.
    id: "gemini/gemini-4-argon",
    displayName: "Gemini 4 Argon",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 2,
    outputPricePerMTok: 10,
    cachedInputPricePerMTok: 0.1,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "gemini/gemini-4-neon",
    displayName: "Gemini 4 Neon",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 3,
    outputPricePerMTok: 15,
    cachedInputPricePerMTok: 0.15,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "gemini/gemini-4-hydrogen",
    displayName: "Gemini 4 Hydrogen",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 1.5,
    outputPricePerMTok: 7.5,
    cachedInputPricePerMTok: 0.075,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Half-price promotion through 2026-12-31. From 2027-01-01 it is $1.50/$7.50.
    id: "gemini/gemini-3.8-flash",
    displayName: "Gemini 3.8 Flash",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 0.75,
    outputPricePerMTok: 3.75,
    cachedInputPricePerMTok: 0.075,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Tiered: base rate is for prompts up to 200K tokens. Above that, $4 in / $18 out.
    id: "gemini/gemini-3.1-pro-preview",
    displayName: "Gemini 3.1 Pro (Preview)",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 2,
    outputPricePerMTok: 12,
    cachedInputPricePerMTok: 0.2,
    capabilities: [...REASONING_MODEL],
  },
  {
    // Google's named replacement for 2.5 Flash. Cache price not found, so none is set.
    id: "gemini/gemini-3.5-flash-lite",
    displayName: "Gemini 3.5 Flash-Lite",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 0.3,
    outputPricePerMTok: 2.5,
    capabilities: [...REASONING_MODEL],
  },
  {
    id: "gemini/gemini-3.1-flash-lite",
    displayName: "Gemini 3.1 Flash-Lite",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 0.25,
    outputPricePerMTok: 1.5,
    cachedInputPricePerMTok: 0.025,
    capabilities: [...REASONING_MODEL],
  },
  {
    // The only 2.5 model not deprecated. Thinking is off by default but can be switched on.
    id: "gemini/gemini-2.5-flash-lite",
    displayName: "Gemini 2.5 Flash-Lite",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    inputPricePerMTok: 0.1,
    outputPricePerMTok: 0.4,
    cachedInputPricePerMTok: 0.01,
    capabilities: [...REASONING_MODEL],
  },
];
