import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/core/auth/keys.js";
import type { CatalogueModel, Resolved } from "../../src/core/catalogue/index.js";
import type { AdmissionInput } from "../../src/core/pipeline.js";
import { HeldAdmission, costMicros, maxTokensThatFit, sizeHold, type HoldHost } from "../../src/core/policy/admission.js";
import { retryAfter } from "../../src/core/policy/report.js";
import type { ProviderAdapter } from "../../src/providers/contract.js";

const model = (id: string, inPerM: number, outPerM: number, maxOut = 4000): CatalogueModel => ({
  id,
  provider: id.split("/")[0]!,
  upstreamModel: id.split("/")[1]!,
  displayName: null,
  contextWindow: 128_000,
  maxOutputTokens: maxOut,
  prices: { inputMicrosPerMTok: inPerM * 1_000_000, outputMicrosPerMTok: outPerM * 1_000_000 },
  capabilities: ["chat", "streaming"],
  enabled: true,
  demo: false,
  source: "config",
  updatedAt: new Date(),
});
const resolved = (m: CatalogueModel, factor = 1): Resolved => ({ model: m, adapter: { tokenEstimateFactor: factor } as ProviderAdapter, target: {} as Resolved["target"] });
const principal: Principal = { keyId: "k", role: "MEMBER", userId: "u", teamId: null, allowedModels: null };

function input(cands: Resolved[], opts: { stream: boolean; prompt?: number; maxTokens?: number }): AdmissionInput {
  return {
    requestId: "r1",
    principal,
    req: { model: cands[0]!.model.id, messages: [{ role: "user", content: "x" }], ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}) },
    plan: { rule: null, requestKind: "TEXT", candidates: cands },
    promptTokens: () => opts.prompt ?? 100,
    stream: opts.stream,
  };
}

class FakeHost implements HoldHost {
  room: number;
  calls: { min: number; desired: number }[] = [];
  cuts = 0;
  settled: { actual: number }[] = [];
  constructor(room: number) {
    this.room = room;
  }
  async extendHold(_a: HeldAdmission, min: number, desired: number): Promise<number | null> {
    this.calls.push({ min, desired });
    const g = Math.min(desired, this.room);
    if (g < min) return null;
    this.room -= g;
    return g;
  }
  cutOff(): void {
    this.cuts++;
  }
  settleHold(_a: HeldAdmission, actual: number): void {
    this.settled.push({ actual });
  }
}

const cover = { budgets: [{ id: "b", scope: "GLOBAL" as const, subject: "", period: "TOTAL" as const, action: "BLOCK" as const, webhookUrl: null, spikeMultiplier: null, spikeWindowMinutes: null }], limits: [] };

describe("hold sizing", () => {
  it("holds a whole call's output cap, but only one step of a stream's, sized for the priciest candidate", () => {
    const cheap = resolved(model("a/cheap", 1, 2));
    const dear = resolved(model("b/dear", 3, 15), 1.1);
    const whole = sizeHold(input([cheap, dear], { stream: false, prompt: 1000, maxTokens: 500 }), 256);
    // dear: ceil(1000 × 1.1) = 1100 prompt tokens × $3 + 500 × $15 per MTok
    expect(whole.desiredMicros).toBe(1100 * 3 + 500 * 15); // tokens × USD per MTok = micro-USD
    expect(whole.minMicros).toBe(whole.desiredMicros);
    const stream = sizeHold(input([cheap, dear], { stream: true, prompt: 1000, maxTokens: 500 }), 256);
    expect(stream.desiredMicros).toBe(1100 * 3 + 256 * 15);
    expect(stream.minMicros).toBe(1100 * 3 + 32 * 15);
    expect(stream.outputTokens).toBe(256);
  });

  it("never holds more output than the model can produce", () => {
    const small = resolved(model("a/small", 0, 10, 100));
    expect(sizeHold(input([small], { stream: false, maxTokens: 5000 }), 256).desiredMicros).toBe(100 * 10);
    expect(sizeHold(input([small], { stream: true }), 256).desiredMicros).toBe(100 * 10);
  });

  it("tells how many output tokens would fit a remaining budget", () => {
    const m = resolved(model("a/m", 0, 10));
    const s = sizeHold(input([m], { stream: false, maxTokens: 1000 }), 256);
    expect(maxTokensThatFit(s, 2_500)).toBe(250);
    expect(costMicros(s.candidates[0]!, 250)).toBe(2_500);
  });
});

