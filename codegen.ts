import type { CodegenConfig } from "@graphql-codegen/cli";

/** Typed operations for tests and clients, generated from the checked-in SDL (`npm run codegen`). */
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: ["test/operations/**/*.graphql"],
  generates: {
    "test/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { emitLegacyCommonJSImports: false, enumsAsTypes: true, scalars: { DateTime: "string", JSONObject: "Record<string, unknown>" }, useTypeImports: true },
    },
  },
  hooks: { afterAllFileWrite: [] },
};

export default config;
