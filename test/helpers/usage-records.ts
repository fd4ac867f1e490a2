import { randomUUID } from "node:crypto";
import type { UsageRecord } from "../../src/core/metering/usage-writer.js";

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  from: number;
  to: number;
  count: number;
  seed?: number;
  users?: { userId: string; teamId: string | null; keyId: string }[];
  models?: { model: string; provider: string }[];
  tags?: string[];
}

/** Usage records spread over [from, to), with every field a real one can have (errors, refusals, tags, null timings). */
export function syntheticRecords(o: SyntheticOptions): UsageRecord[] {
  const r = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const users = o.users ?? [
    { userId: "u1", teamId: "t1", keyId: "k1" },
    { userId: "u2", teamId: "t1", keyId: "k2" },
    { userId: "u3", teamId: null, keyId: "k3" },
  ];
  const models = o.models ?? [
    { model: "local/gpt-4o-mini", provider: "local" },
    { model: "local/big", provider: "local" },
    { model: "other/m", provider: "other" },
  ];
  const tags = o.tags ?? ["alpha", "beta", "gamma"];
  const out: UsageRecord[] = [];
  for (let i = 0; i < o.count; i++) {
    const u = pick(users);
    const m = pick(models);
    const x = r();
    const status = x < 0.85 ? "ok" : x < 0.95 ? "error" : "cancelled";
    const refused = status === "error" && r() < 0.3;
    const latency = Math.round(Math.exp(Math.log(3) + r() * Math.log(20_000 / 3)) * 1000) / 1000;
    const ttft = refused || r() < 0.1 ? null : Math.round(latency * r() * 1000) / 1000;
    const itl = ttft === null || r() < 0.2 ? null : Math.round((1 + r() * 80) * 1000) / 1000;
    const input = refused ? 0 : Math.floor(r() * 5000);
    const output = refused ? 0 : Math.floor(r() * 2000);
    const tagCount = Math.floor(r() * 3);
    const recTags = [...new Set(Array.from({ length: tagCount }, () => pick(tags)))];
    out.push({
      id: randomUUID(),
      createdAt: new Date(o.from + Math.floor(r() * (o.to - o.from))),
      keyId: u.keyId,
      userId: u.userId,
      teamId: u.teamId,
      transport: r() < 0.5 ? "rest" : "graphql",
      stream: r() < 0.5,
      modelRequested: m.model,
      modelServed: refused ? null : m.model,
      provider: refused ? null : m.provider,
      inputTokens: input,
      outputTokens: output,
      cachedInputTokens: Math.floor(input * r() * 0.5),
      reasoningTokens: 0,
      tokensEstimated: false,
      costMicroUsd: refused ? 0 : Math.floor(r() * 50_000),
      ttftMs: ttft,
      itlMs: itl,
      latencyMs: latency,
      tokensPerSecond: null,
      status,
      errorCode: status === "error" ? (refused ? "RATE_LIMITED" : "UPSTREAM_ERROR") : status === "cancelled" ? "CLIENT_CLOSED" : null,
      errorMessage: status === "error" ? "synthetic" : null,
      finishReason: status === "ok" ? "STOP" : null,
      tags: recTags,
      endUser: null,
      attempts: [],
    });
  }
  return out;
}
