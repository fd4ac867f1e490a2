/**
 * Query.inspect is served by the gateway (issue 7) but not yet in schema/schema.graphql, so it cannot go
 * through codegen (which fails on unknown fields). Hand-typed against DESIGN.md until the SDL is emitted;
 * then move the document to src/ui/src/operations/ and use the generated type.
 */
export const INSPECT_QUERY = /* GraphQL */ `
  query DashboardInspect($text: String!) {
    inspect(text: $text) {
      findings { type start end }
      redacted
      injectionScore
      injection
    }
  }
`;

export interface InspectResult {
  inspect: {
    findings: { type: string; start: number; end: number }[];
    redacted: string;
    injectionScore: number;
    injection: boolean;
  };
}
