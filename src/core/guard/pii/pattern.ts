/**
 * Tiny regex combinators that build, from one description, both the detector (`full`) and the
 * stream hold-back test (`partial`): a regex matching every non-empty prefix of a possible match
 * that ends at the end of the text. Deriving both from one source is what keeps the streamed
 * output identical to the one-shot output: a tail is held exactly while some continuation could
 * still turn it into (part of) a match.
 */
export interface Pat {
  full: string;
  /** null: the node consumes nothing (lookaround), so no match can stop inside it. */
  partial: string | null;
  /**
   * `full` with lookaheads removed, used where a partial continues after this node: a lookahead
   * near the end of a tail judges text that has not arrived, so the partial must not trust it.
   */
  pre: string;
}

// Not "-": with the u flag an escaped "-" outside a class is a syntax error.
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A literal; `ci` makes ASCII letters case-insensitive (Node 20 has no inline `(?i:)`). */
export function lit(s: string, ci = false): Pat {
  const ch = [...s].map((c) => (ci && /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : esc(c)));
  let partial = "";
  for (let i = ch.length - 1; i >= 0; i--) partial = i === ch.length - 1 ? ch[i]! : `${ch[i]}(?:${partial})?`;
  return { full: ch.join(""), partial, pre: ch.join("") };
}

/** A raw regex piece consuming exactly one character (a class like `[0-9]`). */
export const cls = (src: string): Pat => ({ full: src, partial: src, pre: src });

/** A raw regex piece whose every prefix is itself a match of `partialSrc` (e.g. `[a-z]+` → `[a-z]+`). */
export const raw = (full: string, partial: string, pre = full): Pat => ({ full, partial, pre });

export const ahead = (src: string): Pat => ({ full: `(?=${src})`, partial: null, pre: "" });
export const notAhead = (src: string): Pat => ({ full: `(?!${src})`, partial: null, pre: "" });
export const behind = (src: string): Pat => ({ full: `(?<=${src})`, partial: null, pre: `(?<=${src})` });
export const notBehind = (src: string): Pat => ({ full: `(?<!${src})`, partial: null, pre: `(?<!${src})` });

export function seq(...ps: Pat[]): Pat {
  const full = ps.map((p) => p.full).join("");
  // P(a b c) = P(a) | a P(b) | a b P(c); zero-width nodes are no stop points, lookbehinds ride along.
  const alts: string[] = [];
  let prefix = "";
  for (const p of ps) {
    if (p.partial !== null) alts.push(prefix + p.partial);
    prefix += p.pre;
  }
  return { full, partial: alts.length ? (alts.length === 1 ? alts[0]! : `(?:${alts.join("|")})`) : null, pre: prefix };
}

export function alt(...ps: Pat[]): Pat {
  const partials = ps.map((p) => p.partial).filter((p): p is string => p !== null);
  return {
    full: `(?:${ps.map((p) => p.full).join("|")})`,
    partial: partials.length ? `(?:${partials.join("|")})` : null,
    pre: `(?:${ps.map((p) => p.pre).join("|")})`,
  };
}

/** `p` repeated min..max times (max Infinity allowed). Keep `p` unambiguous to avoid backtracking blow-ups. */
export function rep(p: Pat, min: number, max: number): Pat {
  const q = max === Infinity ? `{${min},}` : `{${min},${max}}`;
  const before = max === Infinity ? "*" : max - 1 > 0 ? `{0,${max - 1}}` : "{0}";
  return {
    full: `(?:${p.full})${q}`,
    partial: p.partial === null ? null : before === "{0}" ? p.partial : `(?:${p.pre})${before}(?:${p.partial})`,
    pre: `(?:${p.pre})${q}`,
  };
}

export const opt = (p: Pat): Pat => rep(p, 0, 1);

export interface Compiled {
  full: RegExp;
  /** Anchored at the end; the leftmost match is where the hold-back starts. */
  partial: RegExp | null;
}

export function compile(p: Pat, flags = ""): Compiled {
  return {
    full: new RegExp(p.full, `g${flags}`),
    partial: p.partial === null ? null : new RegExp(`(?:${p.partial})$`, `g${flags}`),
  };
}
