import { isIPv4, isIPv6 } from "node:net";
import { getCountrySpecifications, isValidIBAN } from "ibantools";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";

/** Luhn checksum over the digits of `s` (separators ignored). */
export function luhn(s: string): boolean {
  let sum = 0;
  let double = false;
  let n = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    n++;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return n > 0 && sum % 10 === 0;
}

export const digitsOf = (s: string): string => s.replace(/\D/g, "");

/** Issuer prefixes of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
const CARD_IIN = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6(?:011|5|4[4-9]|2)|35(?:2[89]|[3-8])|3(?:0[0-5]|[689])|5[06-9]|6\d)/;

/** Lengths the big networks issue; anything else with their prefix is not one of their cards. */
function networkLength(d: string): boolean {
  const n = d.length;
  if (/^3[47]/.test(d)) return n === 15;
  if (/^4/.test(d)) return n === 13 || n === 16 || n === 19;
  if (/^(?:5[1-5]|2[2-7])/.test(d)) return n === 16;
  return n >= 14;
}

export function validCard(s: string): boolean {
  const d = digitsOf(s);
  return d.length >= 13 && d.length <= 19 && CARD_IIN.test(d) && networkLength(d) && luhn(d) && !/^(\d)\1+$/.test(d);
}

const IBAN_SPECS = getCountrySpecifications();
/** Country codes whose IBANs ibantools knows, grouped by first letter (for the detector's regex). */
export const IBAN_COUNTRIES: string[] = Object.keys(IBAN_SPECS).filter((c) => (IBAN_SPECS[c]?.chars ?? 0) > 0);

/**
 * Returns the length (in characters of `s`, spaces included) of the valid IBAN that `s` starts
 * with, or 0. The candidate regex is greedy; the country's fixed length says where it really ends.
 */
export function ibanLength(s: string): number {
  const want = IBAN_SPECS[s.slice(0, 2)]?.chars;
  if (!want) return 0;
  let compact = "";
  let i = 0;
  for (; i < s.length && compact.length < want; i++) if (s[i] !== " ") compact += s[i];
  if (compact.length !== want || !isValidIBAN(compact)) return 0;
  return i;
}

const PHONE_REGIONS: CountryCode[] = ["US", "DE", "FR", "ES", "NL", "PT", "GB", "BE", "CH", "AT", "IT", "BR"];
const US_SHAPE = /^(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$/;
const DATE_SHAPE = /^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})$/;

/**
 * A phone candidate is kept when the numbering plan accepts it (libphonenumber-js metadata) and it
 * is written as a phone: international prefix, the North-American shape, or a phone word nearby.
 */
export function validPhone(s: string, hasContext: boolean): boolean {
  const d = digitsOf(s);
  if (d.length < 7 || d.length > 15 || DATE_SHAPE.test(s)) return false;
  if (s.startsWith("+") || s.startsWith("00")) {
    const p = parsePhoneNumberFromString(s.startsWith("00") ? "+" + s.slice(2) : s);
    return p?.isValid() ?? false;
  }
  if (!hasContext && !US_SHAPE.test(s)) return false;
  for (const r of PHONE_REGIONS) if (parsePhoneNumberFromString(s, r)?.isValid()) return true;
  return false;
}

/** SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999. */
export function validSsn(s: string, hasContext: boolean): boolean {
  const d = digitsOf(s);
  if (d.length !== 9) return false;
  const separated = /\D/.test(s);
  if (!separated && !hasContext) return false;
  const area = Number(d.slice(0, 3));
  return area > 0 && area !== 666 && area < 900 && d.slice(3, 5) !== "00" && d.slice(5) !== "0000";
}

export const validIpv4 = (s: string): boolean => isIPv4(s);
/** Real IPv6 with at least two hex groups (so "::" or "a::" in prose is not an address). */
export const validIpv6 = (s: string): boolean => isIPv6(s) && (s.match(/[0-9a-f]+/gi)?.length ?? 0) >= 2 && /\d/.test(s);

export function validEmailDomain(domain: string): boolean {
  const dot = domain.lastIndexOf(".");
  if (dot <= 0) return false;
  return /^[A-Za-z]{2,24}$/.test(domain.slice(dot + 1));
}

const PLACEHOLDER_VALUE = /^(?:\*+|x+|\.+|<[^>]*>|\$\{.*\}|\{\{.*\}\}|\[[A-Z_]+_\d+\]|null|none|undefined|required|optional|string|password|changeme|secret|\*\*\*)$/i;

/** A value after "password:" that is really a value, not a template or a word like "required". */
export function validSecretValue(v: string, strongTrigger: boolean): boolean {
  if (PLACEHOLDER_VALUE.test(v)) return false;
  if (strongTrigger) return v.length >= 4;
  // "my password is hunter2": only values that look like passwords (a digit or a symbol in them).
  return v.length >= 6 && /[\d!@#$%^&*_+=?~]/.test(v);
}
