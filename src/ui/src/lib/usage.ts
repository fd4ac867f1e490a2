import type { DashboardUsageBucketFragment, UsageDimension } from "../gql/graphql";

export type Bucket = DashboardUsageBucketFragment;
export type GroupDim = Exclude<UsageDimension, "DAY" | "HOUR">;

export const GROUP_DIMS: { id: GroupDim; label: string }[] = [
  { id: "MODEL", label: "Model" },
  { id: "PROVIDER", label: "Provider" },
  { id: "TEAM", label: "Team" },
  { id: "USER", label: "User" },
  { id: "KEY", label: "API key" },
  { id: "TAG", label: "Tag" },
];

/** The bucket's value for a grouping dimension; null groups (no team, untagged) get a readable name. */
export function groupOf(b: Bucket, dim: GroupDim): string {
  const v = dim === "MODEL" ? b.model : dim === "PROVIDER" ? b.provider : dim === "TEAM" ? b.teamId : dim === "USER" ? b.userId : dim === "KEY" ? b.keyId : b.tag;
  return v ?? (dim === "TAG" ? "(untagged)" : dim === "TEAM" ? "(no team)" : "(none)");
}

export const bucketTime = (b: Bucket): number | null => {
  const iso = b.hour ?? b.day;
  return iso ? Date.parse(iso) : null;
};

/** Values per bucket start, zero where the API returned no bucket (no traffic). */
export function alignTo<T extends Bucket>(starts: number[], buckets: T[], value: (b: T) => number | null | undefined, empty: number | null = 0): (number | null)[] {
  const at = new Map<number, T>();
  for (const b of buckets) {
    const t = bucketTime(b);
    if (t != null) at.set(t, b);
  }
  return starts.map((t) => {
    const b = at.get(t);
    if (!b) return empty;
    const v = value(b);
    return v == null ? empty : v;
  });
}

/** Exact sum of costs: integer micro-dollars added, divided once. */
export const sumUsd = (bs: Bucket[]): number => bs.reduce((a, b) => a + b.costMicroUsd, 0) / 1e6;
