import { messageText } from "../../domain/chat.js";
import type { ChatMessage, ChatRequest, FinishReason, ToolCall, ToolDef, Usage } from "../../domain/chat.js";
import type { ProviderTarget } from "../contract.js";
import type {
  GenerateContentRequest,
  MediaResolution,
  Part,
  UsageMetadata,
  WireContent,
  WireFunctionDeclaration,
  WireGenerationConfig,
  WirePart,
} from "./wire.js";

/**
 * Gemini 3 rejects a replayed functionCall part without the `thoughtSignature` it was issued with
 * (400 "missing a thought_signature"). Our ToolCall has nowhere to keep the real one, so we send the
 * sentinel Google documents for history that did not come from this model (only Gemini 3 validates).
 */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

/** Thrown inside the mapping so one check serves both `unsupported()` and `buildRequest()`. */
class Unsupported extends Error {}

export type BuiltBody = { ok: true; body: GenerateContentRequest } | { ok: false; reason: string };

export function buildBody(req: ChatRequest, target: ProviderTarget): BuiltBody {
  try {
    return { ok: true, body: build(req, target) };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, reason: e.message };
    throw e;
  }
}

function build(req: ChatRequest, target: ProviderTarget): GenerateContentRequest {
  const system: { text: string }[] = [];
  const contents: WireContent[] = [];
  // Later assistant turns may reuse an id (ours restart at call_0 every response), so the latest wins.
  const callNames = new Map<string, string>();
  const push = (role: WireContent["role"], parts: WirePart[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  for (const m of req.messages) {
    switch (m.role) {
      case "system": {
        // Gemini has a single systemInstruction: system messages from anywhere are gathered there, in order.
        if (hasImage(m)) throw new Unsupported("system messages can only carry text on Gemini");
        const text = messageText(m);
        if (text) system.push({ text });
        break;
      }
      case "user":
        push("user", contentParts(m, target));
        break;
      case "assistant": {
        const parts = contentParts(m, target);
        (m.toolCalls ?? []).forEach((c, i) => {
          callNames.set(c.id, c.name);
          parts.push({ functionCall: { name: c.name, args: callArgs(c) }, ...(i === 0 ? { thoughtSignature: SKIP_THOUGHT_SIGNATURE } : {}) });
        });
        push("model", parts);
        break;
      }
      case "tool": {
        if (hasImage(m)) throw new Unsupported("tool results can only carry text on Gemini");
        const name = (m.toolCallId === undefined ? undefined : callNames.get(m.toolCallId)) ?? m.name;
        if (!name) {
          const which = m.toolCallId === undefined ? "a tool message" : `tool message "${m.toolCallId}"`;
          throw new Unsupported(`${which} answers no earlier assistant tool call; Gemini needs the function's name`);
        }
        push("user", [{ functionResponse: { name, response: toolResponse(messageText(m)) } }]);
        break;
      }
    }
  }
  if (contents.length === 0) throw new Unsupported("Gemini needs at least one non-empty user or assistant message");

  const body: GenerateContentRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const config = generationConfig(req);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (req.tools?.length) body.tools = [{ functionDeclarations: req.tools.map(declaration) }];
  const choice = req.toolChoice;
  if (choice !== undefined) {
    body.toolConfig = {
      functionCallingConfig:
        typeof choice === "string"
          ? { mode: choice === "auto" ? "AUTO" : choice === "none" ? "NONE" : "ANY" }
          : { mode: "ANY", allowedFunctionNames: [choice.name] },
    };
  }
  return body;
}

function generationConfig(req: ChatRequest): WireGenerationConfig {
  const c: WireGenerationConfig = {};
  if (req.maxTokens !== undefined) c.maxOutputTokens = req.maxTokens;
  if (req.temperature !== undefined) c.temperature = req.temperature;
  if (req.topP !== undefined) c.topP = req.topP;
  if (req.stop?.length) c.stopSequences = req.stop;
  const f = req.responseFormat;
  if (f?.type === "json_object") c.responseMimeType = "application/json";
  if (f?.type === "json_schema") {
    c.responseMimeType = "application/json";
    c.responseJsonSchema = f.schema;
  }
  const resolution = mediaResolution(req.messages);
  if (resolution) c.mediaResolution = resolution;
  return c;
}

/**
 * `parametersJsonSchema` takes our JSON Schema as-is; the older `parameters` field is an OpenAPI
 * subset whose protobuf parser rejects `additionalProperties`, `const`, `propertyNames`… which
 * OpenAI-style strict tools carry. A schema that declares no arguments is left out altogether.
 */
function declaration(t: ToolDef): WireFunctionDeclaration {
  return {
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    ...(declaresArguments(t.parameters) ? { parametersJsonSchema: t.parameters } : {}),
  };
}

const TRIVIAL_OBJECT_KEYS = new Set(["type", "properties", "required", "additionalProperties", "$schema"]);

function declaresArguments(schema: Record<string, unknown>): boolean {
  if (schema["type"] !== "object" || Object.keys(schema).some((k) => !TRIVIAL_OBJECT_KEYS.has(k))) return true;
  const props = schema["properties"];
  const hasProps = isPlainObject(props) && Object.keys(props).length > 0;
  // additionalProperties: true (or a schema) means a free-form object, which is an argument shape.
  return hasProps || (schema["additionalProperties"] !== undefined && schema["additionalProperties"] !== false);
}

function hasImage(m: ChatMessage): boolean {
  return typeof m.content !== "string" && m.content.some((p) => p.type === "image");
}

/** Gemini rejects empty text parts, so they are dropped (an empty message then disappears). */
function contentParts(m: ChatMessage, target: ProviderTarget): WirePart[] {
  if (typeof m.content === "string") return m.content ? [{ text: m.content }] : [];
  const parts: WirePart[] = [];
  for (const p of m.content) {
    if (p.type === "text") {
      if (p.text) parts.push({ text: p.text });
    } else parts.push(imagePart(p.url, target));
  }
  return parts;
}

function imagePart(url: string, target: ProviderTarget): WirePart {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const meta = url.slice(5, comma < 0 ? undefined : comma).split(";");
    const mimeType = meta[0]?.trim().toLowerCase() ?? "";
    if (comma < 0 || meta.at(-1) !== "base64" || !mimeType) {
      throw new Unsupported("image data: URLs must be base64 with a MIME type (data:image/png;base64,…) for Gemini");
    }
    return { inlineData: { mimeType, data: url.slice(comma + 1) } };
  }
  if (isFilesApiUri(url, target)) return { fileData: { fileUri: url } };
  throw new Unsupported("Gemini cannot fetch image URLs; send the image inline as a data: URL (or a Gemini Files API URI)");
}

/** fileData only resolves files uploaded through Gemini's own Files API; it does not fetch arbitrary URLs. */
function isFilesApiUri(url: string, target: ProviderTarget): boolean {
  const base = target.baseUrl.replace(/\/+$/, "");
  return url.startsWith(`${base}/files/`) || /^https:\/\/generativelanguage\.googleapis\.com\/v1[a-z0-9]*\/files\/[^/?#]+$/.test(url);
}

function mediaResolution(messages: ChatMessage[]): MediaResolution | undefined {
  const wanted = new Set<"low" | "high">();
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const p of m.content) if (p.type === "image" && p.detail && p.detail !== "auto") wanted.add(p.detail);
  }
  if (wanted.size > 1) throw new Unsupported("images ask for both low and high detail; Gemini sets one media resolution per request");
  if (wanted.has("low")) return "MEDIA_RESOLUTION_LOW";
  if (wanted.has("high")) return "MEDIA_RESOLUTION_HIGH";
  return undefined;
}

