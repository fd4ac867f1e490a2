import { ChatRequest } from "../domain/chat.js";
import { ErrorCode, GatewayError, badInput } from "../domain/errors.js";
import type { Principal } from "./auth/keys.js";
import type { Catalogue, Resolved } from "./catalogue/index.js";

export interface Limits {
  maxMessages: number;
}

/** Parses and checks a request against the catalogue and the caller's key. Never clamps: out of range is an error. */
export function validateRequest(raw: unknown, principal: Principal, catalogue: Catalogue, limits: Limits): { req: ChatRequest; resolved: Resolved } {
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
  const resolved = catalogue.resolve(req.model);
  const { model, adapter, target } = resolved;
  if (principal.allowedModels && !principal.allowedModels.includes(model.id)) {
    throw new GatewayError(ErrorCode.FORBIDDEN, `this API key may not use model "${model.id}"`);
  }
  if (req.maxTokens !== undefined && req.maxTokens > model.maxOutputTokens) {
    throw badInput(`maxTokens ${req.maxTokens} exceeds the ${model.maxOutputTokens}-token output cap of "${model.id}"`, {
      maxOutputTokens: model.maxOutputTokens,
    });
  }
  if (req.tools?.length && !model.capabilities.includes("tools")) throw badInput(`model "${model.id}" does not support tools`);
  if (req.messages.some((m) => typeof m.content !== "string" && m.content.some((p) => p.type === "image")) && !model.capabilities.includes("vision")) {
    throw badInput(`model "${model.id}" does not accept images`);
  }
  const unsupported = adapter.unsupported(req, target);
  if (unsupported) throw badInput(`${model.id}: ${unsupported}`);
  return { req, resolved };
}