describe("HeldAdmission.extend", () => {
  const m = model("a/m", 0, 10); // 10 µ$ per output token
  const sizing = () => sizeHold(input([resolved(m)], { stream: true }), 256);

  it("answers true synchronously while the hold covers the output, without touching the host", () => {
    const host = new FakeHost(0);
    const a = new HeldAdmission(host, "r", cover, sizing(), 0, 256, 2560);
    // Covered while ceil(out × 1.25) + 16 ≤ 256 tokens; a prefetch starts half a step (128 tokens) before that.
    for (let out = 1; out <= 64; out++) expect(a.extend(out, m)).toBe(true);
    expect(host.calls).toEqual([]);
  });

  it("prefetches the next step early and returns a Promise only when the hold is really exceeded", async () => {
    const host = new FakeHost(1_000_000);
    const a = new HeldAdmission(host, "r", cover, sizing(), 0, 256, 2560);
    // Covered up to ceil(out × 1.25) + 16 ≤ 256 tokens → out ≤ 192; the prefetch starts half a step before.
    expect(a.extend(150, m)).toBe(true);
    expect(host.calls.length).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(a.heldMicros).toBeGreaterThan(2560);
    const big = a.extend(2_000, m);
    expect(big).toBeInstanceOf(Promise);
    expect(await big).toBe(true);
    expect(a.heldMicros).toBeGreaterThanOrEqual(costMicros(a.sizing.candidates[0]!, Math.ceil(2_000 * 1.25) + 16));
    // Past the model's output cap there is nothing more to hold.
    expect(a.heldMicros).toBeLessThanOrEqual(costMicros(a.sizing.candidates[0]!, 4000));
  });

  it("cuts the stream when an extension is refused, before the output outgrows the hold", async () => {
    const host = new FakeHost(300); // 30 more tokens' worth
    const a = new HeldAdmission(host, "r", cover, sizing(), 0, 256, 2560);
    let out = 0;
    let ok: boolean = true;
    while (ok) {
      out++;
      const r = a.extend(out, m);
      ok = r === true ? true : await r;
    }
    expect(host.cuts).toBe(1);
    // Everything sent before the cut was still covered by the hold.
    expect(costMicros(a.sizing.candidates[0]!, out - 1)).toBeLessThanOrEqual(a.heldMicros);
    expect(a.heldMicros).toBeLessThanOrEqual(2560 + 300);
    expect(a.extend(out + 1, m)).toBe(false);
  });

  it("settles exactly once", () => {
    const host = new FakeHost(0);
    const a = new HeldAdmission(host, "r", cover, sizing(), 0, 256, 2560);
    a.settle(10, { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0 }, m);
    a.settle(10, { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0 }, m);
    expect(host.settled).toEqual([{ actual: 10 }]);
  });
});

describe("rate-limit retry-after", () => {
  it("waits until enough one-second slots have left the 60 s window", () => {
    const now = 1_000_000_500; // slot 1_000_000, half a second in
    const w = { id: "l", rpm: 3, tpm: null, slots: [999_950, 999_990, 1_000_000], reqs: [1, 1, 1], toks: [0, 0, 0] };
    const r = retryAfter(w, 0, now);
    // The oldest slot (999 950) leaves at 1 000 010 s.
    expect(r.rpmMs).toBe((999_950 + 60) * 1000 - now);
    expect(r.tpmMs).toBeNull();
    expect(retryAfter({ ...w, rpm: 4 }, 0, now).rpmMs).toBeNull();
    // Slots older than the window do not count.
    expect(retryAfter({ ...w, slots: [999_000, 999_990, 1_000_000] }, 0, now).rpmMs).toBeNull();
  });

  it("computes token waits, and a request larger than the limit waits a full window", () => {
    const now = 2_000_000_000;
    const w = { id: "l", rpm: null, tpm: 1000, slots: [1_999_990, 1_999_995], reqs: [1, 1], toks: [600, 300] };
    expect(retryAfter(w, 100, now).tpmMs).toBeNull();
    expect(retryAfter(w, 500, now).tpmMs).toBe((1_999_990 + 60) * 1000 - now);
    expect(retryAfter(w, 5000, now).tpmMs).toBe(60_000);
  });
});
