import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { messageText, type ChatMessage, type ToolCall } from "../../domain/chat.js";

// Text that merely looks like a special token ("<|endoftext|>") is counted as text, never rejected.
const ENCODE_OPTS = { disallowedSpecial: new Set<string>() };

/**
 * Token count with o200k (exact for current OpenAI models). For other providers the caller
 * multiplies by the adapter's documented estimate factor; provider-reported usage always wins.
 */
export function countText(text: string): number {
  return text.length === 0 ? 0 : o200k(text, ENCODE_OPTS);
}

// OpenAI's published chat framing: each message costs 3 tokens of wrapping, the reply is primed with 3 more.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** A rough per-image charge (OpenAI's low-detail figure); images are billed by the provider anyway. */
const PER_IMAGE = 85;

export function countPrompt(messages: readonly ChatMessage[], toolsJson?: string): number {
  let n = REPLY_PRIMING;
  for (const m of messages) {
    n += PER_MESSAGE + countText(messageText(m));
    if (typeof m.content !== "string") for (const p of m.content) if (p.type === "image") n += PER_IMAGE;
    if (m.toolCalls) for (const c of m.toolCalls) n += countText(c.name) + countText(c.arguments);
  }
  if (toolsJson) n += countText(toolsJson);
  return n;
}

export function countCompletion(content: string, toolCalls: readonly ToolCall[]): number {
  let n = countText(content);
  for (const c of toolCalls) n += countText(c.name) + countText(c.arguments);
  return n;
}

/** Loads the BPE ranks now, so the first request doesn't pay ~0.2 s for it. */
export function warmTokenizer(): void {
  countText("warm up");
}
