import { messageText, type ChatMessage, type ChatRequest, type ContentPart, type FinishReason, type Usage } from "../../domain/chat.js";
import { badInput } from "../../domain/errors.js";
import type { ProviderTarget } from "../contract.js";
import type { WireUsage } from "./wire.js";

/** Used only when neither the request nor the catalogue names a cap: Anthropic refuses a request without one. */
export const DEFAULT_MAX_TOKENS = 4096;
/** The image types Anthropic accepts; anything else would be a 400 after we had already spent a hold. */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

type Block = Record<string, unknown>;
interface WireMessage {
  role: "user" | "assistant";
  content: Block[];
}

const STOP: Record<string, FinishReason> = {
  end_turn: "STOP",
  stop_sequence: "STOP",
  // The server paused a long-running turn (server tools); what we have is a complete answer so far.
  pause_turn: "STOP",
  max_tokens: "LENGTH",
  model_context_window_exceeded: "LENGTH",
  tool_use: "TOOL_CALLS",
  refusal: "CONTENT_FILTER",
};

export function mapStop(raw: string): FinishReason {
  return STOP[raw] ?? "STOP";
}

/**
 * Anthropic reports uncached, cache-written and cache-read input separately; our `inputTokens`
 * is everything the prompt cost, with the cache reads as the cached subset.
 */
export function mapUsage(u: WireUsage): Partial<Usage> {
  const out: Partial<Usage> = {};
  const read = u.cache_read_input_tokens;
  const written = u.cache_creation_input_tokens;
  if (u.input_tokens != null || read != null || written != null) {
    out.inputTokens = (u.input_tokens ?? 0) + (read ?? 0) + (written ?? 0);
    out.cachedInputTokens = read ?? 0;
  }
  if (u.output_tokens != null) out.outputTokens = u.output_tokens;
  return out;
}

type ImageSource = { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };

/** Anthropic takes base64 data or a URL it fetches itself; a string result says why this image cannot go. */
function imageSource(url: string): ImageSource | string {
  const data = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (data) {
    const mime = (data[1] ?? "").toLowerCase();
    if (!/;base64$/i.test(data[2] ?? "")) return "image data URLs must be base64-encoded";
    if (!IMAGE_TYPES.has(mime)) return `image type "${mime}" is not supported (jpeg, png, gif or webp)`;
    return { type: "base64", media_type: mime, data: data[3] ?? "" };
  }
  if (/^https?:\/\//i.test(url)) return { type: "url", url };
  return "images must be http(s) or base64 data URLs";
}

/** Anthropic wants tool input as an object; the unified request carries it as JSON text. */
function toolInput(args: string): Record<string, unknown> | null {
  if (args.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const hasImage = (m: ChatMessage): boolean => typeof m.content !== "string" && m.content.some((p) => p.type === "image");

/** The first option or message Anthropic cannot take, as a message for the caller; null when all can go. */
export function unsupportedReason(req: ChatRequest): string | null {
  const f = req.responseFormat;
  if (f && f.type !== "text") {
    return `responseFormat "${f.type}" is not supported: Anthropic has no JSON mode (ask for JSON in the prompt, or use a tool)`;
  }
  if (req.temperature !== undefined && req.temperature > 1) return `temperature ${req.temperature} is out of range: Anthropic accepts 0 to 1`;
  for (const [i, m] of req.messages.entries()) {
    if ((m.role === "system" || m.role === "assistant") && hasImage(m)) return `messages[${i}]: images are only accepted in user and tool messages`;
    if (m.role === "tool" && !m.toolCallId) return `messages[${i}]: a tool message needs toolCallId`;
    if (typeof m.content !== "string") {
      for (const p of m.content) {
        if (p.type !== "image") continue;
        const src = imageSource(p.url);
        if (typeof src === "string") return `messages[${i}]: ${src}`;
      }
    }
    for (const [j, c] of (m.toolCalls ?? []).entries()) {
      if (toolInput(c.arguments) === null) return `messages[${i}].toolCalls[${j}]: arguments must be a JSON object`;
    }
  }
  return null;
}

function partBlock(p: ContentPart): Block | null {
  if (p.type === "text") return p.text === "" ? null : { type: "text", text: p.text };
  // `detail` is an OpenAI resolution hint with no Anthropic counterpart; the image itself still goes.
  const source = imageSource(p.url);
  if (typeof source === "string") throw badInput(source);
  return { type: "image", source };
}

/** Anthropic rejects empty text blocks, so empty strings and parts are left out rather than sent. */
function contentBlocks(m: ChatMessage): Block[] {
  if (typeof m.content === "string") return m.content === "" ? [] : [{ type: "text", text: m.content }];
  return m.content.map(partBlock).filter((b): b is Block => b !== null);
}

function messageBlocks(m: ChatMessage): Block[] {
  if (m.role === "tool") {
    const content = contentBlocks(m);
    return [{ type: "tool_result", tool_use_id: m.toolCallId ?? "", ...(content.length > 0 ? { content } : {}) }];
  }
  const blocks = contentBlocks(m);
  for (const c of m.role === "assistant" ? (m.toolCalls ?? []) : []) {
    const input = toolInput(c.arguments);
    if (input === null) throw badInput(`tool call ${c.id}: arguments must be a JSON object`);
    blocks.push({ type: "tool_use", id: c.id, name: c.name, input });
  }
  return blocks;
}

/**
 * Tool results and user text become one user turn; Anthropic wants the tool_result blocks first
 * in it, so they are moved ahead of any text without reordering either group.
 */
function finishMessage(m: WireMessage): Record<string, unknown> {
  let content = m.content;
  if (m.role === "user") {
    const results = content.filter((b) => b["type"] === "tool_result");
    if (results.length > 0) content = [...results, ...content.filter((b) => b["type"] !== "tool_result")];
  }
  const only = content[0];
  if (content.length === 1 && only?.["type"] === "text") return { role: m.role, content: only["text"] };
  return { role: m.role, content };
}

export function buildBody(req: ChatRequest, target: ProviderTarget, stream: boolean): Record<string, unknown> {
  const system: string[] = [];
  const messages: WireMessage[] = [];
  for (const m of req.messages) {
    if (m.role === "system") {
      const text = messageText(m);
      if (text !== "") system.push(text);
      continue;
    }
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks = messageBlocks(m);
    // A message with nothing in it would be a 400 ("all messages must have non-empty content").
    if (blocks.length === 0) continue;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }

  const body: Record<string, unknown> = {
    model: target.upstreamModel,
    max_tokens: req.maxTokens ?? target.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) body.system = system.join("\n\n");
  body.messages = messages.map(finishMessage);
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop?.length) body.stop_sequences = req.stop;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      // OpenAI treats a schema without `type` as an object; Anthropic insists on saying so.
      input_schema: { type: "object", ...t.parameters },
    }));
  }
  const choice = req.toolChoice;
  if (choice !== undefined) {
    if (choice === "auto") body.tool_choice = { type: "auto" };
    else if (choice === "required") body.tool_choice = { type: "any" };
    else if (choice === "none") body.tool_choice = { type: "none" };
    else body.tool_choice = { type: "tool", name: choice.name };
  }
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (stream) body.stream = true;
  return body;
}
