import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Attempt } from "./completion.js";
import { DateTimeScalar, JSONObjectScalar } from "./scalars.js";

export enum UsageDimension {
  MODEL = "MODEL",
  PROVIDER = "PROVIDER",
  USER = "USER",
  TEAM = "TEAM",
  KEY = "KEY",
  TAG = "TAG",
  DAY = "DAY",
  HOUR = "HOUR",
}
registerEnumType(UsageDimension, { name: "UsageDimension", description: "DAY and HOUR are UTC." });

export enum RequestStatus {
  OK = "ok",
  ERROR = "error",
  CANCELLED = "cancelled",
}
registerEnumType(RequestStatus, { name: "RequestStatus" });

@InputType({ description: "Every field is optional; several values in one field mean any of them. Members are always limited to their own user." })
export class UsageFilter {
  @Field(() => [String], { nullable: true, description: "Catalogue ids (the model that served; the requested name when none did)." })
  models?: string[] | null;

  @Field(() => [String], { nullable: true })
  providers?: string[] | null;

  @Field(() => [String], { nullable: true })
  users?: string[] | null;

  @Field(() => [String], { nullable: true })
  teams?: string[] | null;

  @Field(() => [String], { nullable: true })
  keys?: string[] | null;

  @Field(() => [String], { nullable: true, description: "A request carrying several of these tags counts once per matching tag." })
  tags?: string[] | null;

  @Field(() => [RequestStatus], { nullable: true })
  statuses?: RequestStatus[] | null;
}

@ObjectType({ description: "Latency figures of a bucket. Percentiles come from log-scale histograms (within ~9 %); the mean is exact." })
export class LatencySummary {
  @Field(() => Int, { description: "Requests that have this figure (TTFT and ITL need content deltas)." })
  count!: number;

  @Field(() => Float, { nullable: true })
  meanMs!: number | null;

  @Field(() => Float, { nullable: true })
  p50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p95Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p99Ms!: number | null;
}

@ObjectType({ description: "One group of `usage`. The dimension fields not grouped by are null." })
export class UsageBucket {
  @Field(() => String, { nullable: true })
  model!: string | null;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => String, { nullable: true })
  userId!: string | null;

  @Field(() => String, { nullable: true })
  teamId!: string | null;

  @Field(() => String, { nullable: true })
  keyId!: string | null;

  @Field(() => String, { nullable: true, description: "Null for untagged requests when grouped by TAG." })
  tag!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Start of the UTC day." })
  day!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Start of the UTC hour." })
  hour!: Date | null;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  errors!: number;

  @Field(() => Int)
  cancelled!: number;

  @Field(() => Float)
  inputTokens!: number;

  @Field(() => Float)
  outputTokens!: number;

  @Field(() => Float)
  cachedInputTokens!: number;

  @Field(() => Float)
  reasoningTokens!: number;

  @Field(() => Float)
  totalTokens!: number;

  @Field(() => Float)
  costUsd!: number;

  @Field(() => Float, { description: "Cost in integer micro-dollars (exact)." })
  costMicroUsd!: number;

  @Field(() => LatencySummary, { description: "Time to first token." })
  ttft!: LatencySummary;

  @Field(() => LatencySummary, { description: "Mean gap between content deltas, per request." })
  itl!: LatencySummary;

  @Field(() => LatencySummary, { description: "Whole request." })
  latency!: LatencySummary;
}

@InputType()
export class RequestFilter {
  @Field(() => DateTimeScalar, { nullable: true, description: "Inclusive." })
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Exclusive." })
  to?: Date | null;

  @Field(() => [String], { nullable: true, description: "Served or requested model." })
  models?: string[] | null;

  @Field(() => [String], { nullable: true })
  providers?: string[] | null;

  @Field(() => [String], { nullable: true })
  users?: string[] | null;

  @Field(() => [String], { nullable: true })
  teams?: string[] | null;

  @Field(() => [String], { nullable: true })
  keys?: string[] | null;

  @Field(() => [RequestStatus], { nullable: true })
  statuses?: RequestStatus[] | null;

  @Field(() => [String], { nullable: true, description: "Error codes, e.g. RATE_LIMITED, UPSTREAM_ERROR." })
  errorCodes?: string[] | null;

  @Field(() => [String], { nullable: true, description: "Requests carrying any of these tags." })
  tags?: string[] | null;

  @Field(() => Float, { nullable: true })
  minLatencyMs?: number | null;

  @Field(() => Float, { nullable: true })
  minCostUsd?: number | null;
}

@ObjectType()
export class FindingCount {
  @Field(() => String)
  type!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "What the guardrails did: counts and types, never the values found." })
export class RequestGuardrails {
  @Field(() => Int)
  redactions!: number;

  @Field(() => Float, { nullable: true })
  injectionScore!: number | null;

  @Field(() => [FindingCount])
  findings!: FindingCount[];
}

@ObjectType({ description: "Stored only when body logging is on for the team; always after redaction. Admins and the owning user only." })
export class RequestBody {
  @Field(() => JSONObjectScalar, { description: "The request as sent upstream (after input redaction)." })
  request!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The answer text as the client received it (after output transforms)." })
  response!: string | null;
}

@ObjectType()
export class RequestLogEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => String, { nullable: true })
  keyId!: string | null;

  @Field(() => String, { nullable: true })
  userId!: string | null;

  @Field(() => String, { nullable: true })
  teamId!: string | null;

  @Field(() => String)
  transport!: string;

  @Field(() => Boolean)
  stream!: boolean;

  @Field(() => String)
  requestedModel!: string;

  @Field(() => String, { nullable: true, description: "Catalogue id that served it; null when refused before routing." })
  model!: string | null;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => RequestStatus)
  status!: RequestStatus;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true })
  finishReason!: string | null;

  @Field(() => [String])
  tags!: string[];

  @Field(() => Float, { nullable: true })
  ttftMs!: number | null;

  @Field(() => Float, { nullable: true })
  itlMs!: number | null;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => Float, { nullable: true })
  tokensPerSecond!: number | null;

  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;

  @Field(() => Int)
  cachedInputTokens!: number;

  @Field(() => Int)
  reasoningTokens!: number;

  @Field(() => Boolean)
  tokensEstimated!: boolean;

  @Field(() => Float)
  costUsd!: number;

  @Field(() => [Attempt])
  attempts!: Attempt[];

  @Field(() => RequestGuardrails, { nullable: true })
  guardrails!: RequestGuardrails | null;

  @Field(() => RequestBody, { nullable: true, description: "Null when bodies were not stored for this request, or the caller may not read them." })
  body!: RequestBody | null;
}

@ObjectType()
export class RequestEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => RequestLogEntry)
  node!: RequestLogEntry;
}

@ObjectType()
export class RequestPageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class RequestConnection {
  @Field(() => [RequestEdge])
  edges!: RequestEdge[];

  @Field(() => [RequestLogEntry])
  nodes!: RequestLogEntry[];

  @Field(() => RequestPageInfo)
  pageInfo!: RequestPageInfo;
}
