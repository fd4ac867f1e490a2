import type { Completion as CoreCompletion } from "../../core/gateway.js";
import type { Catalogue, CatalogueModel } from "../../core/catalogue/index.js";
import type { ApiKeyRow } from "../../core/auth/keys.js";
import { microsToUsd } from "../../domain/money.js";
import type { Completion, CompletionInput } from "./types/completion.js";
import type { ApiKey, KeyRole } from "./types/keys.js";
import type { Model } from "./types/catalogue.js";
import { AttemptOutcome, FinishReason } from "./types/completion.js";

/**
 * GraphQL input → the core's raw request shape. No checks here: the core validates
 * (zod) so GraphQL and REST refuse the same things with the same messages.
 */
export function toChatRequest(input: CompletionInput): Record<string, unknown> {
  const req: Record<string, unknown> = {
    model: input.model,
    messages: input.messages.map((m) => {
      const msg: Record<string, unknown> = {
        role: m.role,
        content: m.images?.length
          ? [
              ...(m.content ? [{ type: "text", text: m.content }] : []),
              ...m.images.map((i) => ({ type: "image", url: i.url, ...(i.detail ? { detail: i.detail } : {}) })),
            ]
          : m.content,
      };
      if (m.toolCalls?.length) msg.toolCalls = m.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
      if (m.toolCallId != null) msg.toolCallId = m.toolCallId;
      return msg;
    }),
  };
  if (input.maxTokens != null) req.maxTokens = input.maxTokens;
  if (input.temperature != null) req.temperature = input.temperature;
  if (input.topP != null) req.topP = input.topP;
  if (input.stop != null) req.stop = input.stop;
  if (input.tags != null) req.tags = input.tags;
  if (input.user != null) req.user = input.user;
  if (input.tools != null) {
    req.tools = input.tools.map((t) => ({
      name: t.name,
      ...(t.description != null ? { description: t.description } : {}),
      ...(t.parameters != null ? { parameters: t.parameters } : {}),
    }));
  }
  if (input.toolChoice != null) {
    req.toolChoice = ["auto", "none", "required"].includes(input.toolChoice) ? input.toolChoice : { name: input.toolChoice };
  }
  if (input.responseFormat != null) {
    const f = input.responseFormat;
    req.responseFormat = {
      type: f.type,
      ...(f.name != null ? { name: f.name } : {}),
      ...(f.schema != null ? { schema: f.schema } : {}),
      ...(f.strict != null ? { strict: f.strict } : {}),
    };
  }
  return req;
}

export function toGqlCompletion(c: CoreCompletion): Completion {
  return {
    id: c.id,
    createdAt: c.createdAt,
    model: c.model,
    requestedModel: c.requestedModel,
    provider: c.provider,
    content: c.content,
    toolCalls: c.toolCalls,
    finishReason: FinishReason[c.finishReason],
    usage: c.usage,
    costUsd: microsToUsd(c.costMicroUsd),
    metrics: c.metrics,
    attempts: c.attempts.map((a) => ({ ...a, outcome: a.outcome as AttemptOutcome })),
    guardrails: { ...c.guardrails, findings: Object.entries(c.guardrails.findings).map(([type, count]) => ({ type, count })) },
  };
}

export function toGqlKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role as KeyRole,
    userId: r.userId,
    teamId: r.teamId,
    allowedModels: r.allowedModels,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
  };
}

export function toGqlModel(m: CatalogueModel, aliases: string[], available: { ok: boolean; reason: string | null }): Model {
  return {
    id: m.id,
    provider: m.provider,
    displayName: m.displayName,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    inputPricePerMTok: microsToUsd(m.prices.inputMicrosPerMTok),
    outputPricePerMTok: microsToUsd(m.prices.outputMicrosPerMTok),
    cachedInputPricePerMTok: m.prices.cachedInputMicrosPerMTok == null ? null : microsToUsd(m.prices.cachedInputMicrosPerMTok),
    capabilities: [...m.capabilities],
    enabled: m.enabled,
    demo: m.demo,
    aliases,
    health: { circuit: "CLOSED" as Model["health"]["circuit"], available: available.ok, reason: available.reason },
    updatedAt: m.updatedAt,
  };
}

/** A catalogue model as the API shows it, with its aliases and whether it can be called now. */
export function presentModel(cat: Catalogue, m: CatalogueModel): Model {
  const aliases = cat
    .aliases()
    .filter((a) => a.target === m.id)
    .map((a) => a.name);
  const reason = cat.unavailableReason(m.id);
  return toGqlModel(m, aliases, { ok: reason === null, reason });
}
