/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type ApiKeyInput = {
  allowedModels?: Array<string> | null | undefined;
  name: string;
  /** Default MEMBER. */
  role?: KeyRole | null | undefined;
  teamId?: string | null | undefined;
  /** Owner user; default: the caller. */
  userId?: string | null | undefined;
};

export type AttemptOutcome =
  | 'CANCELLED'
  | 'ERROR'
  | 'OK';

/** At the limit: refuse requests (BLOCK) or only raise alerts (ALERT_ONLY). */
export type BudgetAction =
  | 'ALERT_ONLY'
  | 'BLOCK';

export type BudgetAlertKind =
  | 'BLOCKED'
  | 'SPIKE'
  | 'THRESHOLD';

/** Creates or replaces the budget of (scope, subject, period); spending so far is kept. */
export type BudgetInput = {
  /** Default BLOCK. */
  action?: BudgetAction | null | undefined;
  /** Default [0.5, 0.8, 1.0]. */
  alertThresholds?: Array<number> | null | undefined;
  /** USD, 0 to 1e9. */
  limitUsd: number;
  period: BudgetPeriod;
  scope: BudgetScope;
  /** Spike rule multiple (> 1); set with spikeWindowMinutes. */
  spikeMultiplier?: number | null | undefined;
  /** Spike rule window, 1-1440 minutes. */
  spikeWindowMinutes?: number | null | undefined;
  /** Required except for GLOBAL. */
  subject?: string | null | undefined;
  /** IANA name; default UTC. */
  timeZone?: string | null | undefined;
  /** http(s) URL that receives this budget's alerts as JSON POSTs (retried). */
  webhookUrl?: string | null | undefined;
};

/** DAY and MONTH restart at local midnight in the budget's time zone; TOTAL never resets. */
export type BudgetPeriod =
  | 'DAY'
  | 'MONTH'
  | 'TOTAL';

/** What a budget or rate limit applies to; `subject` names the key, user, team, model or tag. */
export type BudgetScope =
  | 'GLOBAL'
  | 'KEY'
  | 'MODEL'
  | 'TAG'
  | 'TEAM'
  | 'USER';

export type CircuitState =
  | 'CLOSED'
  | 'HALF_OPEN'
  | 'OPEN';

export type CompletionInput = {
  maxTokens?: number | null | undefined;
  messages: Array<MessageInput>;
  /** Catalogue id ("openai/gpt-4o-mini") or alias ("fast"). */
  model: string;
  responseFormat?: ResponseFormatInput | null | undefined;
  stop?: Array<string> | null | undefined;
  tags?: Array<string> | null | undefined;
  temperature?: number | null | undefined;
  /** auto | none | required | a tool name */
  toolChoice?: string | null | undefined;
  tools?: Array<ToolInput> | null | undefined;
  topP?: number | null | undefined;
  /** End-user id the caller acts for. */
  user?: string | null | undefined;
};

export type FinishReason =
  | 'CONTENT_FILTER'
  | 'ERROR'
  | 'LENGTH'
  | 'STOP'
  | 'TOOL_CALLS';

/** An image in a user message: an http(s) URL or a data: URL. */
export type ImageInput = {
  /** auto | low | high (OpenAI-family) */
  detail?: string | null | undefined;
  url: string;
};

export type KeyRole =
  | 'ADMIN'
  | 'MEMBER';

export type MessageInput = {
  content: string;
  /** Images attached to a USER message. */
  images?: Array<ImageInput> | null | undefined;
  role: Role;
  /** On TOOL messages: the id of the call this answers. */
  toolCallId?: string | null | undefined;
  /** Tool calls an ASSISTANT message made. */
  toolCalls?: Array<ToolCallInput> | null | undefined;
};

export type ModelInput = {
  cachedInputPricePerMTok?: number | null | undefined;
  capabilities?: Array<string> | null | undefined;
  contextWindow?: number | null | undefined;
  displayName?: string | null | undefined;
  enabled?: boolean | null | undefined;
  /** "provider/model"; the provider must be configured */
  id: string | number;
  inputPricePerMTok?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
  outputPricePerMTok?: number | null | undefined;
};

/** SECRET: API keys, tokens, private keys, passwords in clear. */
export type PiiType =
  | 'ADDRESS'
  | 'CREDIT_CARD'
  | 'DATE_OF_BIRTH'
  | 'EMAIL'
  | 'IBAN'
  | 'IP_ADDRESS'
  | 'PERSON'
  | 'PHONE'
  | 'SECRET'
  | 'US_SSN';

