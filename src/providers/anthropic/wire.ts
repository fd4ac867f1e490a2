import { z } from "zod";

/**
 * Anthropic Messages API wire format (the subset we read). Unknown fields and block types pass
 * through untouched: Anthropic adds block types (thinking, server tools, citations) over time.
 */
const Usage = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});
export type WireUsage = z.infer<typeof Usage>;

const ContentBlock = z.object({
  type: z.string(),
  text: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
});
export type WireContentBlock = z.infer<typeof ContentBlock>;

export const Message = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(ContentBlock).default([]),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: Usage.nullish(),
});

const ErrorObject = z.object({ type: z.string().nullish(), message: z.string().nullish() });

/** The stream events we act on; `ping`, `message_stop` and any future type are recognised by `type` alone. */
export const StreamEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({ model: z.string().nullish(), usage: Usage.nullish() }),
  }),
  z.object({ type: z.literal("content_block_start"), index: z.number(), content_block: ContentBlock }),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z.object({ type: z.string(), text: z.string().nullish(), partial_json: z.string().nullish() }),
  }),
  z.object({ type: z.literal("content_block_stop"), index: z.number() }),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).nullish(),
    usage: Usage.nullish(),
  }),
  z.object({ type: z.literal("error"), error: ErrorObject.nullish() }),
]);
export type StreamEvent = z.infer<typeof StreamEvent>;
export const STREAM_EVENT_TYPES: ReadonlySet<string> = new Set(StreamEvent.options.map((o) => o.shape.type.value));
