/**
 * Normalisation before injection scoring, so that obfuscation does not hide an attack: NFKC
 * (fullwidth, ligatures), lowercase, zero-width and soft-hyphen removal, homoglyphs to Latin,
 * accents stripped (the rules are written without them), spaced-out letters joined, whitespace
 * collapsed, and base64 runs decoded and appended.
 */

const ZERO_WIDTH = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\u00AD\u180E]/g;
const HOMOGLYPHS: Record<string, string> = {
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x", і: "i", ї: "i", ј: "j", ѕ: "s", ԁ: "d", ɡ: "g", һ: "h", ӏ: "l", ԛ: "q", ԝ: "w",
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", γ: "y", ı: "i", ℓ: "l", "¡": "i",
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join("")}]`, "g");
const MARKS = /\p{M}+/gu;
/** "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e": four or more single letters joined by one separator. */
// One separator throughout a word: "i.g.n.o.r.e y.o.u.r" is two words, not one run.
const SPACED_U = /(?<![\p{L}\p{N}])\p{L}([ .\-_*·])(?:\p{L}\1){2,}\p{L}(?![\p{L}\p{N}])/gu;
const SPACED_A = /\b[a-z]([ .\-_*])(?:[a-z]\1){2,}[a-z]\b/g;
const HYPHENATED_U = /(\p{L})-(?=\p{L})/gu;
const HYPHENATED_A = /([a-z])-(?=[a-z])/g;
const SPACES = /\s{2,}|[\t\n\r\f\v]/g;
const NON_ASCII = /[^\x00-\x7F]/;
/** A letter beyond a–z (tested on non-ASCII runs only), or the middle dot: only these need the Unicode spacing patterns. */
const WIDE_LETTER = /\p{L}|·/u;
/**
 * Runs of non-ASCII characters. Unicode-property regexes scan a whole text 10–20× slower than a
 * plain class, so they are applied to these runs only (marks and letters beyond ASCII live there).
 */
const NON_ASCII_RUN = /[^\x00-\x7F]+/g;

/** Zero-width characters out, homoglyphs to Latin, accents (split off by NFKD) dropped. */
const cleanRun = (run: string): string => run.replace(ZERO_WIDTH, "").replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c).replace(MARKS, "");

function anyWideLetter(t: string): boolean {
  NON_ASCII_RUN.lastIndex = 0;
  for (let m = NON_ASCII_RUN.exec(t); m !== null; m = NON_ASCII_RUN.exec(t)) if (WIDE_LETTER.test(m[0])) return true;
  return false;
}

/** 1 for the base64 alphabet (A–Z a–z 0–9 + /), by char code. */
const B64 = new Uint8Array(128);
for (let c = 0; c < 128; c++) B64[c] = /[A-Za-z0-9+/]/.test(String.fromCharCode(c)) ? 1 : 0;

const isB64 = (c: number): boolean => c < 128 && B64[c] === 1;

/**
 * Runs of 20+ base64 characters (each with up to two "=" after it). Skips ahead: a run covering
 * position s + 19 must have no other character in between, so prose (a space every few letters)
 * costs a few reads per 20 characters instead of one per character.
 */
function base64Runs(text: string): string[] {
  const runs: string[] = [];
  const n = text.length;
  // Invariant: s is 0 or follows a character outside the alphabet, so a run found at s is maximal on the left.
  let s = 0;
  while (s + 20 <= n) {
    let q = s + 19;
    while (q >= s && isB64(text.charCodeAt(q))) q--;
    if (q >= s) {
      s = q + 1;
      continue;
    }
    let i = s + 20;
    while (i < n && isB64(text.charCodeAt(i))) i++;
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 61) end++;
    runs.push(text.slice(s, end));
    s = i + 1;
  }
  return runs;
}

function decodeBase64Runs(text: string): string {
  let extra = "";
  for (const run of base64Runs(text)) {
    if (!/[a-z]/.test(run) || !/[A-Z]/.test(run)) continue;
    const decoded = Buffer.from(run, "base64").toString("latin1");
    let printable = 0;
    for (let i = 0; i < decoded.length; i++) {
      const c = decoded.charCodeAt(i);
      if ((c >= 32 && c < 127) || c === 10) printable++;
    }
    if (decoded.length >= 8 && printable / decoded.length > 0.9) extra += " " + decoded;
  }
  return extra;
}

export function normalize(text: string): string {
  let t = text + decodeBase64Runs(text);
  // Most prompts are ASCII: skip the Unicode passes and use the cheaper ASCII-only patterns.
  let ascii = !NON_ASCII.test(t);
  if (!ascii) {
    // NFKD is NFKC then NFD in one pass: compatibility forms folded, accents split off to be dropped.
    t = t.normalize("NFKD").toLowerCase().replace(NON_ASCII_RUN, cleanRun);
    // Accented Latin is plain a–z now (dashes and quotes may remain): the ASCII patterns below then
    // find the same letters, several times faster.
    ascii = !anyWideLetter(t);
  } else t = t.toLowerCase();
  if (t.includes("-")) t = t.replace(ascii ? HYPHENATED_A : HYPHENATED_U, "$1");
  t = t.replace(ascii ? SPACED_A : SPACED_U, (s) => s.replace(/[ .\-_*·]/g, ""));
  return t.replace(SPACES, " ");
}

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "!": "i" };
// Anchored at a word start by the lookbehind, so the scan does not retry inside every word.
const LEET_WORD = /(?<![a-z013457@$!])[a-z]*[013457@$!][a-z013457@$!]*/g;
/** A digit inside a word or before two letters: a candidate for a leeted word. */
const LEET_HIT = /[a-z][013457][a-z]|\b[013457][a-z]{2}/g;
/** Tokens with digits that are not leet: hex ids and hashes, ordinals ("1st", "4th"). */
const NOT_LEET = /^(?:[0-9a-f]+|[0-9]+(?:st|nd|rd|th))$/;
const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/**
 * Whether some word looks leeted ("1gn0r3", "th3"): only then is a second rule pass over the
 * de-leeted text worth its cost. Hex ids and ordinals, common in ordinary prompts, do not count.
 */
export function leetish(t: string): boolean {
  LEET_HIT.lastIndex = 0;
  for (let m = LEET_HIT.exec(t); m !== null; m = LEET_HIT.exec(t)) {
    let s = m.index;
    let e = m.index + m[0].length;
    while (s > 0 && isWordChar(t.charCodeAt(s - 1))) s--;
    while (e < t.length && isWordChar(t.charCodeAt(e))) e++;
    if (!NOT_LEET.test(t.slice(s, e))) return true;
    LEET_HIT.lastIndex = e;
  }
  return false;
}

/** Digits and symbols standing for letters ("1gn0r3"), only inside words that also have letters. */
export function deLeet(t: string): string {
  return t.replace(LEET_WORD, (w) => (/[a-z]/.test(w) ? w.replace(/[013457@$!]/g, (c) => LEET[c] ?? c) : w));
}
