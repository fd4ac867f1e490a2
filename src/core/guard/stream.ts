import type { OutputTransform } from "../pipeline.js";
import { detect, holdStart } from "./pii/detect.js";
import type { Placeholders } from "./redact.js";
import type { Finding, PiiType, TypeMask } from "./types.js";

/** Released text kept as left context (lookbehind triggers, context words); longer than any of them. */
const CONTEXT = 160;
/** How far past a finding's end a detector's lookahead may look; a finding this close to the end waits. */
const REACH = 3;
const PLACEHOLDER = /\[[A-Z_]+_\d+\]/g;

export interface OutputOptions {
  /** Types to redact in the answer (0: none, restoration only). */
  mask: TypeMask;
  placeholders: Placeholders;
  /** Turn placeholders from the request back into the caller's values. */
  restore: boolean;
  /** Called once per redacted finding (counts for the request's findings; never the value). */
  onFinding?: (type: PiiType) => void;
  /** The text is the inside of JSON (tool-call arguments): restored values are escaped for it. */
  json?: boolean;
}

/**
 * Redacts PII in streamed text and restores the request's placeholders, across any chunking.
 * Each push releases at once every character that can no longer become part of a finding or of a
 * placeholder, and holds only the shortest tail that still could (see pii/pattern.ts); the text
 * released over a whole stream equals the one-shot result for the same text.
 */
export class StreamRedactor implements OutputTransform {
  private ctx = "";
  private pend = "";
  /** Released text before placeholders were restored (kept only when restoring). */
  private kept = "";

  constructor(private readonly o: OutputOptions) {}

  push(text: string): string {
    if (text === "") return "";
    this.pend += text;
    return this.release(false);
  }

  flush(): string {
    return this.pend === "" ? "" : this.release(true);
  }

  /** One detection pass over the whole text: a stream's push costs a hold-back scan and a second pass at flush. */
  whole(text: string): string {
    this.pend += text;
    return this.flush();
  }

  get redacted(): string | undefined {
    return this.o.restore ? this.kept : undefined;
  }

  discard(): void {
    this.ctx = "";
    this.pend = "";
  }

  toolArguments(): StreamRedactor {
    return new StreamRedactor({ ...this.o, json: true });
  }

  private release(final: boolean): string {
    const text = this.ctx + this.pend;
    const base = this.ctx.length;
    let hold = text.length;
    if (!final) {
      hold = holdStart(text, this.o.mask, base);
      if (this.o.restore && this.o.placeholders.maxLength > 0) hold = Math.min(hold, this.placeholderHold(text, base));
      // Everything new may still become PII: nothing to release, so nothing to detect yet.
      if (hold === base) return "";
    }
    const findings = this.o.mask === 0 ? [] : detect(text, this.o.mask, base);
    if (!final) {
      // A finding that crosses the hold, or ends where a lookahead cannot see far enough yet, waits whole.
      for (let i = findings.length - 1; i >= 0; i--) {
        const f = findings[i]!;
        if (f.end > hold || f.end > text.length - REACH) hold = Math.min(hold, f.start);
      }
      if (hold === base) return "";
    }
    const out = this.emit(text, findings, base, hold);
    this.ctx = text.slice(hold > CONTEXT ? hold - CONTEXT : 0, hold);
    this.pend = text.slice(hold);
    return out;
  }

  private emit(text: string, findings: readonly Finding[], from: number, to: number): string {
    let out = "";
    let kept = "";
    let at = from;
    for (const f of findings) {
      if (f.end > to) break;
      const gap = text.slice(at, f.start);
      const p = this.o.placeholders.placeholder(f.type, text.slice(f.start, f.end), false);
      out += this.restore(gap) + p;
      if (this.o.restore) kept += gap + p;
      this.o.onFinding?.(f.type);
      at = f.end;
    }
    const tail = text.slice(at, to);
    if (this.o.restore) this.kept += kept + tail;
    return out + this.restore(tail);
  }

  private restore(s: string): string {
    if (!this.o.restore || this.o.placeholders.maxLength === 0 || !s.includes("[")) return s;
    const known = this.o.placeholders.restorable;
    return s.replace(PLACEHOLDER, (p) => {
      const v = known.get(p);
      if (v === undefined) return p;
      // A placeholder in JSON sits inside a string literal: the value must not end it or break it.
      return this.o.json ? JSON.stringify(v).slice(1, -1) : v;
    });
  }

  /** Leftmost "[" whose tail is still a proper prefix of one of the request's placeholders. */
  private placeholderHold(text: string, from: number): number {
    const start = Math.max(from, text.length - this.o.placeholders.maxLength);
    for (let i = text.indexOf("[", start); i !== -1; i = text.indexOf("[", i + 1)) {
      const tail = text.slice(i);
      for (const p of this.o.placeholders.restorable.keys()) if (p.length > tail.length && p.startsWith(tail)) return i;
    }
    return text.length;
  }
}
