import { createContext, useContext } from "react";
import type { CapabilitiesQuery, SessionQuery } from "../gql/graphql";

export type Me = SessionQuery["me"];

export interface Session {
  me: Me;
  isAdmin: boolean;
  /** "Query.budgets", "Mutation.setBudget", "Subscription.budgetAlerts"… as the gateway's schema has them. */
  has(field: string): boolean;
  signOut(reason?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside the signed-in shell");
  return s;
}

export function capabilitySet(data: CapabilitiesQuery): Set<string> {
  const out = new Set<string>();
  const add = (type: string, t: { fields?: { name: string }[] | null } | null | undefined) => t?.fields?.forEach((f) => out.add(`${type}.${f.name}`));
  add("Query", data.queryType);
  add("Mutation", data.mutationType);
  add("Subscription", data.subscriptionType);
  return out;
}
