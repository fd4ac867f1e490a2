import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ErrorCode, GatewayError, badInput } from "../../../domain/errors.js";
import type { GqlContext } from "../context.js";
import { requireSelfOrAdmin } from "../context.js";
import { toGqlKey } from "../mappers.js";
import { ApiKey, ApiKeyInput, CreatedApiKey, KeyRole, Me, User } from "../types/keys.js";

@Resolver()
export class KeyResolver {
  @Query(() => Me, { description: "The caller, as its key identifies it." })
  me(@Ctx() ctx: GqlContext): Me {
    const p = ctx.principal;
    return { keyId: p.keyId, role: p.role as KeyRole, userId: p.userId, teamId: p.teamId, allowedModels: p.allowedModels ? [...p.allowedModels] : null };
  }

  @Query(() => [ApiKey], { description: "Keys: all for admins, the caller's own for members." })
  async apiKeys(
    @Ctx() ctx: GqlContext,
    @Arg("includeRevoked", () => Boolean, { nullable: true }) includeRevoked?: boolean | null,
  ): Promise<ApiKey[]> {
    const p = ctx.principal;
    const rows = await ctx.services.keys.list({
      ...(p.role === "ADMIN" ? {} : { userId: p.userId }),
      includeRevoked: includeRevoked ?? false,
    });
    return rows.map(toGqlKey);
  }

  @Mutation(() => CreatedApiKey, { description: "Creates a key; the secret is returned this once. Members may create MEMBER keys for themselves." })
  async createApiKey(@Arg("input", () => ApiKeyInput) input: ApiKeyInput, @Ctx() ctx: GqlContext): Promise<CreatedApiKey> {
    const p = ctx.principal;
    const role = input.role ?? KeyRole.MEMBER;
    const userId = input.userId ?? p.userId;
    if (p.role !== "ADMIN") {
      if (role === KeyRole.ADMIN) throw new GatewayError(ErrorCode.FORBIDDEN, "only admins can create ADMIN keys");
      if (userId !== p.userId) throw new GatewayError(ErrorCode.FORBIDDEN, "members can only create keys for themselves");
      if ((input.teamId ?? p.teamId) !== p.teamId) throw new GatewayError(ErrorCode.FORBIDDEN, "members cannot create keys for another team");
    }
    const name = input.name.trim();
    if (!name || name.length > 128) throw badInput("name must be 1-128 characters");
    if (!/^[\w.@:-]{1,128}$/.test(userId)) throw badInput("userId must be 1-128 letters, digits or _ . @ : -");
    if (input.teamId != null && !/^[\w.@:-]{1,128}$/.test(input.teamId)) throw badInput("teamId must be 1-128 letters, digits or _ . @ : -");
    const allowed = input.allowedModels ?? (p.role === "ADMIN" ? null : p.allowedModels ? [...p.allowedModels] : null);
    for (const m of allowed ?? []) {
      if (!ctx.services.catalogue.get(m)) throw badInput(`allowedModels: unknown model "${m}"`, { suggestions: ctx.services.catalogue.suggest(m) });
    }
    if (p.role !== "ADMIN" && p.allowedModels && allowed?.some((m) => !p.allowedModels!.includes(m))) {
      throw new GatewayError(ErrorCode.FORBIDDEN, "a member key cannot allow models its creator may not use");
    }
    const { secret, row } = await ctx.services.keys.create({
      name,
      role,
      userId,
      teamId: input.teamId ?? (p.role === "ADMIN" ? null : p.teamId),
      allowedModels: allowed,
      createdBy: p.keyId,
    });
    return { key: toGqlKey(row), secret };
  }

  @Mutation(() => ApiKey, { description: "Revokes a key at once on every instance. Members may revoke their own." })
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<ApiKey> {
    const existing = await ctx.services.keys.get(id);
    if (!existing) throw badInput(`unknown key "${id}"`);
    requireSelfOrAdmin(ctx, existing.userId);
    const row = await ctx.services.keys.revoke(id);
    return toGqlKey(row!);
  }
}

/** Fields this subgraph contributes to the company's User and Team entities. */
@Resolver(() => User)
export class UserEntityResolver {
  @FieldResolver(() => [ApiKey])
  async aiKeys(@Root() user: { id: string }, @Ctx() ctx: GqlContext): Promise<ApiKey[]> {
    requireSelfOrAdmin(ctx, user.id);
    return (await ctx.services.keys.list({ userId: user.id })).map(toGqlKey);
  }
}
