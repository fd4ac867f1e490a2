import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars.js";

export enum PiiType {
  EMAIL = "EMAIL",
  PHONE = "PHONE",
  CREDIT_CARD = "CREDIT_CARD",
  IBAN = "IBAN",
  US_SSN = "US_SSN",
  IP_ADDRESS = "IP_ADDRESS",
  SECRET = "SECRET",
  PERSON = "PERSON",
  ADDRESS = "ADDRESS",
  DATE_OF_BIRTH = "DATE_OF_BIRTH",
}
registerEnumType(PiiType, { name: "PiiType", description: "SECRET: API keys, tokens, private keys, passwords in clear." });

export enum GuardAction {
  OFF = "OFF",
  REDACT = "REDACT",
  BLOCK = "BLOCK",
}
registerEnumType(GuardAction, { name: "GuardAction" });

export enum InjectionAction {
  OFF = "OFF",
  FLAG = "FLAG",
  BLOCK = "BLOCK",
}
registerEnumType(InjectionAction, { name: "InjectionAction" });

export enum GuardScope {
  GLOBAL = "GLOBAL",
  TEAM = "TEAM",
  KEY = "KEY",
}
registerEnumType(GuardScope, { name: "GuardScope" });

@ObjectType()
export class GuardrailFinding {
  @Field(() => PiiType)
  type!: PiiType;

  @Field(() => Int, { description: "UTF-16 offset of the first character." })
  start!: number;

  @Field(() => Int, { description: "UTF-16 offset after the last character (exclusive)." })
  end!: number;
}

@ObjectType({ description: "A dry run of the detectors on a text: nothing is stored and no provider is called." })
export class GuardrailReport {
  @Field(() => [GuardrailFinding])
  findings!: GuardrailFinding[];

  @Field(() => String, { description: "The text with each finding replaced by a numbered placeholder ([EMAIL_1])." })
  redacted!: string;

  @Field(() => Float, { description: "Prompt-injection score in [0, 1]." })
  injectionScore!: number;

  @Field(() => Boolean, { description: "True at or above the caller's policy threshold." })
  injection!: boolean;
}

@ObjectType({ description: "A stored policy; null fields inherit from the wider scope (KEY → TEAM → GLOBAL → config file)." })
export class GuardrailPolicy {
  @Field(() => ID)
  id!: string;

  @Field(() => GuardScope)
  scope!: GuardScope;

  @Field(() => String, { nullable: true, description: "Team or key id; null for GLOBAL." })
  subject!: string | null;

  @Field(() => GuardAction, { nullable: true })
  piiInput!: GuardAction | null;

  @Field(() => GuardAction, { nullable: true })
  piiOutput!: GuardAction | null;

  @Field(() => [PiiType], { nullable: true })
  piiTypes!: PiiType[] | null;

  @Field(() => Boolean, { nullable: true })
  restoreInputPii!: boolean | null;

  @Field(() => InjectionAction, { nullable: true })
  injection!: InjectionAction | null;

  @Field(() => Float, { nullable: true })
  injectionThreshold!: number | null;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType({ description: "The policy in force for a key: every field decided." })
export class EffectiveGuardrailPolicy {
  @Field(() => GuardAction)
  piiInput!: GuardAction;

  @Field(() => GuardAction)
  piiOutput!: GuardAction;

  @Field(() => [PiiType])
  piiTypes!: PiiType[];

  @Field(() => Boolean)
  restoreInputPii!: boolean;

  @Field(() => InjectionAction)
  injection!: InjectionAction;

  @Field(() => Float)
  injectionThreshold!: number;
}

@InputType()
export class GuardrailPolicyInput {
  @Field(() => GuardScope)
  scope!: GuardScope;

  @Field(() => String, { nullable: true, description: "Team id (TEAM) or key id (KEY); omitted for GLOBAL." })
  subject?: string | null;

  @Field(() => GuardAction, { nullable: true, description: "PII in requests: OFF, REDACT (placeholders), BLOCK (GUARDRAIL_BLOCKED naming the types)." })
  piiInput?: GuardAction | null;

  @Field(() => GuardAction, { nullable: true, description: "PII in answers, streamed too: OFF, REDACT, BLOCK (the answer is cut with GUARDRAIL_BLOCKED)." })
  piiOutput?: GuardAction | null;

  @Field(() => [PiiType], { nullable: true })
  piiTypes?: PiiType[] | null;

  @Field(() => Boolean, { nullable: true, description: "Turn placeholders the model echoes back into the caller's values (default true)." })
  restoreInputPii?: boolean | null;

  @Field(() => InjectionAction, { nullable: true })
  injection?: InjectionAction | null;

  @Field(() => Float, { nullable: true, description: "Score in [0, 1] at or above which FLAG records and BLOCK refuses." })
  injectionThreshold?: number | null;
}
