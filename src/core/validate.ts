import { ChatRequest } from "../domain/chat.js";
import { ErrorCode, GatewayError, badInput } from "../domain/errors.js";
import type { Principal } from "./auth/keys.js";
import type { Resolved } from "./catalogue/index.js";

export interface Limits {
  maxMessages: number;
}

/** Parses a raw request. Never clamps: anything out of range is an error naming the field. */
export function parseRequest(raw: unknown, limits: Limits): ChatRequest {
  const parsed = ChatRequest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    throw badInput(`${where}${first?.message ?? "invalid request"}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const req = parsed.data;
  if (req.messages.length > limits.maxMessages) throw badInput(`too many messages: ${req.messages.length} > ${limits.maxMessages}`);
  return req;
}

export const hasImages = (req: ChatRequest): boolean =>
  req.messages.some((m) => typeof m.content !== "string" && m.content.some((p) => p.type === "image"));

/**
 * Whether this target can serve this request for this caller; the error says why not.
 * Routing uses it to skip candidates (and explain why); a directly requested model throws it.
 */
export function candidateProblem(req: ChatRequest, r: Resolved, principal: Principal): GatewayError | null {
  const { model, adapter, target } = r;
  if (principal.allowedModels && !principal.allowedModels.includes(model.id)) {
    return new GatewayError(ErrorCode.FORBIDDEN, `this API key may not use model "${model.id}"`);
  }
  if (req.maxTokens !== undefined && req.maxTokens > model.maxOutputTokens) {
    return badInput(`maxTokens ${req.maxTokens} exceeds the ${model.maxOutputTokens}-token output cap of "${model.id}"`, {
      maxOutputTokens: model.maxOutputTokens,
    });
  }
  if (req.tools?.length && !model.capabilities.includes("tools")) return badInput(`model "${model.id}" does not support tools`);
  if (hasImages(req) && !model.capabilities.includes("vision")) return badInput(`model "${model.id}" does not accept images`);
  const unsupported = adapter.unsupported(req, target);
  return unsupported ? badInput(`${model.id}: ${unsupported}`) : null;
}
