import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GqlContext } from "../context.js";
import { requireAdmin } from "../context.js";
import { presentModel } from "../mappers.js";
import { Alias, Model, ModelInput } from "../types/catalogue.js";

@Resolver(() => Model)
export class CatalogueResolver {
  @Query(() => [Model], { description: "The model catalogue." })
  models(
    @Ctx() ctx: GqlContext,
    @Arg("provider", () => String, { nullable: true }) provider?: string | null,
    @Arg("enabledOnly", () => Boolean, { nullable: true }) enabledOnly?: boolean | null,
  ): Model[] {
    const cat = ctx.services.catalogue;
    return cat
      .list()
      .filter((m) => (provider == null || m.provider === provider) && (!enabledOnly || m.enabled))
      .map((m) => presentModel(cat, m));
  }

  @Query(() => Model, { nullable: true, description: "One model by id or alias." })
  model(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Model | null {
    const cat = ctx.services.catalogue;
    const target = cat.aliases().find((a) => a.name === id)?.target ?? id;
    const m = cat.get(target);
    return m ? presentModel(cat, m) : null;
  }

  @Query(() => [Alias])
  aliases(@Ctx() ctx: GqlContext): Alias[] {
    return ctx.services.catalogue.aliases();
  }

  @Mutation(() => Model, { description: "Adds a model or updates the fields given (prices, limits, capabilities). ADMIN." })
  async upsertModel(@Arg("input", () => ModelInput) input: ModelInput, @Ctx() ctx: GqlContext): Promise<Model> {
    requireAdmin(ctx);
    const m = await ctx.services.catalogue.upsertModel(input);
    return presentModel(ctx.services.catalogue, m);
  }

  @Mutation(() => Model, { description: "Enables or disables a model. ADMIN." })
  async setModelEnabled(
    @Arg("id", () => ID) id: string,
    @Arg("enabled", () => Boolean) enabled: boolean,
    @Ctx() ctx: GqlContext,
  ): Promise<Model> {
    requireAdmin(ctx);
    const m = await ctx.services.catalogue.setEnabled(id, enabled);
    return presentModel(ctx.services.catalogue, m);
  }

  @Mutation(() => [Alias], { description: "Points an alias at a model; target null removes it. ADMIN." })
  async setAlias(
    @Arg("name", () => String) name: string,
    @Arg("target", () => String, { nullable: true }) target: string | null,
    @Ctx() ctx: GqlContext,
  ): Promise<Alias[]> {
    requireAdmin(ctx);
    await ctx.services.catalogue.setAlias(name, target ?? null);
    return ctx.services.catalogue.aliases();
  }

  @FieldResolver(() => String, { nullable: true, description: "Why the model cannot be called now, if it cannot." })
  unavailableReason(@Root() model: Model): string | null {
    return model.health.reason;
  }
}
