import { typeBit, type Finding, type TypeMask } from "../types.js";
import { DOB_GATE, Need, PERSON_GATE, RECOGNIZERS, type Recognizer } from "./recognizers.js";

interface Ranked extends Finding {
  priority: number;
}

const SECRETISH = /sk-|sb-|[sr]k_|whsec_|AKIA|ASIA|gh[pousr]_|github_pat_|xox|xapp-|AIza|eyJ|-----BEGIN|:\/\/|pass|pwd|mdp|senha|wachtwoord|contrase|kennwort|clave|secret|token|key/i;

/** Cheap whole-text checks that let most recognizers skip texts that cannot contain their type. */
function needsMet(text: string, from: number): number {
  const t = from > 0 ? text.slice(from > 128 ? from - 128 : 0) : text;
  let met = Need.None;
  if (/[0-9]/.test(t)) met |= Need.Digit;
  if (t.includes("@")) met |= Need.At;
  if (/\p{Lu}/u.test(t)) met |= Need.Upper;
  if (SECRETISH.test(t)) met |= Need.Secretish;
  if (DOB_GATE.test(t)) met |= Need.DobWord;
  if (PERSON_GATE.test(t)) met |= Need.PersonWord;
  return met;
}

const enabled = (r: Recognizer, mask: TypeMask): boolean => (mask & typeBit(r.type)) !== 0;

/**
 * All findings of the types in `mask` that start at or after `from` (text before `from` is only
 * context). Overlaps go to the higher priority, then the longer span. Sorted by start.
 */
export function detect(text: string, mask: TypeMask, from = 0): Finding[] {
  if (mask === 0 || text.length === from) return [];
  const met = needsMet(text, from);
  const found: Ranked[] = [];
  for (const r of RECOGNIZERS) {
    if (!enabled(r, mask) || (r.needs & met) !== r.needs) continue;
    const re = r.re.full;
    re.lastIndex = from;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const s = m.index;
      let e = s + m[0].length;
      // A candidate overlapping a finding of higher priority would lose anyway: skip its validator
      // (unless the validator may shorten it, out of the overlap).
      if (!r.trims && outranked(found, r.priority, s, e)) e = -1;
      else if (r.accept) e = r.accept(text, s, e);
      if (e <= s) {
        re.lastIndex = s + 1;
        continue;
      }
      found.push({ type: r.type, start: s, end: e, priority: r.priority });
      re.lastIndex = e;
    }
  }
  return resolveOverlaps(found);
}

function outranked(found: readonly Ranked[], priority: number, s: number, e: number): boolean {
  for (const f of found) if (f.priority > priority && s < f.end && f.start < e) return true;
  return false;
}

function resolveOverlaps(found: Ranked[]): Finding[] {
  if (found.length <= 1) return found.map(({ type, start, end }) => ({ type, start, end }));
  found.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Finding[] = [];
  for (const f of found) {
    if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
    kept.push({ type: f.type, start: f.start, end: f.end });
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Where the tail of `text` that could still become (part of) a finding starts: the leftmost
 * position at or after `from` from which some continuation could complete a match of an enabled
 * type. `text.length` when nothing needs holding.
 */
export function holdStart(text: string, mask: TypeMask, from: number): number {
  let hold = text.length;
  if (mask === 0) return hold;
  for (const r of RECOGNIZERS) {
    const re = r.re.partial;
    if (re === null || !enabled(r, mask)) continue;
    re.lastIndex = from;
    const m = re.exec(text);
    if (m !== null && m.index < hold) hold = m.index;
  }
  return hold;
}