/** Creates or replaces the rate limit of (scope, subject). */
export type RateLimitInput = {
  requestsPerMinute?: number | null | undefined;
  scope: BudgetScope;
  subject?: string | null | undefined;
  tokensPerMinute?: number | null | undefined;
};

export type RequestFilter = {
  /** Error codes, e.g. RATE_LIMITED, UPSTREAM_ERROR. */
  errorCodes?: Array<string> | null | undefined;
  /** Inclusive. */
  from?: string | null | undefined;
  keys?: Array<string> | null | undefined;
  minCostUsd?: number | null | undefined;
  minLatencyMs?: number | null | undefined;
  /** Served or requested model. */
  models?: Array<string> | null | undefined;
  providers?: Array<string> | null | undefined;
  statuses?: Array<RequestStatus> | null | undefined;
  /** Requests carrying any of these tags. */
  tags?: Array<string> | null | undefined;
  teams?: Array<string> | null | undefined;
  /** Exclusive. */
  to?: string | null | undefined;
  users?: Array<string> | null | undefined;
};

/** What the prompt is about, by a fast deterministic classifier. */
export type RequestKind =
  | 'CODE'
  | 'TEXT';

export type RequestStatus =
  | 'CANCELLED'
  | 'ERROR'
  | 'OK';

export type ResponseFormatInput = {
  name?: string | null | undefined;
  schema?: Record<string, unknown> | null | undefined;
  strict?: boolean | null | undefined;
  type: ResponseFormatType;
};

export type ResponseFormatType =
  | 'JSON_OBJECT'
  | 'JSON_SCHEMA'
  | 'TEXT';

export type Role =
  | 'ASSISTANT'
  | 'SYSTEM'
  | 'TOOL'
  | 'USER';

export type RouteStrategy =
  /** In the order given; the next one when a target fails. */
  | 'FALLBACK'
  /** Cheapest for this request's size (catalogue prices) first. */
  | 'LEAST_COST'
  /** Lowest recent time to first token first; unmeasured targets first. */
  | 'LEAST_LATENCY'
  /** Random by weight; the others follow as fallbacks in weighted order. */
  | 'WEIGHTED';

export type RouteTargetInput = {
  /** A model id, an alias, or a router name another rule defines. */
  model: string;
  /** For WEIGHTED (default 1). */
  weight?: number | null | undefined;
};

export type RoutingRuleInput = {
  /** Default true. */
  enabled?: boolean | null | undefined;
  /** Omit to create; an existing id replaces that rule. */
  id?: string | number | null | undefined;
  name: string;
  /** Ascending: 1 is tried before 10; ties by creation time. */
  priority: number;
  strategy: RouteStrategy;
  targets: Array<RouteTargetInput>;
  when: RuleConditionInput;
};

/** Every field optional; empty means any. All given fields must hold. */
export type RuleConditionInput = {
  hasImages?: boolean | null | undefined;
  hasTools?: boolean | null | undefined;
  /** API key ids. */
  keys?: Array<string> | null | undefined;
  kinds?: Array<RequestKind> | null | undefined;
  maxPromptTokens?: number | null | undefined;
  /** Estimated prompt tokens (characters / 4), inclusive. */
  minPromptTokens?: number | null | undefined;
  /** Requested model ids, aliases or router names (e.g. "auto"). */
  models?: Array<string> | null | undefined;
  /** Matches when the request carries any of these tags. */
  tagsAny?: Array<string> | null | undefined;
  teams?: Array<string> | null | undefined;
  /** User ids of the calling key's owner. */
  users?: Array<string> | null | undefined;
};

export type ToolCallInput = {
  /** JSON text of the arguments */
  arguments: string;
  id: string;
  name: string;
};

export type ToolInput = {
  description?: string | null | undefined;
  name: string;
  /** JSON Schema of the arguments object */
  parameters?: Record<string, unknown> | null | undefined;
};

/** DAY and HOUR are UTC. */
export type UsageDimension =
  | 'DAY'
  | 'HOUR'
  | 'KEY'
  | 'MODEL'
  | 'PROVIDER'
  | 'TAG'
  | 'TEAM'
  | 'USER';

export type DashboardBudgetFragment = { id: string, scope: BudgetScope, subject: string | null, period: BudgetPeriod, limitUsd: number, spentUsd: number, reservedUsd: number, remainingUsd: number, resetsAt: string | null, alertThresholds: Array<number>, action: BudgetAction, timeZone: string, webhookUrl: string | null, spikeMultiplier: number | null, spikeWindowMinutes: number | null, updatedAt: string };

