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
const SPACED_U = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*·]){3,}\p{L}(?![\p{L}\p{N}])/gu;
const SPACED_A = /\b(?:[a-z][ .\-_*]){3,}[a-z]\b/g;
const HYPHENATED_U = /(\p{L})-(?=\p{L})/gu;
const HYPHENATED_A = /([a-z])-(?=[a-z])/g;
const SPACES = /\s{2,}|[\t\n\r\f\v]/g;
const NON_ASCII = /[^\x00-\x7F]/;

const isB64 = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;

/** Runs of 20+ base64 characters, found in one linear pass (a regex rescans every word start). */
function base64Runs(text: string): string[] {
  const runs: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isB64(c)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 20) {
        let end = i;
        while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++;
        runs.push(text.slice(start, end));
      }
      start = -1;
    }
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
  const ascii = !NON_ASCII.test(t);
  if (!ascii) {
    t = t.normalize("NFKC").replace(ZERO_WIDTH, "").toLowerCase().replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c).normalize("NFD").replace(MARKS, "");
  } else t = t.toLowerCase();
  if (t.includes("-")) t = t.replace(ascii ? HYPHENATED_A : HYPHENATED_U, "$1");
  t = t.replace(ascii ? SPACED_A : SPACED_U, (s) => s.replace(/[ .\-_*·]/g, ""));
  return t.replace(SPACES, " ");
}

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s", "!": "i" };
const LEET_WORD = /[a-z]*[013457@$!][a-z013457@$!]*/g;
/** A digit or symbol inside a word: only then is de-leeting worth a pass. */
export const LEETISH = /[a-z][013457][a-z]|\b[013457][a-z]{2}/;

/** Digits and symbols standing for letters ("1gn0r3"), only inside words that also have letters. */
export function deLeet(t: string): string {
  return t.replace(LEET_WORD, (w) => (/[a-z]/.test(w) ? w.replace(/[013457@$!]/g, (c) => LEET[c] ?? c) : w));
}
