import type { CombinedError } from "@urql/core";

export interface Problem {
  code: string;
  title: string;
  /** What the user can do about it. */
  hint: string;
  detail?: string;
}

type Extensions = Record<string, unknown> | undefined;

const MISSING_FIELD = /Cannot query field "(\w+)" on type "(\w+)"/;

/** Turns an API error into words that say what happened and what to do next. */
export function describeError(err: CombinedError | Error | null | undefined): Problem | null {
  if (!err) return null;
  const combined = err as Partial<CombinedError>;
  const gql = combined.graphQLErrors?.[0];
  const status = combined.response && typeof combined.response === "object" && "status" in combined.response ? Number((combined.response as { status: number }).status) : 0;
  if (!gql && (combined.networkError || status === 0)) {
    if (status === 401) return authProblem();
    return {
      code: "NETWORK",
      title: "The gateway cannot be reached",
      hint: "Check that Switchboard is running and that this page is served by it, then retry.",
      detail: combined.networkError?.message ?? err.message,
    };
  }
  const ext = gql?.extensions as Extensions;
  const code = typeof ext?.code === "string" ? ext.code : status === 401 ? "UNAUTHENTICATED" : "UNKNOWN";
  const message = gql?.message ?? err.message;
  const missing = MISSING_FIELD.exec(message);
  if (missing) {
    return {
      code: "API_MISSING",
      title: `This gateway does not serve ${missing[2]}.${missing[1]} yet`,
      hint: "This page needs a newer Switchboard. Upgrade the gateway; the page works as soon as the API is there.",
      detail: message,
    };
  }
  switch (code) {
    case "UNAUTHENTICATED":
      return authProblem(message);
    case "FORBIDDEN":
      return { code, title: "Your key may not do this", hint: "Sign in with an ADMIN key, or ask an admin to do it for you.", detail: message };
    case "BAD_USER_INPUT":
      return { code, title: "The gateway refused this input", hint: "Correct the value it names and try again.", detail: message };
    case "BUDGET_EXCEEDED":
      return { code, title: "A budget is exhausted", hint: "Raise the budget on the Budgets page or wait for its reset.", detail: message };
    case "RATE_LIMITED": {
      const after = typeof ext?.retryAfterMs === "number" ? ` in ${Math.ceil(ext.retryAfterMs / 1000)} s` : " shortly";
      return { code, title: "Rate limit reached", hint: `Try again${after}, or raise the limit on the Budgets page.`, detail: message };
    }
    case "GUARDRAIL_BLOCKED":
      return { code, title: "Blocked by a guardrail", hint: "Remove the sensitive data or instruction named below, or change the guardrail policy.", detail: message };
    case "UPSTREAM_ERROR":
      return { code, title: "The provider failed", hint: "Check the provider's key and status on the Models page, or pick another model.", detail: message };
    case "NO_ROUTE":
      return { code, title: "No model can serve this request", hint: "Enable a target model or change the routing rules.", detail: message };
    default:
      return { code, title: "Something went wrong", hint: "Retry; if it keeps failing, check the gateway's logs for this time.", detail: message };
  }
}

function authProblem(detail?: string): Problem {
  return { code: "UNAUTHENTICATED", title: "Your key is not accepted", hint: "It may have been revoked. Sign out and sign in with a valid key.", detail };
}

export const isAuthError = (err: CombinedError | undefined): boolean =>
  Boolean(err && (err.response?.status === 401 || err.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")));