export type DashboardRateLimitFragment = { id: string, scope: BudgetScope, subject: string | null, requestsPerMinute: number | null, tokensPerMinute: number | null, requestsInWindow: number, tokensInWindow: number };

export type DashboardBudgetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardBudgetsQuery = { budgets: Array<{ id: string, scope: BudgetScope, subject: string | null, period: BudgetPeriod, limitUsd: number, spentUsd: number, reservedUsd: number, remainingUsd: number, resetsAt: string | null, alertThresholds: Array<number>, action: BudgetAction, timeZone: string, webhookUrl: string | null, spikeMultiplier: number | null, spikeWindowMinutes: number | null, updatedAt: string }>, rateLimits: Array<{ id: string, scope: BudgetScope, subject: string | null, requestsPerMinute: number | null, tokensPerMinute: number | null, requestsInWindow: number, tokensInWindow: number }> };

export type DashboardSetBudgetMutationVariables = Exact<{
  input: BudgetInput;
}>;


export type DashboardSetBudgetMutation = { setBudget: { id: string, scope: BudgetScope, subject: string | null, period: BudgetPeriod, limitUsd: number, spentUsd: number, reservedUsd: number, remainingUsd: number, resetsAt: string | null, alertThresholds: Array<number>, action: BudgetAction, timeZone: string, webhookUrl: string | null, spikeMultiplier: number | null, spikeWindowMinutes: number | null, updatedAt: string } };

export type DashboardDeleteBudgetMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteBudgetMutation = { deleteBudget: boolean };

export type DashboardSetRateLimitMutationVariables = Exact<{
  input: RateLimitInput;
}>;


export type DashboardSetRateLimitMutation = { setRateLimit: { id: string, scope: BudgetScope, subject: string | null, requestsPerMinute: number | null, tokensPerMinute: number | null, requestsInWindow: number, tokensInWindow: number } };

export type DashboardDeleteRateLimitMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteRateLimitMutation = { deleteRateLimit: boolean };

export type DashboardBudgetAlertsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardBudgetAlertsSubscription = { budgetAlerts: { id: string, at: string, budgetId: string, kind: BudgetAlertKind, scope: BudgetScope, subject: string | null, period: BudgetPeriod, threshold: number | null, spentUsd: number, limitUsd: number, message: string, requestId: string | null } };

export type DashboardInspectQueryVariables = Exact<{
  text: string;
}>;


export type DashboardInspectQuery = { inspect: { redacted: string, injectionScore: number, injection: boolean, findings: Array<{ type: PiiType, start: number, end: number }> } };

export type DashboardKeysQueryVariables = Exact<{
  includeRevoked?: boolean | null | undefined;
}>;


export type DashboardKeysQuery = { apiKeys: Array<{ id: string, name: string, prefix: string, role: KeyRole, userId: string, teamId: string | null, allowedModels: Array<string> | null, createdAt: string, revokedAt: string | null, lastUsedAt: string | null }> };

export type DashboardCreateKeyMutationVariables = Exact<{
  input: ApiKeyInput;
}>;


export type DashboardCreateKeyMutation = { createApiKey: { secret: string, key: { id: string, name: string, prefix: string, role: KeyRole, userId: string, teamId: string | null, allowedModels: Array<string> | null, createdAt: string, revokedAt: string | null, lastUsedAt: string | null } } };

export type DashboardRevokeKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardRevokeKeyMutation = { revokeApiKey: { id: string, revokedAt: string | null } };

export type DashboardModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardModelsQuery = { models: Array<{ id: string, provider: string, displayName: string | null, contextWindow: number, maxOutputTokens: number, inputPricePerMTok: number, outputPricePerMTok: number, cachedInputPricePerMTok: number | null, capabilities: Array<string>, enabled: boolean, demo: boolean, aliases: Array<string>, unavailableReason: string | null, health: { circuit: CircuitState, available: boolean, reason: string | null, ttftMs: number | null, errorRate: number | null, consecutiveFailures: number, lastError: string | null, lastFailureAt: string | null, openUntil: string | null, cooldownUntil: string | null } }>, aliases: Array<{ name: string, target: string }> };

export type DashboardUpsertModelMutationVariables = Exact<{
  input: ModelInput;
}>;


export type DashboardUpsertModelMutation = { upsertModel: { id: string, inputPricePerMTok: number, outputPricePerMTok: number, cachedInputPricePerMTok: number | null, contextWindow: number, maxOutputTokens: number } };

export type DashboardSetModelEnabledMutationVariables = Exact<{
  id: string | number;
  enabled: boolean;
}>;


export type DashboardSetModelEnabledMutation = { setModelEnabled: { id: string, enabled: boolean } };