function callArgs(c: ToolCall): Record<string, unknown> {
  // Some models emit "" for a call without arguments; that is an empty object, not an error.
  if (c.arguments.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.arguments);
  } catch {
    parsed = undefined;
  }
  if (!isPlainObject(parsed)) throw new Unsupported(`tool call "${c.id}" has arguments that are not a JSON object, which Gemini requires`);
  return parsed;
}

function toolResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return parsed;
  } catch {
    // plain text result
  }
  return { result: text };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- responses ----

const FINISH: Record<string, FinishReason> = {
  MAX_TOKENS: "LENGTH",
  SAFETY: "CONTENT_FILTER",
  RECITATION: "CONTENT_FILTER",
  BLOCKLIST: "CONTENT_FILTER",
  PROHIBITED_CONTENT: "CONTENT_FILTER",
  SPII: "CONTENT_FILTER",
  IMAGE_SAFETY: "CONTENT_FILTER",
  IMAGE_PROHIBITED_CONTENT: "CONTENT_FILTER",
  IMAGE_RECITATION: "CONTENT_FILTER",
};

/** Gemini says STOP for a function call too; every reason not listed is an abnormal end. */
export function mapFinish(raw: string, calledTools: boolean): FinishReason {
  if (raw === "STOP") return calledTools ? "TOOL_CALLS" : "STOP";
  return FINISH[raw] ?? "ERROR";
}

export function mapUsage(u: UsageMetadata): Partial<Usage> {
  const out: Partial<Usage> = {};
  if (u.promptTokenCount != null) out.inputTokens = u.promptTokenCount;
  if (u.cachedContentTokenCount != null) out.cachedInputTokens = u.cachedContentTokenCount;
  // Thoughts are billed as output but not included in candidatesTokenCount.
  if (u.candidatesTokenCount != null || u.thoughtsTokenCount != null) {
    out.outputTokens = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  }
  if (u.thoughtsTokenCount != null) out.reasoningTokens = u.thoughtsTokenCount;
  return out;
}

/**
 * Answer text and tool calls of one candidate's parts. Gemini gives calls no id, so they get
 * `call_<n>`, numbered from `firstCall` (a stream numbers calls across chunks).
 */
export function readParts(parts: readonly Part[], firstCall = 0): { text: string; calls: ToolCall[] } {
  let text = "";
  const calls: ToolCall[] = [];
  for (const p of parts) {
    if (p.text && !p.thought) text += p.text;
    const fc = p.functionCall;
    if (fc) calls.push({ id: fc.id ?? `call_${firstCall + calls.length}`, name: fc.name, arguments: JSON.stringify(fc.args ?? {}) });
  }
  return { text, calls };
}
