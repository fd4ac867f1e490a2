import { z } from "zod";

/** The unified request every transport produces and every provider adapter consumes. */
export const Role = z.enum(["system", "user", "assistant", "tool"]);
export type Role = z.infer<typeof Role>;

export const TextPart = z.object({ type: z.literal("text"), text: z.string() });
export const ImagePart = z.object({
  type: z.literal("image"),
  /** http(s) URL or a `data:<mime>;base64,...` URL. */
  url: z.string().min(1),
  detail: z.enum(["auto", "low", "high"]).optional(),
});
export const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart]);
export type ContentPart = z.infer<typeof ContentPart>;

export const ToolCall = z.object({
  id: z.string(),
  name: z.string(),
  /** JSON text of the arguments, exactly as the model produced it. */
  arguments: z.string(),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const ChatMessage = z.object({
  role: Role,
  content: z.union([z.string(), z.array(ContentPart)]),
  /** Set on assistant messages that called tools. */
  toolCalls: z.array(ToolCall).optional(),
  /** Set on `tool` messages: the call this message answers. */
  toolCallId: z.string().optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ToolDef = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "tool names are 1-64 letters, digits, _ or -"),
  description: z.string().optional(),
  /** JSON Schema of the arguments object. */
  parameters: z.record(z.string(), z.unknown()).default({ type: "object", properties: {} }),
});
export type ToolDef = z.infer<typeof ToolDef>;

export const ToolChoice = z.union([
  z.enum(["auto", "none", "required"]),
  z.object({ name: z.string() }),
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

export const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().default("response"),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().optional(),
  }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const ChatRequest = z.object({
  /** The catalogue id or alias the caller asked for ("openai/gpt-4o-mini", "fast"). */
  model: z.string().min(1, "model is required"),
  messages: z.array(ChatMessage).min(1, "messages must not be empty"),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  stop: z.array(z.string().min(1)).max(4).optional(),
  tools: z.array(ToolDef).optional(),
  toolChoice: ToolChoice.optional(),
  responseFormat: ResponseFormat.optional(),
  // A tag given twice (body and header) is one tag: usage by tag would otherwise count the request twice.
  tags: z
    .array(z.string().min(1).max(64))
    .max(16)
    .transform((ts) => (ts.length > 1 ? [...new Set(ts)] : ts))
    .optional(),
  /** End-user id the caller acts for (recorded, forwarded where the provider supports it). */
  user: z.string().max(256).optional(),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

export const FinishReason = z.enum(["STOP", "LENGTH", "TOOL_CALLS", "CONTENT_FILTER", "ERROR"]);
export type FinishReason = z.infer<typeof FinishReason>;

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens: number;
  /** Output tokens spent on hidden reasoning (a subset of outputTokens). */
  reasoningTokens: number;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 });

/** One decoded piece of a provider stream. Adapters emit these; the core never sees wire formats. */
export type ChatChunk =
  | { type: "text"; text: string }
  | {
      type: "tool_call";
      /** Position of the call in the message; deltas of one call share it. */
      index: number;
      id?: string;
      name?: string;
      argumentsDelta: string;
    }
  /** Partial usage; later values of the same field replace earlier ones. */
  | { type: "usage"; usage: Partial<Usage> }
  | { type: "finish"; reason: FinishReason; raw?: string }
  /** The model the provider says served the request. */
  | { type: "model"; model: string };

/** A whole, non-streamed answer. */
export interface ChatResult {
  content: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** Absent when the provider reported none; the core then counts tokens itself. */
  usage?: Partial<Usage>;
  model?: string;
}

/** Plain text of a message, images and tool calls left out (for token counting and classification). */
export function messageText(m: ChatMessage): string {
  if (typeof m.content === "string") return m.content;
  let out = "";
  for (const p of m.content) if (p.type === "text") out += p.text;
  return out;
}
