import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { CircuitState } from "./catalogue.js";
import { DateTimeScalar } from "./scalars.js";

export enum RequestKind {
  CODE = "CODE",
  TEXT = "TEXT",
}
registerEnumType(RequestKind, { name: "RequestKind", description: "What the prompt is about, by a fast deterministic classifier." });

export enum RouteStrategy {
  FALLBACK = "FALLBACK",
  WEIGHTED = "WEIGHTED",
  LEAST_LATENCY = "LEAST_LATENCY",
  LEAST_COST = "LEAST_COST",
}
registerEnumType(RouteStrategy, {
  name: "RouteStrategy",
  valuesConfig: {
    FALLBACK: { description: "In the order given; the next one when a target fails." },
    WEIGHTED: { description: "Random by weight; the others follow as fallbacks in weighted order." },
    LEAST_LATENCY: { description: "Lowest recent time to first token first; unmeasured targets first." },
    LEAST_COST: { description: "Cheapest for this request's size (catalogue prices) first." },
  },
});

@InputType({ description: "Every field optional; empty means any. All given fields must hold." })
export class RuleConditionInput {
  @Field(() => [String], { nullable: true, description: "Requested model ids, aliases or router names (e.g. \"auto\")." })
  models?: string[] | null;

  @Field(() => [RequestKind], { nullable: true })
  kinds?: RequestKind[] | null;

  @Field(() => [String], { nullable: true, description: "Matches when the request carries any of these tags." })
  tagsAny?: string[] | null;

  @Field(() => [String], { nullable: true, description: "User ids of the calling key's owner." })
  users?: string[] | null;

  @Field(() => [String], { nullable: true })
  teams?: string[] | null;

  @Field(() => [String], { nullable: true, description: "API key ids." })
  keys?: string[] | null;

  @Field(() => Int, { nullable: true, description: "Estimated prompt tokens (characters / 4), inclusive." })
  minPromptTokens?: number | null;

  @Field(() => Int, { nullable: true })
  maxPromptTokens?: number | null;

  @Field(() => Boolean, { nullable: true })
  hasTools?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  hasImages?: boolean | null;
}

@InputType()
export class RouteTargetInput {
  @Field(() => String, { description: "A model id, an alias, or a router name another rule defines." })
  model!: string;

  @Field(() => Float, { nullable: true, description: "For WEIGHTED (default 1)." })
  weight?: number | null;
}

@InputType()
export class RoutingRuleInput {
  @Field(() => ID, { nullable: true, description: "Omit to create; an existing id replaces that rule." })
  id?: string | null;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: "Ascending: 1 is tried before 10; ties by creation time." })
  priority!: number;

  @Field(() => Boolean, { nullable: true, description: "Default true." })
  enabled?: boolean | null;

  @Field(() => RuleConditionInput)
  when!: RuleConditionInput;

  @Field(() => [RouteTargetInput])
  targets!: RouteTargetInput[];

  @Field(() => RouteStrategy)
  strategy!: RouteStrategy;
}

@ObjectType()
export class RuleCondition {
  @Field(() => [String], { nullable: true })
  models!: string[] | null;

  @Field(() => [RequestKind], { nullable: true })
  kinds!: RequestKind[] | null;

  @Field(() => [String], { nullable: true })
  tagsAny!: string[] | null;

  @Field(() => [String], { nullable: true })
  users!: string[] | null;

  @Field(() => [String], { nullable: true })
  teams!: string[] | null;

  @Field(() => [String], { nullable: true })
  keys!: string[] | null;

  @Field(() => Int, { nullable: true })
  minPromptTokens!: number | null;

  @Field(() => Int, { nullable: true })
  maxPromptTokens!: number | null;

  @Field(() => Boolean, { nullable: true })
  hasTools!: boolean | null;

  @Field(() => Boolean, { nullable: true })
  hasImages!: boolean | null;
}

@ObjectType()
export class RouteTarget {
  @Field(() => String)
  model!: string;

  @Field(() => Float)
  weight!: number;
}

@ObjectType()
export class RoutingRule {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  priority!: number;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => RuleCondition)
  when!: RuleCondition;

  @Field(() => [RouteTarget])
  targets!: RouteTarget[];

  @Field(() => RouteStrategy)
  strategy!: RouteStrategy;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class RouteCandidate {
  @Field(() => String, { description: "Catalogue id (or the name as written when it resolves to nothing)." })
  model!: string;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => Boolean, { description: "Whether the request would try it; kept candidates are in the order they would be tried." })
  kept!: boolean;

  @Field(() => String, { nullable: true, description: "Why it was kept (strategy) or skipped (disabled, circuit open, lacks tools support…)." })
  reason!: string | null;

  @Field(() => CircuitState, { nullable: true })
  circuit!: CircuitState | null;
}

@ObjectType({ description: "A routing dry run: nothing is called and no state changes." })
export class RouteExplanation {
  @Field(() => RequestKind)
  requestKind!: RequestKind;

  @Field(() => Int, { description: "The prompt-size estimate rules and LEAST_COST use." })
  promptTokens!: number;

  @Field(() => RoutingRule, { nullable: true, description: "The rule that decides; null when the requested model is served directly." })
  rule!: RoutingRule | null;

  @Field(() => [RouteCandidate])
  candidates!: RouteCandidate[];

  @Field(() => String, { nullable: true, description: "The error code the request would get (e.g. NO_ROUTE), if it would be refused." })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}
