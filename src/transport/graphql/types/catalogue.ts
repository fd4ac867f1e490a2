import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars.js";

export enum CircuitState {
  CLOSED = "CLOSED",
  OPEN = "OPEN",
  HALF_OPEN = "HALF_OPEN",
}
registerEnumType(CircuitState, { name: "CircuitState" });

@ObjectType()
export class ModelHealth {
  @Field(() => CircuitState)
  circuit!: CircuitState;

  @Field(() => Boolean, { description: "False when the provider cannot be called (no key, not configured)." })
  available!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  // Filled by the routing resolver (ModelHealthResolver) from this instance's breaker for the model.
  @Field(() => Int, { description: "Failed attempts in a row on this instance (0 after a success)." })
  consecutiveFailures?: number;

  @Field(() => Float, { nullable: true, description: "Failure share of recent attempts on this instance." })
  errorRate?: number | null;

  @Field(() => Float, { nullable: true, description: "Recent time to first token (moving average of streamed answers), ms." })
  ttftMs?: number | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "While OPEN: when a trial request is let through." })
  openUntil?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Cooling down after a 429 until then (routing skips it)." })
  cooldownUntil?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lastFailureAt?: Date | null;

  @Field(() => String, { nullable: true })
  lastError?: string | null;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Model {
  @Field(() => ID, { description: '"provider/model"' })
  id!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => Int)
  contextWindow!: number;

  @Field(() => Int)
  maxOutputTokens!: number;

  @Field(() => Float, { description: "USD per million input tokens" })
  inputPricePerMTok!: number;

  @Field(() => Float, { description: "USD per million output tokens" })
  outputPricePerMTok!: number;

  @Field(() => Float, { nullable: true, description: "USD per million cached input tokens" })
  cachedInputPricePerMTok!: number | null;

  @Field(() => [String])
  capabilities!: string[];

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Boolean, { description: "The built-in demo model (free, canned answers)." })
  demo!: boolean;

  @Field(() => [String], { description: "Aliases that point at this model." })
  aliases!: string[];

  @Field(() => ModelHealth)
  health!: ModelHealth;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class Alias {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  target!: string;
}

@InputType()
export class ModelInput {
  @Field(() => ID, { description: '"provider/model"; the provider must be configured' })
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => Int, { nullable: true })
  contextWindow?: number | null;

  @Field(() => Int, { nullable: true })
  maxOutputTokens?: number | null;

  @Field(() => Float, { nullable: true })
  inputPricePerMTok?: number | null;

  @Field(() => Float, { nullable: true })
  outputPricePerMTok?: number | null;

  @Field(() => Float, { nullable: true })
  cachedInputPricePerMTok?: number | null;

  @Field(() => [String], { nullable: true })
  capabilities?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
