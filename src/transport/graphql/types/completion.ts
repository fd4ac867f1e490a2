import { createUnionType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar, JSONObjectScalar } from "./scalars.js";

export enum Role {
  SYSTEM = "system",
  USER = "user",
  ASSISTANT = "assistant",
  TOOL = "tool",
}
registerEnumType(Role, { name: "Role" });

export enum FinishReason {
  STOP = "STOP",
  LENGTH = "LENGTH",
  TOOL_CALLS = "TOOL_CALLS",
  CONTENT_FILTER = "CONTENT_FILTER",
  ERROR = "ERROR",
}
registerEnumType(FinishReason, { name: "FinishReason" });

export enum AttemptOutcome {
  OK = "ok",
  ERROR = "error",
  CANCELLED = "cancelled",
}
registerEnumType(AttemptOutcome, { name: "AttemptOutcome" });

export enum ResponseFormatType {
  TEXT = "text",
  JSON_OBJECT = "json_object",
  JSON_SCHEMA = "json_schema",
}
registerEnumType(ResponseFormatType, { name: "ResponseFormatType" });

@InputType({ description: "An image in a user message: an http(s) URL or a data: URL." })
export class ImageInput {
  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true, description: "auto | low | high (OpenAI-family)" })
  detail?: string | null;
}

@InputType()
export class ToolCallInput {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "JSON text of the arguments" })
  arguments!: string;
}

@InputType()
export class MessageInput {
  @Field(() => Role)
  role!: Role;

  @Field(() => String)
  content!: string;

  @Field(() => [ImageInput], { nullable: true, description: "Images attached to a USER message." })
  images?: ImageInput[] | null;

  @Field(() => [ToolCallInput], { nullable: true, description: "Tool calls an ASSISTANT message made." })
  toolCalls?: ToolCallInput[] | null;

  @Field(() => String, { nullable: true, description: "On TOOL messages: the id of the call this answers." })
  toolCallId?: string | null;
}

@InputType()
export class ToolInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "JSON Schema of the arguments object" })
  parameters?: Record<string, unknown> | null;
}

@InputType()
export class ResponseFormatInput {
  @Field(() => ResponseFormatType)
  type!: ResponseFormatType;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  schema?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true })
  strict?: boolean | null;
}

@InputType()
export class CompletionInput {
  @Field(() => String, { description: 'Catalogue id ("openai/gpt-4o-mini") or alias ("fast").' })
  model!: string;

  @Field(() => [MessageInput])
  messages!: MessageInput[];

  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Float, { nullable: true })
  topP?: number | null;

  @Field(() => [String], { nullable: true })
  stop?: string[] | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => String, { nullable: true, description: "End-user id the caller acts for." })
  user?: string | null;

  @Field(() => [ToolInput], { nullable: true })
  tools?: ToolInput[] | null;

  @Field(() => String, { nullable: true, description: 'auto | none | required | a tool name' })
  toolChoice?: string | null;

  @Field(() => ResponseFormatInput, { nullable: true })
  responseFormat?: ResponseFormatInput | null;
}

@ObjectType()
export class CompletionUsage {
  @Field(() => Int)
  inputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;

  @Field(() => Int)
  totalTokens!: number;

  @Field(() => Int)
  cachedInputTokens!: number;

  @Field(() => Int)
  reasoningTokens!: number;

  @Field(() => Boolean, { description: "True when the provider reported no usage and the gateway counted tokens." })
  estimated!: boolean;
}

@ObjectType()
export class CompletionMetrics {
  @Field(() => Float, { nullable: true, description: "Time to the first content token reaching the client (ms)." })
  ttftMs!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean gap between content deltas (ms)." })
  itlMs!: number | null;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => Float, { nullable: true })
  tokensPerSecond!: number | null;
}

@ObjectType()
export class Attempt {
  @Field(() => String)
  model!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => AttemptOutcome)
  outcome!: AttemptOutcome;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => Float)
  latencyMs!: number;
}

@ObjectType()
export class GuardrailSummary {
  @Field(() => Int)
  redactions!: number;

  @Field(() => Float, { nullable: true })
  injectionScore!: number | null;

  @Field(() => [GuardrailFindingCount], { description: "Types found (input and output) and how often; never the values." })
  findings!: GuardrailFindingCount[];
}

@ObjectType()
export class GuardrailFindingCount {
  @Field(() => String, { description: "A PiiType name, or PROMPT_INJECTION." })
  type!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ToolCall {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  arguments!: string;
}

@ObjectType()
export class Completion {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => String, { description: "Catalogue id of the model that served the request." })
  model!: string;

  @Field(() => String)
  requestedModel!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => String)
  content!: string;

  @Field(() => [ToolCall])
  toolCalls!: ToolCall[];

  @Field(() => FinishReason)
  finishReason!: FinishReason;

  @Field(() => CompletionUsage)
  usage!: CompletionUsage;

  @Field(() => Float, { description: "Cost in USD (computed from integer micro-dollars)." })
  costUsd!: number;

  @Field(() => CompletionMetrics)
  metrics!: CompletionMetrics;

  @Field(() => [Attempt])
  attempts!: Attempt[];

  @Field(() => GuardrailSummary)
  guardrails!: GuardrailSummary;
}

@ObjectType()
export class ToolCallDelta {
  @Field(() => Int)
  index!: number;

  @Field(() => String, { nullable: true })
  id!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String)
  argumentsDelta!: string;
}

@ObjectType()
export class CompletionDelta {
  @Field(() => String)
  content!: string;

  @Field(() => ToolCallDelta, { nullable: true })
  toolCall!: ToolCallDelta | null;
}

@ObjectType()
export class CompletionDone {
  @Field(() => Completion)
  completion!: Completion;
}

export const CompletionEvent = createUnionType({
  name: "CompletionEvent",
  types: () => [CompletionDelta, CompletionDone] as const,
  resolveType: (v) => ("completion" in v ? CompletionDone : CompletionDelta),
});
