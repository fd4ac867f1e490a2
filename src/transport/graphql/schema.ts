import "reflect-metadata";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { gql } from "graphql-tag";
import { buildSchema, createResolversMap } from "type-graphql";
import type { GqlContext } from "./context.js";
import { CatalogueResolver } from "./resolvers/catalogue.js";
import { CompletionResolver } from "./resolvers/completion.js";
import { KeyResolver, UserEntityResolver } from "./resolvers/keys.js";
import { GuardrailsResolver } from "./resolvers/guardrails.js";
import { ObservabilityResolver, TeamUsageResolver, UserUsageResolver } from "./resolvers/observability.js";
import { ModelHealthResolver, RoutingResolver } from "./resolvers/routing.js";
import { PolicyResolver, TeamBudgetsResolver, UserBudgetsResolver } from "./resolvers/policy.js";
import { DateTimeScalar } from "./types/scalars.js";
import { Team, User } from "./types/keys.js";
import { presentModel } from "./mappers.js";

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

export interface BuiltSchemas {
  /** The federated subgraph schema we serve (adds _service and _entities). */
  subgraph: GraphQLSchema;
  /** The public API as type-graphql builds it (emitted to schema/schema.graphql). */
  api: GraphQLSchema;
  /** SDL with federation directives (emitted to schema/subgraph.graphql). */
  subgraphSdl: string;
}

/**
 * Builds the type-graphql schema, then re-builds it as an Apollo Federation v2 subgraph with
 * the same resolvers, plus reference resolvers for our entities.
 */
export async function buildSchemas(): Promise<BuiltSchemas> {
  const api = await buildSchema({
    resolvers: [CompletionResolver, CatalogueResolver, KeyResolver, UserEntityResolver, RoutingResolver, ModelHealthResolver, ObservabilityResolver, UserUsageResolver, TeamUsageResolver, PolicyResolver, UserBudgetsResolver, TeamBudgetsResolver, GuardrailsResolver],
    orphanedTypes: [User, Team],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // type-graphql requires a pubSub for subscriptions; ours use per-request `subscribe` generators instead.
    pubSub: createPubSub(),
    validate: false,
    emitSchemaFile: false,
  });
  const typeDefs = `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(api)}`;
  const resolvers = createResolversMap(api) as Record<string, Record<string, unknown>>;
  resolvers.Model = {
    ...resolvers.Model,
    __resolveReference: (ref: { id: string }, ctx: GqlContext) => {
      const m = ctx.services.catalogue.get(ref.id);
      return m ? presentModel(ctx.services.catalogue, m) : null;
    },
  };
  resolvers.User = { ...resolvers.User, __resolveReference: (ref: { id: string }) => ({ id: ref.id }) };
  resolvers.Team = { ...resolvers.Team, __resolveReference: (ref: { id: string }) => ({ id: ref.id }) };
  const subgraph = buildSubgraphSchema({ typeDefs: gql(typeDefs), resolvers: resolvers as never });
  return { subgraph, api, subgraphSdl: typeDefs };
}

export function printApiSchema(s: BuiltSchemas): string {
  return printSchema(lexicographicSortSchema(s.api)) + "\n";
}
