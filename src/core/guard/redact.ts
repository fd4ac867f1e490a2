import type { ChatMessage, ChatRequest } from "../../domain/chat.js";
import type { Finding, PiiType } from "./types.js";

/** Same value, same placeholder: card and IBAN spacing, email case do not make a new one. */
function canonical(type: PiiType, value: string): string {
  switch (type) {
    case "CREDIT_CARD":
    case "IBAN":
    case "PHONE":
    case "US_SSN":
      return value.replace(/[^0-9A-Za-z+]/g, "").toUpperCase();
    case "EMAIL":
      return value.toLowerCase();
    default:
      return value;
  }
}

/**
 * Numbered placeholders of one request (`[EMAIL_1]`), shared by input redaction, output
 * redaction and restoration so the numbering is consistent within the request.
 */
export class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<PiiType, number>();
  /** Placeholder → the caller's original text, for restoration (input values only). */
  readonly restorable = new Map<string, string>();
  /** Longest restorable placeholder, bounds the hold-back scan. */
  maxLength = 0;

  placeholder(type: PiiType, value: string, restorable: boolean): string {
    const key = `${type}\u0000${canonical(type, value)}`;
    let p = this.byValue.get(key);
    if (p === undefined) {
      const n = (this.counters.get(type) ?? 0) + 1;
      this.counters.set(type, n);
      p = `[${type}_${n}]`;
      this.byValue.set(key, p);
    }
    if (restorable && !this.restorable.has(p)) {
      this.restorable.set(p, value);
      if (p.length > this.maxLength) this.maxLength = p.length;
    }
    return p;
  }
}

/** Text with each finding replaced by its placeholder. */
export function applyFindings(text: string, findings: readonly Finding[], ph: Placeholders, restorable: boolean, from = 0, to = text.length): string {
  let out = "";
  let at = from;
  for (const f of findings) {
    if (f.start < from || f.end > to) continue;
    out += text.slice(at, f.start) + ph.placeholder(f.type, text.slice(f.start, f.end), restorable);
    at = f.end;
  }
  return out + text.slice(at, to);
}

export interface InputRedaction {
  request: ChatRequest;
  redactions: number;
  /** Type → count. */
  findings: Record<string, number>;
}

/**
 * Finds the policy's types in every message (text parts and tool-call arguments) and, when
 * `replace`, returns a copy of the request with placeholders. Messages without findings are
 * shared, not copied.
 */
export function redactRequest(req: ChatRequest, find: (text: string) => Finding[], ph: Placeholders, replace: boolean): InputRedaction {
  const findings: Record<string, number> = {};
  let redactions = 0;
  const one = (text: string): string => {
    const fs = find(text);
    if (fs.length === 0) return text;
    for (const f of fs) findings[f.type] = (findings[f.type] ?? 0) + 1;
    redactions += fs.length;
    return replace ? applyFindings(text, fs, ph, true) : text;
  };
  let changed = false;
  const messages = req.messages.map((m): ChatMessage => {
    let next: ChatMessage = m;
    if (typeof m.content === "string") {
      const c = one(m.content);
      if (c !== m.content) next = { ...m, content: c };
    } else {
      let partChanged = false;
      const parts = m.content.map((p) => {
        if (p.type !== "text") return p;
        const t = one(p.text);
        if (t === p.text) return p;
        partChanged = true;
        return { ...p, text: t };
      });
      if (partChanged) next = { ...m, content: parts };
    }
    if (m.toolCalls?.length) {
      let callsChanged = false;
      const calls = m.toolCalls.map((c) => {
        const a = one(c.arguments);
        if (a === c.arguments) return c;
        callsChanged = true;
        return { ...c, arguments: a };
      });
      if (callsChanged) next = { ...next, toolCalls: calls };
    }
    if (next !== m) changed = true;
    return next;
  });
  return { request: changed ? { ...req, messages } : req, redactions, findings };
}
