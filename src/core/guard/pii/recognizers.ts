import type { PiiType } from "../types.js";
import { ahead, alt, behind, cls, compile, lit, notAhead, notBehind, opt, raw, rep, seq, startsWith, wordSet, type Compiled, type Pat } from "./pattern.js";
import { DOB_TRIGGERS, FIRST_NAMES, MONTHS, NOT_SURNAMES, PARTICLES, PERSON_TRIGGERS, PHONE_CONTEXT, SSN_CONTEXT, WEAK_PERSON_TRIGGERS } from "./names.js";
import { IBAN_COUNTRIES, ibanLength, validCard, validEmailDomain, validIpv4, validIpv6, validPhone, validSecretValue, validSsn } from "./validators.js";

/**
 * The recognizer table (Presidio's shape): a pattern, an optional validator, a priority for
 * overlaps. Each pattern is built once with the combinators so the stream hold-back test is
 * derived from the very same description as the detector.
 */
export interface Recognizer {
  type: PiiType;
  re: Compiled;
  /** Higher wins when two findings overlap. */
  priority: number;
  /** Pre-checks that must all pass before scanning. */
  gates: readonly RegExp[];
  /** End of the accepted finding (may trim the greedy match), or -1 to reject it. */
  accept?: (text: string, start: number, end: number) => number;
  /** `accept` may end the finding before the regex match does. */
  trims?: true;
  /** Where matches can start, when that is cheaper to find than scanning every position. */
  starts?: Starts;
}

/**
 * anchor: every match contains a match of `re` and starts at most `back` characters before it.
 * after: every match starts within `span` characters after the end of a match of `re` (a trigger
 * its lookbehind requires), and such triggers end at most `lookback` characters before the match.
 */
export type Starts = { kind: "anchor"; re: RegExp; back: number } | { kind: "after"; re: RegExp; span: number; lookback: number };

/**
 * Cheap tests of the text near the scan that must all pass before a recognizer runs; most texts
 * fail most of them, so most recognizers never scan. Each is tested at most once per detect call.
 */
const DIGIT = /[0-9]/;
/** Every card form holds "[2-6]ddd" then, after at most one separator, four more digits. */
const CARD_GATE = /[2-6][0-9]{3}[ -]?[0-9]{4}/;
const AT = /@/;
const UPPER = /\p{Lu}/u;
/**
 * Union of the secret gates: one scan rules out all fourteen secret recognizers for most text.
 * Tested on the lowercased window (see detect.ts): a case-sensitive trie scans 2 KB in about half
 * the time of the same alternation with the i flag.
 */
