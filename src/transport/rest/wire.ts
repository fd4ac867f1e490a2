import { z } from "zod";
import { badInput } from "../../domain/errors.js";

/** The OpenAI Chat Completions request as SDKs send it. Unknown fields are refused by name below, never dropped silently. */
const Part = z.union([
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string(), detail: z.enum(["auto", "low", "high"]).optional() }) }),
]);

const Message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(Part), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z
    .array(z.object({ id: z.string(), type: z.literal("function").optional(), function: z.object({ name: z.string(), arguments: z.string() }) }))
    .optional(),
  tool_call_id: z.string().optional(),
  refusal: z.string().nullish(),
});

export const ChatCompletionRequest = z.object({
  model: z.string(),
  messages: z.array(Message),
  max_tokens: z.number().int().nullish(),
  max_completion_tokens: z.number().int().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z
    .array(z.object({ type: z.literal("function"), function: z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }) }))
    .nullish(),
  tool_choice: z
    .union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) })])
    .nullish(),
  response_format: z
    .union([
      z.object({ type: z.literal("text") }),
      z.object({ type: z.literal("json_object") }),
      z.object({ type: z.literal("json_schema"), json_schema: z.object({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }) }),
    ])
    .nullish(),
  user: z.string().nullish(),
  /** Switchboard extension: cost-centre tags (also accepted as the x-switchboard-tags header). */
  tags: z.array(z.string()).nullish(),
  n: z.number().int().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  // Accepted only at their neutral values; anything else is refused rather than ignored.
  frequency_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  logprobs: z.boolean().nullish(),
  store: z.boolean().nullish(),
  seed: z.number().nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const KNOWN = new Set(Object.keys(ChatCompletionRequest.shape));

/** OpenAI request → the core's raw request. Throws BAD_USER_INPUT naming any option we cannot honour. */
export function toCoreRequest(body: unknown, headerTags: string | undefined): { req: Record<string, unknown>; stream: boolean; includeUsage: boolean } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badInput("request body must be a JSON object");
  const unknown = Object.keys(body).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw badInput(`unsupported parameter${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, { param: unknown[0] });
  const parsed = ChatCompletionRequest.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw badInput(`${i?.path.join(".") || "body"}: ${i?.message ?? "invalid"}`, { param: i?.path.join(".") });
  }
  const b = parsed.data;
  if (b.n != null && b.n !== 1) throw badInput("n: only n=1 is supported", { param: "n" });
  if (b.frequency_penalty) throw badInput("frequency_penalty is not supported by the unified interface", { param: "frequency_penalty" });
  if (b.presence_penalty) throw badInput("presence_penalty is not supported by the unified interface", { param: "presence_penalty" });
  if (b.logprobs) throw badInput("logprobs is not supported", { param: "logprobs" });
  if (b.store) throw badInput("store is not supported: Switchboard keeps its own request log", { param: "store" });
  if (b.parallel_tool_calls === false) throw badInput("parallel_tool_calls=false is not supported by the unified interface", { param: "parallel_tool_calls" });
  if (b.seed != null) throw badInput("seed is not supported by the unified interface", { param: "seed" });
  if (b.max_tokens != null && b.max_completion_tokens != null && b.max_tokens !== b.max_completion_tokens) {
    throw badInput("give max_tokens or max_completion_tokens, not both with different values", { param: "max_tokens" });
  }

  const req: Record<string, unknown> = {
    model: b.model,
    messages: b.messages.map((m) => {
      const content =
        m.content == null
          ? ""
          : typeof m.content === "string"
            ? m.content
            : m.content.map((p) =>
                p.type === "text" ? { type: "text", text: p.text } : { type: "image", url: p.image_url.url, ...(p.image_url.detail ? { detail: p.image_url.detail } : {}) },
              );
      const out: Record<string, unknown> = { role: m.role === "developer" ? "system" : m.role, content };
      if (m.tool_calls?.length) out.toolCalls = m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      if (m.tool_call_id) out.toolCallId = m.tool_call_id;
      if (m.name) out.name = m.name;
      return out;
    }),
  };
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (maxTokens != null) req.maxTokens = maxTokens;
  if (b.temperature != null) req.temperature = b.temperature;
  if (b.top_p != null) req.topP = b.top_p;
  if (b.stop != null) req.stop = typeof b.stop === "string" ? [b.stop] : b.stop;
  if (b.tools?.length) {
    req.tools = b.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
    }));
  }
  if (b.tool_choice != null) req.toolChoice = typeof b.tool_choice === "string" ? b.tool_choice : { name: b.tool_choice.function.name };
  if (b.response_format != null) {
    const f = b.response_format;
    req.responseFormat =
      f.type === "json_schema"
        ? { type: "json_schema", name: f.json_schema.name, schema: f.json_schema.schema ?? {}, ...(f.json_schema.strict != null ? { strict: f.json_schema.strict } : {}) }
        : { type: f.type };
  }
  if (b.user != null) req.user = b.user;
  const tags = [...(b.tags ?? []), ...(headerTags ? headerTags.split(",").map((t) => t.trim()).filter(Boolean) : [])];
  if (tags.length) req.tags = tags;
  return { req, stream: b.stream === true, includeUsage: b.stream_options?.include_usage === true };
}
