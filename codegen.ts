import type { CodegenConfig } from "@graphql-codegen/cli";

const shared = { emitLegacyCommonJSImports: false, enumsAsTypes: true, scalars: { DateTime: "string", JSONObject: "Record<string, unknown>" }, useTypeImports: true };

/** Typed operations for tests and clients, generated from the checked-in SDL (`npm run codegen`). */
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  generates: {
    "test/generated/": {
      documents: ["test/operations/**/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: shared,
    },
    // The dashboard's operations. Only operations on fields the schema has belong here (codegen fails on
    // unknown fields); pages waiting for an API keep hand-typed documents in src/ui/src/pending/.
    "src/ui/src/gql/": {
      documents: ["src/ui/src/operations/**/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: shared,
    },
  },
  hooks: { afterAllFileWrite: [] },
};

export default config;