export type DashboardSetAliasMutationVariables = Exact<{
  name: string;
  target?: string | null | undefined;
}>;


export type DashboardSetAliasMutation = { setAlias: Array<{ name: string, target: string }> };

export type PlaygroundModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type PlaygroundModelsQuery = { models: Array<{ id: string, displayName: string | null, demo: boolean, inputPricePerMTok: number, outputPricePerMTok: number, health: { available: boolean, reason: string | null } }>, aliases: Array<{ name: string, target: string }> };

export type PlaygroundStreamSubscriptionVariables = Exact<{
  input: CompletionInput;
}>;


export type PlaygroundStreamSubscription = { completionStream:
    | { __typename: 'CompletionDelta', content: string }
    | { __typename: 'CompletionDone', completion: { id: string, model: string, provider: string, requestedModel: string, finishReason: FinishReason, costUsd: number, usage: { inputTokens: number, outputTokens: number, totalTokens: number, cachedInputTokens: number, estimated: boolean }, metrics: { ttftMs: number | null, itlMs: number | null, latencyMs: number, tokensPerSecond: number | null }, attempts: Array<{ model: string, provider: string, outcome: AttemptOutcome, error: string | null, errorCode: string | null, latencyMs: number }>, guardrails: { redactions: number, injectionScore: number | null, findings: Array<{ type: string, count: number }> } } }
   };

export type DashboardRequestRowFragment = { id: string, createdAt: string, status: RequestStatus, requestedModel: string, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, inputTokens: number, outputTokens: number, costUsd: number, ttftMs: number | null, latencyMs: number, errorCode: string | null, stream: boolean, tags: Array<string> };

export type DashboardRequestsQueryVariables = Exact<{
  filter?: RequestFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type DashboardRequestsQuery = { requests: { nodes: Array<{ id: string, createdAt: string, status: RequestStatus, requestedModel: string, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, inputTokens: number, outputTokens: number, costUsd: number, ttftMs: number | null, latencyMs: number, errorCode: string | null, stream: boolean, tags: Array<string> }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type DashboardRequestQueryVariables = Exact<{
  id: string | number;
}>;


export type DashboardRequestQuery = { request: { cachedInputTokens: number, reasoningTokens: number, tokensEstimated: boolean, itlMs: number | null, tokensPerSecond: number | null, finishReason: string | null, error: string | null, transport: string, id: string, createdAt: string, status: RequestStatus, requestedModel: string, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, inputTokens: number, outputTokens: number, costUsd: number, ttftMs: number | null, latencyMs: number, errorCode: string | null, stream: boolean, tags: Array<string>, attempts: Array<{ model: string, provider: string, outcome: AttemptOutcome, error: string | null, errorCode: string | null, latencyMs: number }>, guardrails: { redactions: number, injectionScore: number | null, findings: Array<{ type: string, count: number }> } | null, body: { request: Record<string, unknown>, response: string | null } | null } | null };

export type DashboardLiveRequestsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardLiveRequestsSubscription = { liveRequests: { id: string, createdAt: string, status: RequestStatus, requestedModel: string, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, inputTokens: number, outputTokens: number, costUsd: number, ttftMs: number | null, latencyMs: number, errorCode: string | null, stream: boolean, tags: Array<string> } };

export type DashboardRuleFragment = { id: string, name: string, priority: number, enabled: boolean, strategy: RouteStrategy, createdAt: string, updatedAt: string, targets: Array<{ model: string, weight: number }>, when: { models: Array<string> | null, kinds: Array<RequestKind> | null, tagsAny: Array<string> | null, users: Array<string> | null, teams: Array<string> | null, keys: Array<string> | null, minPromptTokens: number | null, maxPromptTokens: number | null, hasTools: boolean | null, hasImages: boolean | null } };

export type DashboardRoutingRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardRoutingRulesQuery = { routingRules: Array<{ id: string, name: string, priority: number, enabled: boolean, strategy: RouteStrategy, createdAt: string, updatedAt: string, targets: Array<{ model: string, weight: number }>, when: { models: Array<string> | null, kinds: Array<RequestKind> | null, tagsAny: Array<string> | null, users: Array<string> | null, teams: Array<string> | null, keys: Array<string> | null, minPromptTokens: number | null, maxPromptTokens: number | null, hasTools: boolean | null, hasImages: boolean | null } }>, models: Array<{ id: string, enabled: boolean }>, aliases: Array<{ name: string, target: string }> };

export type DashboardUpsertRuleMutationVariables = Exact<{
  input: RoutingRuleInput;
}>;


export type DashboardUpsertRuleMutation = { upsertRoutingRule: { id: string, name: string, priority: number, enabled: boolean, strategy: RouteStrategy, createdAt: string, updatedAt: string, targets: Array<{ model: string, weight: number }>, when: { models: Array<string> | null, kinds: Array<RequestKind> | null, tagsAny: Array<string> | null, users: Array<string> | null, teams: Array<string> | null, keys: Array<string> | null, minPromptTokens: number | null, maxPromptTokens: number | null, hasTools: boolean | null, hasImages: boolean | null } } };

export type DashboardDeleteRuleMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteRuleMutation = { deleteRoutingRule: boolean };

export type DashboardExplainRouteQueryVariables = Exact<{
  input: CompletionInput;
}>;


export type DashboardExplainRouteQuery = { explainRoute: { requestKind: RequestKind, promptTokens: number, error: string | null, errorCode: string | null, rule: { id: string, name: string, priority: number, strategy: RouteStrategy } | null, candidates: Array<{ model: string, provider: string | null, kept: boolean, reason: string | null, circuit: CircuitState | null }> } };

export type SessionQueryVariables = Exact<{ [key: string]: never; }>;


export type SessionQuery = { me: { keyId: string, role: KeyRole, userId: string, teamId: string | null, allowedModels: Array<string> | null } };

export type CapabilitiesQueryVariables = Exact<{ [key: string]: never; }>;


export type CapabilitiesQuery = { queryType: { fields: Array<{ name: string }> | null } | null, mutationType: { fields: Array<{ name: string }> | null } | null, subscriptionType: { fields: Array<{ name: string }> | null } | null };

export type DashboardLatencyFragment = { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null };

export type DashboardUsageBucketFragment = { day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number };

export type DashboardOverviewQueryVariables = Exact<{
  from: string;
  to: string;
  time: UsageDimension;
}>;


export type DashboardOverviewQuery = { total: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number, ttft: { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null }, itl: { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null }, latency: { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null } }>, series: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number, ttft: { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null }, itl: { count: number, meanMs: number | null, p50Ms: number | null, p95Ms: number | null, p99Ms: number | null } }>, byModel: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number }>, byUser: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number }>, byTeam: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number }> };

