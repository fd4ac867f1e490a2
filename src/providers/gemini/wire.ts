import { z } from "zod";

/**
 * Google Gemini API (v1beta `generateContent` / `streamGenerateContent`) wire format, the subset we
 * write and read. Responses are parsed leniently (unknown fields pass through); requests are typed
 * exactly, because Gemini parses them as protobuf JSON and rejects any field it does not know.
 */

// ---- request (what we send) ----

export type WirePart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface WireContent {
  role: "user" | "model";
  parts: WirePart[];
}

export interface WireFunctionDeclaration {
  name: string;
  description?: string;
  /** JSON Schema as-is; the OpenAPI-subset `parameters` field rejects common keywords (see map.ts). */
  parametersJsonSchema?: Record<string, unknown>;
}

export type MediaResolution = "MEDIA_RESOLUTION_LOW" | "MEDIA_RESOLUTION_HIGH";

export interface WireGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  responseMimeType?: "application/json";
  responseJsonSchema?: Record<string, unknown>;
  mediaResolution?: MediaResolution;
}

export interface GenerateContentRequest {
  contents: WireContent[];
  systemInstruction?: { parts: { text: string }[] };
  generationConfig?: WireGenerationConfig;
  tools?: { functionDeclarations: WireFunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
}

// ---- response (what we read) ----

const Part = z.object({
  text: z.string().nullish(),
  /** Thought summaries (only with `includeThoughts`) are reasoning, not answer text. */
  thought: z.boolean().nullish(),
  functionCall: z
    .object({
      /** The Gemini API leaves it unset; Vertex and the Live API fill it. */
      id: z.string().nullish(),
      name: z.string().default(""),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});
export type Part = z.infer<typeof Part>;

export const UsageMetadata = z.object({
  promptTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
});
export type UsageMetadata = z.infer<typeof UsageMetadata>;

const Candidate = z.object({
  // Absent when the candidate was blocked (SAFETY) and sometimes on MAX_TOKENS with thinking models.
  content: z.object({ parts: z.array(Part).nullish(), role: z.string().nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().nullish(),
});

export const GenerateContentResponse = z.object({
  candidates: z.array(Candidate).nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: UsageMetadata.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
export type GenerateContentResponse = z.infer<typeof GenerateContentResponse>;

/** Google's standard error envelope (google.rpc.Status), used for HTTP errors and in-stream errors alike. */
export const GoogleError = z.object({
  code: z.number().nullish(),
  message: z.string().nullish(),
  status: z.string().nullish(),
  details: z.array(z.record(z.string(), z.unknown())).nullish(),
});
export type GoogleError = z.infer<typeof GoogleError>;

export const ErrorBody = z.object({ error: GoogleError });

export const StreamChunk = GenerateContentResponse.extend({ error: GoogleError.nullish() });
