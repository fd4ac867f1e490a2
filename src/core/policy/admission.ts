import type { Usage } from "../../domain/chat.js";
import type { CatalogueModel } from "../catalogue/index.js";
import type { Admission, AdmissionInput } from "../pipeline.js";
import type { Cover } from "./cover.js";

/**
 * Streamed output is estimated by the gateway (max(deltas, chars/4)); the hold must always cover
 * that estimate × OUTPUT_SAFETY + OUTPUT_MARGIN tokens, so a refused extension cuts the stream
 * while everything already sent is still paid for by the hold.
 */
export const OUTPUT_SAFETY = 1.25;
export const OUTPUT_MARGIN = 16;
/** The smallest output a stream is admitted with: the first deltas never wait for an extension. */
export const MIN_STREAM_OUTPUT = 32;

export interface CandidateCost {
  model: CatalogueModel;
  /** Prompt tokens as this candidate's provider is expected to count them. */
  prompt: number;
  /** Most output tokens the call can produce (maxTokens, or the model's own cap). */
  cap: number;
}

export interface Sizing {
  candidates: CandidateCost[];
  promptTokens: number;
  /** Output tokens the initial hold covers on the priciest candidate. */
  outputTokens: number;
  minMicros: number;
  desiredMicros: number;
  /** Tokens charged to TPM windows at admission (corrected at settlement). */
  tpmTokens: number;
}

/** Micro-USD for `prompt` input and `out` output tokens; the same rounding as requestCost(). */
export function costMicros(c: CandidateCost, out: number): number {
  const p = c.model.prices;
  const exact = c.prompt * p.inputMicrosPerMTok + out * p.outputMicrosPerMTok;
  return exact <= 0 ? 0 : Math.ceil(exact / 1_000_000);
}

/**
 * Sizes the hold for the most expensive candidate, so failover can never spend more than was
 * held. A non-streamed call cannot be cut, so it holds its whole output cap; a stream holds its
 * prompt plus one step of output and grows the hold while it runs.
 */
export function sizeHold(input: AdmissionInput, stepTokens: number): Sizing {
  const raw = input.promptTokens();
  const req = input.req;
  const candidates: CandidateCost[] = input.plan.candidates.map((r) => ({
    model: r.model,
    prompt: Math.ceil(raw * r.adapter.tokenEstimateFactor),
    cap: Math.max(1, Math.min(req.maxTokens ?? r.model.maxOutputTokens, r.model.maxOutputTokens)),
  }));
  let minMicros = 0;
  let desiredMicros = 0;
  let outputTokens = 0;
  for (const c of candidates) {
    const want = input.stream ? Math.min(c.cap, stepTokens) : c.cap;
    const least = input.stream ? Math.min(c.cap, MIN_STREAM_OUTPUT) : c.cap;
    const d = costMicros(c, want);
    if (d >= desiredMicros) {
      desiredMicros = d;
      outputTokens = want;
    }
    minMicros = Math.max(minMicros, costMicros(c, least));
  }
  const first = candidates[0];
  const tpmTokens = first ? first.prompt + Math.min(first.cap, stepTokens) : raw;
  return { candidates, promptTokens: raw, outputTokens, minMicros, desiredMicros, tpmTokens };
}

/** Largest maxTokens whose full hold fits in `available` micro-USD on every candidate (for error messages). */
export function maxTokensThatFit(s: Sizing, available: number): number {
  let fit = Number.POSITIVE_INFINITY;
  for (const c of s.candidates) {
    const perToken = c.model.prices.outputMicrosPerMTok / 1_000_000;
    const left = available - costMicros(c, 0);
    if (left < 0) return 0;
    if (perToken > 0) fit = Math.min(fit, Math.floor(left / perToken));
  }
  return Number.isFinite(fit) ? Math.max(0, fit) : 0;
}

/** What the policy does for a held admission's database work. */
export interface HoldHost {
  /** Grows the hold by least(desired, room); resolves with the micro-USD granted, or null when refused. */
  extendHold(a: HeldAdmission, minMicros: number, desiredMicros: number): Promise<number | null>;
  /** The stream is cut: raise the BLOCKED alert. */
  cutOff(a: HeldAdmission): void;
  settleHold(a: HeldAdmission, actualMicros: number, usage: Usage, model: CatalogueModel | null): void;
}

/** Holds placed for one covered request; see the Admission seam in pipeline.ts. */
export class HeldAdmission implements Admission {
  heldMicros: number;
  private inflight: Promise<boolean> | null = null;
  /** An extension got less than it asked for: the budget is nearly gone, so stop extending early. */
  private short = false;
  private cut = false;
  private done = false;

  constructor(
    private readonly host: HoldHost,
    readonly id: string,
    readonly cover: Cover,
    readonly sizing: Sizing,
    /** Rate-limit slot (epoch seconds) the TPM tokens were charged to. */
    readonly slot: number,
    private readonly stepTokens: number,
    granted: number,
  ) {
    this.heldMicros = granted;
  }

  get holdsMoney(): boolean {
    return this.cover.budgets.length > 0;
  }

  extend(outputTokens: number, model: CatalogueModel): boolean | Promise<boolean> {
    if (this.cut) return false;
    if (!this.holdsMoney) return true;
    const c = this.candidate(model);
    if (this.need(c, outputTokens) <= this.heldMicros) {
      // Ask for the next step half a step early, so a stream rarely waits on the database.
      if (!this.inflight && !this.short && this.need(c, outputTokens + (this.step(outputTokens) >> 1)) > this.heldMicros) {
        void this.grow(c, outputTokens, 1);
      }
      return true;
    }
    return this.mustExtend(c, outputTokens);
  }

  settle(actualMicros: number, usage: Usage, model: CatalogueModel | null): void {
    if (this.done) return;
    this.done = true;
    this.host.settleHold(this, actualMicros, usage, model);
  }

  /** Micro-USD the hold must cover once `out` output tokens (estimated) were produced on `c`. */
  private need(c: CandidateCost, out: number): number {
    return costMicros(c, Math.min(c.cap, Math.ceil(out * OUTPUT_SAFETY) + OUTPUT_MARGIN));
  }

  /** Steps grow with the output, so a long stream needs O(log n) extensions. */
  private step(out: number): number {
    return Math.max(this.stepTokens, out);
  }

  private candidate(model: CatalogueModel): CandidateCost {
    const cs = this.sizing.candidates;
    for (const c of cs) if (c.model === model || c.model.id === model.id) return c;
    const prompt = cs.reduce((m, c) => Math.max(m, c.prompt), this.sizing.promptTokens);
    return { model, prompt, cap: model.maxOutputTokens };
  }

  private async mustExtend(c: CandidateCost, out: number): Promise<boolean> {
    for (;;) {
      if (this.inflight) await this.inflight;
      if (this.cut) return false;
      const need = this.need(c, out);
      if (need <= this.heldMicros) return true;
      if (!(await this.grow(c, out, need - this.heldMicros))) {
        this.cut = true;
        this.host.cutOff(this);
        return false;
      }
    }
  }

  private grow(c: CandidateCost, out: number, minMicros: number): Promise<boolean> {
    const desired = Math.max(minMicros, this.need(c, out + this.step(out)) - this.heldMicros);
    const p = this.host.extendHold(this, minMicros, desired).then(
      (granted) => {
        if (granted === null) {
          this.short = true;
          return false;
        }
        this.heldMicros += granted;
        if (granted < desired) this.short = true;
        return true;
      },
      () => false,
    );
    this.inflight = p.finally(() => {
      this.inflight = null;
    });
    return p;
  }
}