export const ANY_SECRET_LOWER = new RegExp(
  wordSet(["sk-", "sb-", "k_live_", "k_test_", "whsec_", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xapp-", "aiza", "eyj", "-----begin ", "://", "pass", "pwd", "mdp", "senha", "wachtwoord", "contrase", "kennwort", "clave", "secret", "token", "apikey", "api_key", "api-key"]),
);

/** Gates for the context recognizers: every trigger contains one of these (tested in guard-pii.test). */
export const DOB_GATE = /born|birth|\bdob\b|d\.o\.b|\bgeb|n[ée]e?(?![a-z])|nacid|nacimiento|nascid|nascimento|naissance/i;
export const PERSON_GATE = new RegExp(wordSet(PERSON_TRIGGERS), "i");

const D = cls("[0-9]");
const digits = (min: number, max: number): Pat => rep(D, min, max);
/** Not inside a word. */
const B = notBehind("[\\p{L}\\p{N}_]");
/**
 * Letters and digits for the structured recognizers, which run without the u flag: V8 scans
 * non-Unicode regexes several times faster. Latin script is what sits next to these values.
 */
const LN = "A-Za-z0-9\\u00C0-\\u024F";
const BA = notBehind(`[${LN}_]`);
const ciWords = (ws: readonly string[]): string => wordSet(ws, { ci: true });
const words = (ws: readonly string[]): string => wordSet(ws);

const context = (re: RegExp, text: string, start: number): boolean => re.test(text.slice(Math.max(0, start - 48), start));

// EMAIL ---------------------------------------------------------------------------------------------
const email = seq(
  notBehind(`[${LN}_.%+-]`),
  cls("[A-Za-z0-9_%+-]"),
  rep(cls("[A-Za-z0-9._%+-]"), 0, 63),
  lit("@"),
  raw("[A-Za-z0-9](?:[A-Za-z0-9-]|\\.(?=[A-Za-z0-9])){1,253}", "[A-Za-z0-9][A-Za-z0-9.-]{0,253}", "[A-Za-z0-9][A-Za-z0-9.-]{1,253}"),
);

// PHONE ---------------------------------------------------------------------------------------------
const phone = seq(notBehind(`[${LN}_+(]`), opt(alt(lit("+"), lit("("))), D, rep(cls("[0-9 ().\\/-]"), 5, 22), D, notAhead("[0-9]"));

// CREDIT_CARD ---------------------------------------------------------------------------------------
const sepGroups = (sep: string): Pat =>
  alt(
    seq(digits(4, 4), lit(sep), digits(4, 4), lit(sep), digits(4, 4), lit(sep), digits(1, 4), opt(seq(lit(sep), digits(1, 3)))),
    seq(digits(4, 4), lit(sep), digits(6, 6), lit(sep), digits(4, 5)),
  );
const card = seq(ahead("[2-6]"), BA, alt(seq(cls("[2-6]"), digits(12, 18)), sepGroups(" "), sepGroups("-")), notAhead("[0-9]"));

// IBAN ----------------------------------------------------------------------------------------------
const byFirst = new Map<string, string>();
for (const c of IBAN_COUNTRIES) byFirst.set(c[0]!, (byFirst.get(c[0]!) ?? "") + c[1]!);
const country = alt(...[...byFirst].map(([a, b]) => seq(lit(a), cls(`[${b}]`))));
const iban = seq(BA, country, digits(2, 2), rep(seq(opt(lit(" ")), cls("[A-Z0-9]")), 10, 30));

// US_SSN --------------------------------------------------------------------------------------------
const ssnPat = seq(BA, digits(3, 3), alt(seq(lit("-"), digits(2, 2), lit("-"), digits(4, 4)), seq(lit(" "), digits(2, 2), lit(" "), digits(4, 4)), digits(6, 6)), notAhead("[0-9]"));

// IP_ADDRESS ----------------------------------------------------------------------------------------
const octet = raw("(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])", "[0-9]{1,3}", "[0-9]{1,3}");
const ipv4 = seq(notBehind(`[${LN}_.]|\\b[vV]|\\b[vV]ersion |\\b[vV]er\\. ?`), octet, lit("."), octet, lit("."), octet, lit("."), octet, notAhead("\\.?[0-9]"));
const ipv6 = seq(
  notBehind(`[${LN}_:]`),
  raw("(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}", "(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){0,7}|:(?::?[0-9A-Fa-f]{0,4}){0,7})", "[0-9A-Fa-f:]{2,39}"),
  notAhead(`[${LN}_:]`),
);

// SECRET --------------------------------------------------------------------------------------------
const tokenChars = (c: string, min: number, max = 512): Pat => rep(cls(c), min, max);
const secretPats: [Pat, RegExp][] = [
  [seq(BA, alt(lit("sk-"), lit("sb-")), tokenChars("[A-Za-z0-9_-]", 20)), /\b(?:sk|sb)-/],
  [seq(BA, alt(lit("sk_"), lit("rk_")), alt(lit("live_"), lit("test_")), tokenChars("[A-Za-z0-9]", 16)), /k_(?:live|test)_/],
  [seq(BA, lit("whsec_"), tokenChars("[A-Za-z0-9]", 20)), /whsec_/],
  [seq(BA, alt(lit("AKIA"), lit("ASIA")), tokenChars("[A-Z0-9]", 16, 16), notAhead("[A-Za-z0-9]")), /A[KS]IA/],
  [seq(BA, lit("gh"), cls("[pousr]"), lit("_"), tokenChars("[A-Za-z0-9]", 36, 255)), /gh[pousr]_/],
  [seq(BA, lit("github_pat_"), tokenChars("[A-Za-z0-9_]", 22, 255)), /github_pat_/],
  [seq(BA, lit("xox"), cls("[abposr]"), lit("-"), tokenChars("[A-Za-z0-9-]", 10)), /xox[abposr]-/],
  [seq(BA, lit("xapp-"), tokenChars("[A-Za-z0-9-]", 10)), /xapp-/],
  [seq(BA, lit("AIza"), tokenChars("[A-Za-z0-9_-]", 35, 35)), /AIza/],
  [seq(BA, lit("eyJ"), tokenChars("[A-Za-z0-9_-]", 8, 2000), lit("."), tokenChars("[A-Za-z0-9_-]", 8, 8000), lit("."), tokenChars("[A-Za-z0-9_-]", 8, 2000)), /eyJ/],
  [seq(
    lit("-----BEGIN "),
    rep(seq(tokenChars("[A-Z0-9]", 1, 12), lit(" ")), 0, 3),
    lit("PRIVATE KEY-----"),
    raw("[\\s\\S]{0,16000}?", "[\\s\\S]{0,16000}", "[\\s\\S]{0,16000}"),
    lit("-----END "),
    rep(seq(tokenChars("[A-Z0-9]", 1, 12), lit(" ")), 0, 3),
    lit("PRIVATE KEY-----"),
  ), /-----BEGIN /],
  // The password of a connection string: scheme://user:PASSWORD@host
  [seq(
    behind("\\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|s?ftp|smtps?|https?|ldaps?)://[^\\s:/@]{1,64}:"),
    tokenChars("[^\\s@/]", 1, 128),
    ahead("@"),
  ), /:\/\//],
];
const STRONG_KV = ["password", "passwd", "pwd", "passwort", "kennwort", "mot de passe", "mdp", "contraseña", "contrasena", "clave", "wachtwoord", "senha", "client_secret", "client-secret", "api_key", "api-key", "apikey", "secret_key", "aws_secret_access_key", "access_token", "auth_token", "token"];
const WEAK_KV = ["password", "passwort", "kennwort", "mot de passe", "contraseña", "wachtwoord", "senha"];
const kvStrong = seq(behind(`\\b(?:${ciWords(STRONG_KV)})["']?[ \\t]{0,3}(?::|=>?)[ \\t]{0,3}["']?`), tokenChars("[^\\s\"'<>,;]", 4, 128));
const kvWeak = seq(behind(`\\b(?:${ciWords(WEAK_KV)})[ \\t]+(?:is|ist|est|es|é|era|was|lautet)[ \\t]+["']?`), tokenChars("[^\\s\"'<>,;]", 6, 128));

// PERSON --------------------------------------------------------------------------------------------
const NAME_CHARS = "[\\p{L}'’-]";
const nameToken = seq(cls("\\p{Lu}"), rep(cls(NAME_CHARS), 1, 30));
const stop = `(?:${words([...NOT_SURNAMES])})(?![\\p{L}'’-])`;
const particle = `(?:${words(PARTICLES)}) `;
const moreNames = (min: number, max: number): Pat => rep(seq(lit(" "), opt(raw(particle, `(?:${prefixAlternation(PARTICLES)}) ?`, particle)), notAhead(stop), nameToken), min, max);
const strongTriggers = PERSON_TRIGGERS.filter((t) => !WEAK_PERSON_TRIGGERS.has(t));
const triggerBehind = (ts: readonly string[]): Pat => behind(`(?:^|[^\\p{L}\\p{N}_])(?:${ciWords(ts)})[ \\t]{0,2}\\n?[ \\t]{0,2}`);
const firstName = raw(`(?:${words(FIRST_NAMES)})(?!\\p{L})`, `(?:${prefixAlternation(FIRST_NAMES)})`, `(?:${words(FIRST_NAMES)})`);
// Cheap one-character checks first: the trigger lookbehind then runs only where a name can start,
// in the hold-back partials too (startsWith; before a cheap start, as in personListed, it only adds work).
const nameStart = [startsWith("\\p{Lu}"), behind("[\\s:,.]")];
const personTriggered = seq(...nameStart, triggerBehind(strongTriggers), notAhead(stop), nameToken, moreNames(0, 2));
const personWeak = seq(...nameStart, triggerBehind([...WEAK_PERSON_TRIGGERS]), firstName, moreNames(0, 2));
const personListed = seq(ahead("\\p{Lu}"), B, firstName, moreNames(1, 2));

/** Every non-empty prefix of every name (the partial of the name list). */
function prefixAlternation(names: readonly string[]): string {
  return wordSet(names, { prefixes: true });
}

// ADDRESS -------------------------------------------------------------------------------------------
const capWord = seq(cls("\\p{Lu}"), rep(cls("[\\p{Ll}'’-]"), 1, 24));
const houseNo = seq(digits(1, 5), opt(cls("[A-Za-z]")));
const EN_STREET = ["Street", "St.", "St", "Avenue", "Ave.", "Ave", "Road", "Rd.", "Rd", "Boulevard", "Blvd.", "Blvd", "Lane", "Ln.", "Ln", "Drive", "Dr.", "Dr", "Court", "Ct.", "Ct", "Place", "Pl.", "Way", "Terrace", "Parkway", "Square", "Highway", "Close", "Crescent"];
const addressEn = seq(ahead("[0-9]"), B, houseNo, lit(" "), rep(seq(alt(capWord, seq(digits(1, 3), alt(lit("st"), lit("nd"), lit("rd"), lit("th")))), lit(" ")), 1, 3), raw(`(?:${words(EN_STREET)})(?![\\p{L}])`, prefixAlternation(EN_STREET), `(?:${words(EN_STREET)})`));
const DE_NL_SUFFIX = ["straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "chaussee", "straat", "laan", "plein", "gracht", "kade", "singel", "dijk", "steeg", "markt"];
// The word is taken whole (an atomic group: lookahead + backreference, so no backtracking through
// every shorter length), then its ending is checked once with a lookbehind.
const DE_NL_ENDING = `(?<=${words(DE_NL_SUFFIX.filter((x) => !x.endsWith(".")))})|(?<=str)\\.`;
const compound = raw(`\\p{Lu}(?=([\\p{Ll}ß-]{1,30}))\\1(?:${DE_NL_ENDING})`, "\\p{Lu}[\\p{Ll}ß.-]{0,40}", `\\p{Lu}[\\p{Ll}ß.-]{2,40}`);
const separateStreet = seq(capWord, lit(" "), alt(...["Straße", "Strasse", "Str.", "Weg", "Platz", "Allee", "Ring", "Damm", "Straat", "Laan", "Plein"].map((w) => lit(w))));
const euPostcode = opt(seq(lit(","), opt(lit(" ")), alt(digits(5, 5), seq(digits(4, 4), opt(lit(" ")), cls("[A-Z]"), cls("[A-Z]"))), lit(" "), capWord));
const addressDeNl = seq(ahead("\\p{Lu}"), B, alt(compound, separateStreet), lit(" "), houseNo, notAhead("[0-9]"), euPostcode);
const particleWords = (ps: string[]): Pat => opt(alt(...ps.map((p) => lit(p))));
const addressFr = seq(
  ahead("[0-9]"),
  B,
  houseNo,
  opt(alt(lit(" bis"), lit(" ter"))),
  opt(lit(",")),
  lit(" "),
  alt(...["rue", "avenue", "av.", "boulevard", "bd", "place", "chemin", "impasse", "allée", "quai", "route", "cours"].map((w) => lit(w, true))),
  lit(" "),
  particleWords(["de la ", "de l'", "de l’", "du ", "des ", "de ", "d'", "d’"]),
  capWord,
  rep(seq(cls("[ -]"), capWord), 0, 3),
  euPostcode,
);
const addressEsPt = seq(
  ahead("[ACPRTLE]"),
  B,
  alt(...["Calle", "C/", "Avenida", "Avda.", "Av.", "Plaza", "Paseo", "Camino", "Carrera", "Rua", "Travessa", "Praça", "Largo", "Estrada", "Alameda"].map((w) => lit(w))),
  lit(" "),
  particleWords(["de la ", "de las ", "de los ", "del ", "de ", "da ", "do ", "das ", "dos "]),
  capWord,
  rep(seq(lit(" "), opt(alt(lit("de "), lit("da "), lit("do "), lit("del "))), capWord), 0, 3),
  opt(lit(",")),
  lit(" "),
  opt(alt(lit("nº "), lit("n.º "), lit("nº"), lit("no "), lit("n° "), lit("número "))),
  digits(1, 5),
  notAhead("[0-9]"),
  euPostcode,
);

// DATE_OF_BIRTH -------------------------------------------------------------------------------------
// The partial accepts any word up to a month's length: a superset of month prefixes, and far smaller.
const month = raw(`(?:${ciWords(MONTHS)})\\.?`, "\\p{L}{1,10}\\.?", `(?:${ciWords(MONTHS)})\\.?`);
const year = seq(alt(lit("19"), lit("20")), digits(2, 2));
const date = alt(
  seq(digits(1, 2), cls("[./-]"), digits(1, 2), cls("[./-]"), year),
  seq(year, lit("-"), digits(2, 2), lit("-"), digits(2, 2)),
  seq(digits(1, 2), opt(lit(".")), opt(alt(lit("º"), lit("er"), lit("st"), lit("nd"), lit("rd"), lit("th"))), lit(" "), opt(lit("de ")), month, lit(" "), opt(lit("de ")), year),
  seq(month, lit(" "), digits(1, 2), opt(alt(lit("st"), lit("nd"), lit("rd"), lit("th"))), opt(lit(",")), lit(" "), year),
);
// A date starts with a digit or a month name: test that first, the trigger lookbehind only then.
const dob = seq(ahead(`[0-9]|${ciWords(MONTHS)}`), behind("[\\s:=]"), behind(`\\b(?:${ciWords(DOB_TRIGGERS)})[ \\t]{0,3}(?:[:=][ \\t]{0,3})?(?:on |the |le |el |em |am |op )?`), date, notAhead("[0-9]"));

/** A grouped number that fails the checksum may be a card followed by one more group ("… 1111 1"): try without it. */
function cardAccept(text: string, start: number, end: number): number {
  for (let e = end; e > start; ) {
    if (validCard(text.slice(start, e))) return e;
    const cut = Math.max(text.lastIndexOf(" ", e - 1), text.lastIndexOf("-", e - 1));
    if (cut <= start) return -1;
    e = cut;
  }
  return -1;
}

/** Occurrences of the triggers a lookbehind requires, found forward (cheap) instead of at every position. */
function triggerProbe(triggers: readonly string[]): RegExp {
  // Without the u flag (several times faster to scan); Latin letters stand in for \p{L} at the boundary.
  return new RegExp(`(?<![${LN}_])${wordSet(triggers, { ci: true })}`, "g");
}

function secretAccept(text: string, start: number, end: number): number {
  return end - start >= 8 ? end : -1;
}

/** Types whose patterns use no Unicode property classes (see LN). */
const STRUCTURED = new Set<PiiType>(["SECRET", "CREDIT_CARD", "IBAN", "US_SSN", "EMAIL", "IP_ADDRESS", "PHONE"]);

const mk = (type: PiiType, pat: Pat, priority: number, gates: readonly RegExp[], accept?: Recognizer["accept"], trims = false, starts?: Starts): Recognizer => ({
  type,
  re: compile(pat, STRUCTURED.has(type) ? "" : "u"),
  ...(starts ? { starts } : {}),
  priority,
  gates,
  ...(accept ? { accept } : {}),
  ...(trims ? { trims: true as const } : {}),
});

export const RECOGNIZERS: Recognizer[] = [
  ...secretPats.map(([p, gate]) => mk("SECRET", p, 100, [gate], secretAccept)),
  mk("SECRET", kvStrong, 99, [/pass|pwd|mdp|senha|wachtwoord|contrase|kennwort|clave|secret|token|api.?key/i], (t, s, e) => (validSecretValue(t.slice(s, e), true) ? e : -1)),
  mk("SECRET", kvWeak, 99, [/pass|kennwort|contrase|wachtwoord|senha/i], (t, s, e) => (validSecretValue(t.slice(s, e), false) ? e : -1)),
  mk("CREDIT_CARD", card, 90, [CARD_GATE], cardAccept, true),
  mk("IBAN", iban, 80, [DIGIT], (t, s) => {
    const n = ibanLength(t.slice(s, s + 50));
    return n > 0 ? s + n : -1;
  }, true),
  mk("US_SSN", ssnPat, 70, [DIGIT], (t, s, e) => (validSsn(t.slice(s, e), context(SSN_CONTEXT, t, s)) ? e : -1)),
  mk("EMAIL", email, 60, [AT], (t, s, e) => (validEmailDomain(t.slice(t.indexOf("@", s) + 1, e)) ? e : -1), false, { kind: "anchor", re: /@/g, back: 64 }),
  mk("IP_ADDRESS", ipv4, 50, [DIGIT], (t, s, e) => (validIpv4(t.slice(s, e)) ? e : -1)),
  // Every address has ":h{0,4}:" at its first colon, at most four hex digits after its start.
  mk("IP_ADDRESS", ipv6, 50, [/[0-9A-Fa-f]?:[0-9A-Fa-f]{0,4}:/], (t, s, e) => (validIpv6(t.slice(s, e)) ? e : -1), false, { kind: "anchor", re: /:[0-9A-Fa-f]{0,4}:/g, back: 4 }),
  mk("DATE_OF_BIRTH", dob, 40, [DIGIT, DOB_GATE], undefined, false, { kind: "after", re: triggerProbe(DOB_TRIGGERS), span: 16, lookback: 48 }),
  mk("PHONE", phone, 30, [DIGIT], (t, s, e) => (validPhone(t.slice(s, e), context(PHONE_CONTEXT, t, s)) ? e : -1)),
  mk("ADDRESS", addressEn, 20, [DIGIT, /\b(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Parkway|Square|Highway|Close|Crescent)\b/, UPPER]),
  mk("ADDRESS", addressDeNl, 20, [DIGIT, /(?:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|straat|laan|plein|gracht|kade|singel|dijk|steeg|markt) [0-9]/i, UPPER]),
  mk("ADDRESS", addressFr, 20, [/[0-9][a-z]?(?: bis| ter)?,? (?:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|allée|quai|route|cours) /i, UPPER]),
  mk("ADDRESS", addressEsPt, 20, [DIGIT, /(?:Calle|C\/|Avenida|Avda\.|Av\.|Plaza|Paseo|Camino|Carrera|Rua|Travessa|Praça|Largo|Estrada|Alameda) /, UPPER]),
  mk("PERSON", personTriggered, 10, [UPPER, PERSON_GATE], undefined, false, { kind: "after", re: triggerProbe(strongTriggers), span: 6, lookback: 40 }),
  mk("PERSON", personWeak, 10, [UPPER, PERSON_GATE], undefined, false, { kind: "after", re: triggerProbe([...WEAK_PERSON_TRIGGERS]), span: 6, lookback: 40 }),
  mk(
    "PERSON",
    personListed,
    10,
    [UPPER],
    (t, s, e) => {
      // "Paris Hilton" yes, "Will Smith" yes; but a listed name followed only by a title-cased common word is not a person.
      const last = t.slice(s, e).split(" ").at(-1) ?? "";
      return NOT_SURNAMES.has(last) ? -1 : e;
    },
    false,
    // Every match starts with a listed name: find those without the u flag (capitals are rare, so V8 skips fast).
    { kind: "anchor", re: new RegExp(`(?<![${LN}_])${words(FIRST_NAMES)}`, "g"), back: 0 },
  ),
];