export type DashboardCostsQueryVariables = Exact<{
  from: string;
  to: string;
  groupBy: Array<UsageDimension> | UsageDimension;
}>;


export type DashboardCostsQuery = { usage: Array<{ day: string | null, hour: string | null, model: string | null, provider: string | null, userId: string | null, teamId: string | null, keyId: string | null, tag: string | null, requests: number, errors: number, cancelled: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, totalTokens: number, costUsd: number, costMicroUsd: number }> };

export const DashboardBudgetFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardBudget"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Budget"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"limitUsd"}},{"kind":"Field","name":{"kind":"Name","value":"spentUsd"}},{"kind":"Field","name":{"kind":"Name","value":"reservedUsd"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUsd"}},{"kind":"Field","name":{"kind":"Name","value":"resetsAt"}},{"kind":"Field","name":{"kind":"Name","value":"alertThresholds"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"webhookUrl"}},{"kind":"Field","name":{"kind":"Name","value":"spikeMultiplier"}},{"kind":"Field","name":{"kind":"Name","value":"spikeWindowMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardBudgetFragment, unknown>;
export const DashboardRateLimitFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRateLimit"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimit"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"requestsPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"tokensPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"requestsInWindow"}},{"kind":"Field","name":{"kind":"Name","value":"tokensInWindow"}}]}}]} as unknown as DocumentNode<DashboardRateLimitFragment, unknown>;
export const DashboardRequestRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRequestRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RequestLogEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"requestedModel"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}}]}}]} as unknown as DocumentNode<DashboardRequestRowFragment, unknown>;
export const DashboardRuleFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRule"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RoutingRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"strategy"}},{"kind":"Field","name":{"kind":"Name","value":"targets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}}]}},{"kind":"Field","name":{"kind":"Name","value":"when"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"}},{"kind":"Field","name":{"kind":"Name","value":"kinds"}},{"kind":"Field","name":{"kind":"Name","value":"tagsAny"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"teams"}},{"kind":"Field","name":{"kind":"Name","value":"keys"}},{"kind":"Field","name":{"kind":"Name","value":"minPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"maxPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"hasTools"}},{"kind":"Field","name":{"kind":"Name","value":"hasImages"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardRuleFragment, unknown>;
export const DashboardLatencyFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardLatency"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LatencySummary"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"meanMs"}},{"kind":"Field","name":{"kind":"Name","value":"p50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"p95Ms"}},{"kind":"Field","name":{"kind":"Name","value":"p99Ms"}}]}}]} as unknown as DocumentNode<DashboardLatencyFragment, unknown>;
export const DashboardUsageBucketFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUsageBucket"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageBucket"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"day"}},{"kind":"Field","name":{"kind":"Name","value":"hour"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"tag"}},{"kind":"Field","name":{"kind":"Name","value":"requests"}},{"kind":"Field","name":{"kind":"Name","value":"errors"}},{"kind":"Field","name":{"kind":"Name","value":"cancelled"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"costMicroUsd"}}]}}]} as unknown as DocumentNode<DashboardUsageBucketFragment, unknown>;
export const DashboardBudgetsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardBudgets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"budgets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardBudget"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rateLimits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRateLimit"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardBudget"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Budget"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"limitUsd"}},{"kind":"Field","name":{"kind":"Name","value":"spentUsd"}},{"kind":"Field","name":{"kind":"Name","value":"reservedUsd"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUsd"}},{"kind":"Field","name":{"kind":"Name","value":"resetsAt"}},{"kind":"Field","name":{"kind":"Name","value":"alertThresholds"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"webhookUrl"}},{"kind":"Field","name":{"kind":"Name","value":"spikeMultiplier"}},{"kind":"Field","name":{"kind":"Name","value":"spikeWindowMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRateLimit"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimit"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"requestsPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"tokensPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"requestsInWindow"}},{"kind":"Field","name":{"kind":"Name","value":"tokensInWindow"}}]}}]} as unknown as DocumentNode<DashboardBudgetsQuery, DashboardBudgetsQueryVariables>;
export const DashboardSetBudgetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardSetBudget"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BudgetInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setBudget"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardBudget"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardBudget"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Budget"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"limitUsd"}},{"kind":"Field","name":{"kind":"Name","value":"spentUsd"}},{"kind":"Field","name":{"kind":"Name","value":"reservedUsd"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUsd"}},{"kind":"Field","name":{"kind":"Name","value":"resetsAt"}},{"kind":"Field","name":{"kind":"Name","value":"alertThresholds"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"timeZone"}},{"kind":"Field","name":{"kind":"Name","value":"webhookUrl"}},{"kind":"Field","name":{"kind":"Name","value":"spikeMultiplier"}},{"kind":"Field","name":{"kind":"Name","value":"spikeWindowMinutes"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardSetBudgetMutation, DashboardSetBudgetMutationVariables>;
export const DashboardDeleteBudgetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteBudget"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteBudget"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DashboardDeleteBudgetMutation, DashboardDeleteBudgetMutationVariables>;
export const DashboardSetRateLimitDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardSetRateLimit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimitInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setRateLimit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRateLimit"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRateLimit"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimit"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"requestsPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"tokensPerMinute"}},{"kind":"Field","name":{"kind":"Name","value":"requestsInWindow"}},{"kind":"Field","name":{"kind":"Name","value":"tokensInWindow"}}]}}]} as unknown as DocumentNode<DashboardSetRateLimitMutation, DashboardSetRateLimitMutationVariables>;
export const DashboardDeleteRateLimitDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteRateLimit"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteRateLimit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DashboardDeleteRateLimitMutation, DashboardDeleteRateLimitMutationVariables>;
export const DashboardBudgetAlertsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DashboardBudgetAlerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"budgetAlerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"budgetId"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"scope"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"threshold"}},{"kind":"Field","name":{"kind":"Name","value":"spentUsd"}},{"kind":"Field","name":{"kind":"Name","value":"limitUsd"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}}]}}]}}]} as unknown as DocumentNode<DashboardBudgetAlertsSubscription, DashboardBudgetAlertsSubscriptionVariables>;
export const DashboardInspectDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardInspect"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"text"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inspect"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"text"},"value":{"kind":"Variable","name":{"kind":"Name","value":"text"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}}]}},{"kind":"Field","name":{"kind":"Name","value":"redacted"}},{"kind":"Field","name":{"kind":"Name","value":"injectionScore"}},{"kind":"Field","name":{"kind":"Name","value":"injection"}}]}}]}}]} as unknown as DocumentNode<DashboardInspectQuery, DashboardInspectQueryVariables>;
export const DashboardKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardKeys"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"includeRevoked"},"value":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"allowedModels"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}}]}}]}}]} as unknown as DocumentNode<DashboardKeysQuery, DashboardKeysQueryVariables>;
export const DashboardCreateKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardCreateKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"key"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"allowedModels"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardCreateKeyMutation, DashboardCreateKeyMutationVariables>;
export const DashboardRevokeKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardRevokeKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<DashboardRevokeKeyMutation, DashboardRevokeKeyMutationVariables>;
export const DashboardModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardModels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"contextWindow"}},{"kind":"Field","name":{"kind":"Name","value":"maxOutputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"inputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"outputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"capabilities"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"demo"}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}},{"kind":"Field","name":{"kind":"Name","value":"unavailableReason"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"circuit"}},{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"errorRate"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"lastFailureAt"}},{"kind":"Field","name":{"kind":"Name","value":"openUntil"}},{"kind":"Field","name":{"kind":"Name","value":"cooldownUntil"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}}]}}]}}]} as unknown as DocumentNode<DashboardModelsQuery, DashboardModelsQueryVariables>;
export const DashboardUpsertModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardUpsertModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upsertModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"inputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"outputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"contextWindow"}},{"kind":"Field","name":{"kind":"Name","value":"maxOutputTokens"}}]}}]}}]} as unknown as DocumentNode<DashboardUpsertModelMutation, DashboardUpsertModelMutationVariables>;
export const DashboardSetModelEnabledDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardSetModelEnabled"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"enabled"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setModelEnabled"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"enabled"},"value":{"kind":"Variable","name":{"kind":"Name","value":"enabled"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}}]}}]} as unknown as DocumentNode<DashboardSetModelEnabledMutation, DashboardSetModelEnabledMutationVariables>;
export const DashboardSetAliasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardSetAlias"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"target"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setAlias"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"target"},"value":{"kind":"Variable","name":{"kind":"Name","value":"target"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}}]}}]}}]} as unknown as DocumentNode<DashboardSetAliasMutation, DashboardSetAliasMutationVariables>;
export const PlaygroundModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PlaygroundModels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"enabledOnly"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"demo"}},{"kind":"Field","name":{"kind":"Name","value":"inputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"outputPricePerMTok"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"available"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}}]}}]}}]} as unknown as DocumentNode<PlaygroundModelsQuery, PlaygroundModelsQueryVariables>;
export const PlaygroundStreamDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PlaygroundStream"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"completionStream"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionDelta"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"content"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionDone"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"completion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"requestedModel"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"estimated"}}]}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"itlMs"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"tokensPerSecond"}}]}},{"kind":"Field","name":{"kind":"Name","value":"attempts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}}]}},{"kind":"Field","name":{"kind":"Name","value":"guardrails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"redactions"}},{"kind":"Field","name":{"kind":"Name","value":"injectionScore"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<PlaygroundStreamSubscription, PlaygroundStreamSubscriptionVariables>;
export const DashboardRequestsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRequests"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RequestFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requests"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRequestRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"endCursor"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRequestRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RequestLogEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"requestedModel"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}}]}}]} as unknown as DocumentNode<DashboardRequestsQuery, DashboardRequestsQueryVariables>;
export const DashboardRequestDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRequest"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"request"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRequestRow"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"reasoningTokens"}},{"kind":"Field","name":{"kind":"Name","value":"tokensEstimated"}},{"kind":"Field","name":{"kind":"Name","value":"itlMs"}},{"kind":"Field","name":{"kind":"Name","value":"tokensPerSecond"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"transport"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}}]}},{"kind":"Field","name":{"kind":"Name","value":"guardrails"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"redactions"}},{"kind":"Field","name":{"kind":"Name","value":"injectionScore"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"body"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"request"}},{"kind":"Field","name":{"kind":"Name","value":"response"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRequestRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RequestLogEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"requestedModel"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}}]}}]} as unknown as DocumentNode<DashboardRequestQuery, DashboardRequestQueryVariables>;
export const DashboardLiveRequestsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DashboardLiveRequests"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"liveRequests"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRequestRow"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRequestRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RequestLogEntry"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"requestedModel"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"ttftMs"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}}]}}]} as unknown as DocumentNode<DashboardLiveRequestsSubscription, DashboardLiveRequestsSubscriptionVariables>;
export const DashboardRoutingRulesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRoutingRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"routingRules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRule"}}]}},{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"target"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRule"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RoutingRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"strategy"}},{"kind":"Field","name":{"kind":"Name","value":"targets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}}]}},{"kind":"Field","name":{"kind":"Name","value":"when"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"}},{"kind":"Field","name":{"kind":"Name","value":"kinds"}},{"kind":"Field","name":{"kind":"Name","value":"tagsAny"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"teams"}},{"kind":"Field","name":{"kind":"Name","value":"keys"}},{"kind":"Field","name":{"kind":"Name","value":"minPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"maxPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"hasTools"}},{"kind":"Field","name":{"kind":"Name","value":"hasImages"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardRoutingRulesQuery, DashboardRoutingRulesQueryVariables>;
export const DashboardUpsertRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardUpsertRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RoutingRuleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upsertRoutingRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRule"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRule"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RoutingRule"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"strategy"}},{"kind":"Field","name":{"kind":"Name","value":"targets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}}]}},{"kind":"Field","name":{"kind":"Name","value":"when"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"}},{"kind":"Field","name":{"kind":"Name","value":"kinds"}},{"kind":"Field","name":{"kind":"Name","value":"tagsAny"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"teams"}},{"kind":"Field","name":{"kind":"Name","value":"keys"}},{"kind":"Field","name":{"kind":"Name","value":"minPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"maxPromptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"hasTools"}},{"kind":"Field","name":{"kind":"Name","value":"hasImages"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardUpsertRuleMutation, DashboardUpsertRuleMutationVariables>;
export const DashboardDeleteRuleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteRule"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteRoutingRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DashboardDeleteRuleMutation, DashboardDeleteRuleMutationVariables>;
export const DashboardExplainRouteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardExplainRoute"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompletionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"explainRoute"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestKind"}},{"kind":"Field","name":{"kind":"Name","value":"promptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}},{"kind":"Field","name":{"kind":"Name","value":"rule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"strategy"}}]}},{"kind":"Field","name":{"kind":"Name","value":"candidates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"kept"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"circuit"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardExplainRouteQuery, DashboardExplainRouteQueryVariables>;
export const SessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Session"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"allowedModels"}}]}}]}}]} as unknown as DocumentNode<SessionQuery, SessionQueryVariables>;
export const CapabilitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Capabilities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"queryType"},"name":{"kind":"Name","value":"__type"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"StringValue","value":"Query","block":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"mutationType"},"name":{"kind":"Name","value":"__type"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"StringValue","value":"Mutation","block":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"subscriptionType"},"name":{"kind":"Name","value":"__type"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"StringValue","value":"Subscription","block":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<CapabilitiesQuery, CapabilitiesQueryVariables>;
export const DashboardOverviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardOverview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"time"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UsageDimension"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"total"},"name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}},{"kind":"Field","name":{"kind":"Name","value":"ttft"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardLatency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"itl"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardLatency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"latency"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardLatency"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"series"},"name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"Variable","name":{"kind":"Name","value":"time"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}},{"kind":"Field","name":{"kind":"Name","value":"ttft"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardLatency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"itl"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardLatency"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"byModel"},"name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"MODEL"}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"byUser"},"name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"USER"}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"byTeam"},"name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"TEAM"}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUsageBucket"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageBucket"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"day"}},{"kind":"Field","name":{"kind":"Name","value":"hour"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"tag"}},{"kind":"Field","name":{"kind":"Name","value":"requests"}},{"kind":"Field","name":{"kind":"Name","value":"errors"}},{"kind":"Field","name":{"kind":"Name","value":"cancelled"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"costMicroUsd"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardLatency"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LatencySummary"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"meanMs"}},{"kind":"Field","name":{"kind":"Name","value":"p50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"p95Ms"}},{"kind":"Field","name":{"kind":"Name","value":"p99Ms"}}]}}]} as unknown as DocumentNode<DashboardOverviewQuery, DashboardOverviewQueryVariables>;
export const DashboardCostsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCosts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"groupBy"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UsageDimension"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"groupBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUsageBucket"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUsageBucket"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UsageBucket"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"day"}},{"kind":"Field","name":{"kind":"Name","value":"hour"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"teamId"}},{"kind":"Field","name":{"kind":"Name","value":"keyId"}},{"kind":"Field","name":{"kind":"Name","value":"tag"}},{"kind":"Field","name":{"kind":"Name","value":"requests"}},{"kind":"Field","name":{"kind":"Name","value":"errors"}},{"kind":"Field","name":{"kind":"Name","value":"cancelled"}},{"kind":"Field","name":{"kind":"Name","value":"inputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"outputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"cachedInputTokens"}},{"kind":"Field","name":{"kind":"Name","value":"totalTokens"}},{"kind":"Field","name":{"kind":"Name","value":"costUsd"}},{"kind":"Field","name":{"kind":"Name","value":"costMicroUsd"}}]}}]} as unknown as DocumentNode<DashboardCostsQuery, DashboardCostsQueryVariables>;