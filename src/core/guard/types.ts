/** Names fixed by DESIGN.md (Guardrails). */
export const PII_TYPES = ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "SECRET", "PERSON", "ADDRESS", "DATE_OF_BIRTH"] as const;
export type PiiType = (typeof PII_TYPES)[number];

export const GUARD_ACTIONS = ["OFF", "REDACT", "BLOCK"] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

export const INJECTION_ACTIONS = ["OFF", "FLAG", "BLOCK"] as const;
export type InjectionAction = (typeof INJECTION_ACTIONS)[number];

export const GUARD_SCOPES = ["GLOBAL", "TEAM", "KEY"] as const;
export type GuardScope = (typeof GUARD_SCOPES)[number];

/** The policy in force for one request, every field decided. */
export interface EffectivePolicy {
  piiInput: GuardAction;
  piiOutput: GuardAction;
  piiTypes: readonly PiiType[];
  restoreInputPii: boolean;
  injection: InjectionAction;
  injectionThreshold: number;
}

/** A stored policy: null fields inherit from the next wider scope (KEY → TEAM → GLOBAL → config). */
export interface StoredPolicy {
  id: string;
  scope: GuardScope;
  subject: string | null;
  piiInput: GuardAction | null;
  piiOutput: GuardAction | null;
  piiTypes: PiiType[] | null;
  restoreInputPii: boolean | null;
  injection: InjectionAction | null;
  injectionThreshold: number | null;
  updatedAt: Date;
}

/** One detected span; offsets are UTF-16 code units, end exclusive. */
export interface Finding {
  type: PiiType;
  start: number;
  end: number;
}

/** Bit per type, so detectors test membership without allocating. */
export type TypeMask = number;
export const typeBit = (t: PiiType): number => 1 << PII_TYPES.indexOf(t);
export function maskOf(types: readonly PiiType[]): TypeMask {
  let m = 0;
  for (const t of types) m |= typeBit(t);
  return m;
}
export const ALL_TYPES: TypeMask = maskOf(PII_TYPES);
