import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "./scalars.js";

export enum KeyRole {
  ADMIN = "ADMIN",
  MEMBER = "MEMBER",
}
registerEnumType(KeyRole, { name: "KeyRole" });

@ObjectType()
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "First characters of the secret, to tell keys apart." })
  prefix!: string;

  @Field(() => KeyRole)
  role!: KeyRole;

  @Field(() => String)
  userId!: string;

  @Field(() => String, { nullable: true })
  teamId!: string | null;

  @Field(() => [String], { nullable: true, description: "Models this key may call; null = all." })
  allowedModels!: string[] | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lastUsedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  key!: ApiKey;

  @Field(() => String, { description: "The secret. Shown this once; only its hash is stored." })
  secret!: string;
}

@InputType()
export class ApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => KeyRole, { nullable: true, description: "Default MEMBER." })
  role?: KeyRole | null;

  @Field(() => String, { nullable: true, description: "Owner user; default: the caller." })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  teamId?: string | null;

  @Field(() => [String], { nullable: true })
  allowedModels?: string[] | null;
}

@ObjectType()
export class Me {
  @Field(() => ID)
  keyId!: string;

  @Field(() => KeyRole)
  role!: KeyRole;

  @Field(() => String)
  userId!: string;

  @Field(() => String, { nullable: true })
  teamId!: string | null;

  @Field(() => [String], { nullable: true })
  allowedModels!: string[] | null;
}

/** Federation entities owned by the company's user/team subgraphs; we contribute fields to them. */
@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => [ApiKey], { description: "This user's active Switchboard keys (admins or the user only)." })
  aiKeys!: ApiKey[];
}

@ObjectType()
@Directive('@key(fields: "id")')
export class Team {
  @Field(() => ID)
  id!: string;
}
