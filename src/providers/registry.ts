import { anthropicAdapter } from "./anthropic/index.js";
import type { ProviderAdapter, ProviderKind } from "./contract.js";
import { demoAdapter } from "./demo/index.js";
import { geminiAdapter } from "./gemini/index.js";
import { openaiAdapter } from "./openai/index.js";

/** One line per provider kind. OpenAI-compatible servers and Azure are configuration of the OpenAI adapter. */
export const adapters = {
  openai: openaiAdapter,
  "openai-compatible": openaiAdapter,
  azure: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  demo: demoAdapter,
} satisfies Record<ProviderKind, ProviderAdapter>;

export function adapterFor(kind: ProviderKind): ProviderAdapter {
  return adapters[kind];
}
