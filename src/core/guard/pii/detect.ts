import { ALL_TYPES, typeBit, type Finding, type TypeMask } from "../types.js";
import { ANY_SECRET_LOWER, RECOGNIZERS, type Recognizer, type Starts } from "./recognizers.js";

interface Ranked extends Finding {
  priority: number;
}

/** The part of the text a gate looks at: the new text plus the context a lookbehind may reach. */
const gateWindow = (text: string, from: number): string => (from > 128 ? text.slice(from - 128) : text);

const enabled = (r: Recognizer, mask: TypeMask): boolean => (mask & typeBit(r.type)) !== 0;

/**
 * All findings of the types in `mask` that start at or after `from` (text before `from` is only
 * context). Overlaps go to the higher priority, then the longer span. Sorted by start.
 */
export function detect(text: string, mask: TypeMask, from = 0): Finding[] {
  if (mask === 0 || text.length === from) return [];
  const window = gateWindow(text, from);
  const passed = new Map<RegExp, boolean>();
  const gate = (g: RegExp): boolean => {
    let v = passed.get(g);
    if (v === undefined) passed.set(g, (v = g.test(window)));
    return v;
  };
  let secrets: boolean | undefined;
  const found: Ranked[] = [];
  for (const r of RECOGNIZERS) {
    if (!enabled(r, mask)) continue;
    if (r.type === "SECRET" && !(secrets ??= ANY_SECRET_LOWER.test(window.toLowerCase()))) continue;
    if (!r.gates.every(gate)) continue;
    if (r.starts) scanAtStarts(r, r.starts, text, from, found);
    else scanAll(r, text, from, found);
  }
  return resolveOverlaps(found);
}

/** Keeps or rejects one regex match; returns where the scan goes on. */
function take(r: Recognizer, text: string, s: number, end: number, found: Ranked[]): number {
  let e = end;
  // A candidate overlapping a finding of higher priority would lose anyway: skip its validator
  // (unless the validator may shorten it, out of the overlap).
  if (!r.trims && outranked(found, r.priority, s, e)) e = -1;
  else if (r.accept) e = r.accept(text, s, e);
  if (e <= s) return s + 1;
  found.push({ type: r.type, start: s, end: e, priority: r.priority });
  return e;
}

/** The plain scan: leftmost match, then on from its end (or one past a rejected start). */
function scanAll(r: Recognizer, text: string, from: number, found: Ranked[]): void {
  const re = r.re.full;
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) re.lastIndex = take(r, text, m.index, m.index + m[0].length, found);
}

/**
 * The same matches as scanAll, found faster: the regex runs (sticky) only where a match can
 * start: near an anchor every match contains ("@"), or right after a trigger it needs before it.
 */
function scanAtStarts(r: Recognizer, st: Starts, text: string, from: number, found: Ranked[]): void {
  const sticky = r.re.sticky;
  const probe = st.re;
  let p = from;
  probe.lastIndex = st.kind === "anchor" ? from : Math.max(0, from - st.lookback);
  for (let q = probe.exec(text); q !== null; q = probe.exec(text)) {
    // anchor: a match starting at s >= p contains an anchor at >= s, so it starts within `back` of the first one.
    // after: a match starts at most `span` characters after the end of a trigger.
    const lo = st.kind === "anchor" ? Math.max(p, q.index - st.back) : Math.max(p, q.index + q[0].length);
    const hi = st.kind === "anchor" ? q.index : q.index + q[0].length + st.span;
    let next = -1;
    for (let s = lo; s <= hi && s < text.length; s++) {
      sticky.lastIndex = s;
      const m = sticky.exec(text);
      if (m !== null) {
        next = take(r, text, s, s + m[0].length, found);
        break;
      }
    }
    if (next >= 0) p = next;
    else if (st.kind === "anchor") p = Math.max(p, q.index + 1);
    // Overlapping triggers ("name is" inside "my name is") each get their turn.
    probe.lastIndex = st.kind === "anchor" ? Math.max(p, q.index + 1) : q.index + 1;
  }
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
  for (const re of partialsFor(mask)) {
    re.lastIndex = from;
    const m = re.exec(text);
    if (m !== null && m.index < hold) hold = m.index;
  }
  return hold;
}

/**
 * The enabled structured types' partials (regexes without `u`) as one alternation, the others
 * as they are. The leftmost match of an alternation is the leftmost match of any of its branches,
 * so one scan gives what one scan per recognizer did: a streamed delta's hold-back test went from
 * 0.9 to 0.3 µs with the default types. The contextual types' large `u` partials stay apart:
 * joined with the rest, every type's test was slower (1.5–2.0 against 1.0 µs a delta), and
 * compiling them joined blocked the event loop for 100–140 ms (PERSON alone is 2 × 13 KB of
 * source) once per policy mask, where their own regexes are compiled at start. The joined one is built off the request path the first time a mask is seen (~6 ms: V8
 * compiles a regex on its first run); until then the recognizers' own (warm) regexes serve.
 */
const joined = new Map<TypeMask, readonly RegExp[]>();
/** Masks come from guardrail policies; a store with more distinct ones than this keeps using the recognizers' own. */
const MAX_JOINED = 16;

function partialsFor(mask: TypeMask): readonly RegExp[] {
  const j = joined.get(mask);
  if (j !== undefined) return j;
  const own = RECOGNIZERS.flatMap((r) => (r.re.partial !== null && enabled(r, mask) ? [r.re.partial] : []));
  if (joined.size < MAX_JOINED) {
    joined.set(mask, own);
    setImmediate(() => {
      // A regex that cannot be joined (the unit test joins every type) leaves the recognizers' own serving.
      try {
        joined.set(mask, joinPartials(mask));
      } catch {
        /* `own` stays */
      }
    });
  }
  return own;
}

export function joinPartials(mask: TypeMask): RegExp[] {
  const out: RegExp[] = [];
  const sources: string[] = [];
  let flags = "";
  for (const r of RECOGNIZERS) {
    const re = r.re.partial;
    if (re === null || !enabled(r, mask)) continue;
    if (re.unicode) {
      out.push(re);
      continue;
    }
    // Numbered backreferences would point at another branch's groups once joined.
    if (/\\[1-9]/.test(re.source)) throw new Error(`the ${r.type} hold-back regex has a backreference and cannot be joined`);
    sources.push(`(?:${re.source})`);
    flags = re.flags;
  }
  if (sources.length > 0) {
    const re = new RegExp(sources.join("|"), flags);
    re.exec(WARM_UP);
    out.unshift(re);
  }
  return out;
}

const WARM_UP =
  "My name is John Smith, born on 01/02/1990, Dear Mr Jones, 12 Main Street, Hauptstraße 5, 12 rue de la Paix, Calle Mayor 3, " +
  "call +49 30 901820 or (212) 555-0143, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-1234, " +
  "mail a@b.io, 10.0.0.1, 2001:db8::1, sk-abcdefghijklmnopqrstuvwxyz, password: hunter2x, postgres://u:p@h, eyJa.eyJb.c";

/**
 * Regexes compile on first use, and these are large (name lists, triggers): run every detector
 * and hold-back test once at start so the first request does not pay for it (and trip the budget).
 */
export function warmDetectors(): void {
  detect(WARM_UP, ALL_TYPES);
  // Compiling is what costs; a short text reaches every partial regex without scanning much.
  holdStart("My name is Jo", ALL_TYPES, 0);
}
