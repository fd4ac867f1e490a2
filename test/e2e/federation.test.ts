import { composeServices } from "@apollo/composition";
import { ApolloGateway, LocalGraphQLDataSource, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { gql } from "graphql-tag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

/** A stand-in for the company's own accounts subgraph, which owns User. */
const accountsTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  type Query {
    user(id: ID!): User
  }
`;
const accountsSchema = buildSubgraphSchema({
  typeDefs: accountsTypeDefs,
  resolvers: {
    Query: { user: (_: unknown, { id }: { id: string }) => ({ id, name: `User ${id}` }) },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `User ${ref.id}` }) },
  },
});

let t: TestApp;
let server: ApolloServer;

beforeAll(async () => {
  t = await startTestApp();
  // The router fetches our SDL anonymously, as rover/IntrospectAndCompose would.
  const res = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const sdl = ((await res.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
  const composed = composeServices([
    { name: "switchboard", url: `${t.url}/graphql`, typeDefs: gql(sdl) },
    { name: "accounts", url: "local://accounts", typeDefs: accountsTypeDefs },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join("\n"));
  const adminKey = t.adminKey;
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ name, url }) =>
      name === "accounts"
        ? new LocalGraphQLDataSource(accountsSchema)
        : new RemoteGraphQLDataSource({
            url: url!,
            willSendRequest: ({ request }) => request.http?.headers.set("authorization", `Bearer ${adminKey}`),
          }),
  });
  server = new ApolloServer({ gateway });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
  await t?.close();
});

describe("Apollo Federation v2 subgraph", () => {
  it("exposes _service.sdl with @key on Model, User and Team", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
    });
    const sdl = ((await res.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
    expect(sdl).toMatch(/type Model\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Team\s+@key\(fields: "id"\)/);
    expect(sdl).toContain("specs.apollo.dev/federation/v2");
  });

  it("refuses anything else without a key", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ models { id } }" }),
    });
    expect(res.status).toBe(401);
  });

  it("answers a query planned by @apollo/gateway across both subgraphs", async () => {
    const r = await server.executeOperation({ query: `{ models(provider: "openai") { id inputPricePerMTok } user(id: "admin") { name aiKeys { role } } }` });
    const body = r.body.kind === "single" ? r.body.singleResult : undefined;
    expect(body?.errors).toBeUndefined();
    const data = body?.data as { models: { id: string; inputPricePerMTok: number }[]; user: { name: string; aiKeys: { role: string }[] } };
    expect(data.models.length).toBeGreaterThan(3);
    expect(data.models.every((m) => m.id.startsWith("openai/") && m.inputPricePerMTok > 0)).toBe(true);
    expect(data.user).toEqual({ name: "User admin", aiKeys: [{ role: "ADMIN" }] });
  });

  it("resolves Model entities through _entities", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.adminKey}` },
      body: JSON.stringify({
        query: "query($r: [_Any!]!) { _entities(representations: $r) { ... on Model { id provider enabled } } }",
        variables: { r: [{ __typename: "Model", id: "demo/echo" }, { __typename: "Model", id: "nope/none" }] },
      }),
    });
    const body = (await res.json()) as { data: { _entities: unknown[] } };
    expect(body.data._entities).toEqual([{ id: "demo/echo", provider: "demo", enabled: true }, null]);
  });
});
