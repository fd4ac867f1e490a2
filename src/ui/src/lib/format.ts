/** Display helpers. Money arrives as USD floats computed server-side from integer micro-dollars. */

const usd2 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFmt = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** Dollars with enough digits that small LLM costs do not all read "$0.00". */
export function usd(v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return "—";
  if (v === 0) return "$0.00";
  const a = Math.abs(v);
  if (a >= 0.01) return usd2.format(v);
  // micro-dollar precision: 6 decimals at most, trailing zeros trimmed
  return (v < 0 ? "-$" : "$") + a.toFixed(6).replace(/0+$/, "");
}

/** A price in USD per million tokens. */
export function perMTok(v: number | null | undefined): string {
  if (v == null) return "—";
  return `$${Number(v.toFixed(4))}`;
}

export const int = (v: number | null | undefined): string => (v == null ? "—" : intFmt.format(Math.round(v)));
export const short = (v: number | null | undefined): string => (v == null ? "—" : compact.format(v));

export function ms(v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return "—";
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  return `${v.toFixed(1)} ms`;
}

export const pct = (v: number | null | undefined, digits = 1): string => (v == null || Number.isNaN(v) ? "—" : `${(v * 100).toFixed(digits)} %`);

/** The browser's zone; every time on screen is in it unless a chart says UTC. */
export const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function zoneLabel(zone: string = localZone, at = new Date()): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" }).formatToParts(at).find((p) => p.type === "timeZoneName");
  return part ? `${zone} (${part.value})` : zone;
}

const dtFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dtShort = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

export function dateTime(iso: string | null | undefined, precise = false): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : (precise ? dtFmt : dtShort).format(d);
}

const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = (new Date(iso).getTime() - now) / 1000;
  const a = Math.abs(s);
  if (a < 45) return rtf.format(Math.round(s), "second");
  if (a < 2700) return rtf.format(Math.round(s / 60), "minute");
  if (a < 64800) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

/** `datetime-local` input value (local time, minutes) for a Date, and back. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(v: string): Date | null {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
