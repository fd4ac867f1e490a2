import { z } from "zod";

/** OpenAI Chat Completions wire format (the subset we read). Unknown fields pass through untouched. */
const Usage = z
  .object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
  })
  .nullish();
export type WireUsage = z.infer<typeof Usage>;

const ToolCallWire = z.object({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const ChatCompletion = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(ToolCallWire).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: Usage,
});

export const ChatCompletionChunk = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().default(0),
        delta: z
          .object({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z.array(ToolCallWire.extend({ index: z.number().default(0) })).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: Usage,
  error: z.object({ message: z.string().default("stream error"), type: z.string().nullish() }).nullish(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
