import { tracingChannel } from "node:diagnostics_channel";
import pino, { type Logger } from "pino";
import type { UsageRecord } from "../metering/usage-writer.js";

/*
 * The one log line per request, serialized here and written to the logger's own pino stream.
 *
 * Why by hand: `log.info(obj, msg)` walks the object on every call (an own-property check, a
 * serializer lookup, a stringifier lookup and a type switch per key, then the string built key by
 * key), and the caller first builds a 20-field object for it: ~8.5 µs per request in the bench's
 * gateway (~200 µs of CPU per request), against ~4.5 µs for this (destination apart). Here the fields
 * are one string with the keys as constants. Everything else comes from pino's own state for that
 * logger, read at each call: the level prefix it caches (its level formatter applied), its time
 * function, its bindings (the base fields, such as service, and a child's), its message key, its
 * line end and its stream. The bytes are those pino writes for the same object: same keys in the
 * same order, undefined dropped, null and non-finite numbers as null, strings escaped as pino's
 * `asString` does (test/unit/log-line.test.ts compares the two).
 *
 * A logger configured to transform records (mixin, formatters.log, hooks, nestedKey, msgPrefix,
 * serializers or redaction on these keys, a destination that wants pino's metadata such as
 * pino.multistream, a diagnostics_channel subscriber on pino's serialization) gets the record as an
 * object through `log.info` instead, so pino applies all of that.
 */

/**
 * The fields of the request line, in pino's form: `,"key":value` each, in this order.
 * Ids, figures and codes only: never the key, bodies, error texts (they may quote upstreams) or end-user ids.
 * `traceId` is set whenever tracing is on, sampled or not, so logs join up with the caller's trace.
 */
export function requestLogFields(r: UsageRecord, traceId: string | undefined): string {
  return (
    str(',"reqId":', r.id) +
    str(',"keyId":', r.keyId, last.keyId) +
    str(',"userId":', r.userId, last.userId) +
    str(',"teamId":', r.teamId, last.teamId) +
    str(',"transport":', r.transport, last.transport) +
    bool(',"stream":', r.stream) +
    str(',"model":', r.modelRequested, last.model) +
    str(',"servedModel":', r.modelServed, last.servedModel) +
    str(',"provider":', r.provider, last.provider) +
    str(',"status":', r.status, last.status) +
    str(',"errorCode":', r.errorCode, last.errorCode) +
    str(',"finishReason":', r.finishReason, last.finishReason) +
    num(',"attempts":', Array.isArray(r.attempts) ? r.attempts.length : 0) +
    num(',"inputTokens":', r.inputTokens) +
    num(',"outputTokens":', r.outputTokens) +
    num(',"costUsd":', r.costMicroUsd / 1e6) +
    num(',"ttftMs":', r.ttftMs) +
    num(',"itlMs":', r.itlMs) +
    num(',"latencyMs":', r.latencyMs) +
    str(',"traceId":', traceId)
  );
}

/**
 * The last value of a field and its quoted form. Most of these repeat from one request to the next
 * (a key's ids, the model, the status), and comparing with the last one costs less than the escape
 * check and the new string; the request and trace ids differ every time and are not kept.
 */
class LastQuoted {
  private value: string | undefined;
  private quoted = "";

  get(v: string): string {
    if (v !== this.value) {
      this.quoted = quote(v);
      this.value = v;
    }
    return this.quoted;
  }
}

const last = {
  keyId: new LastQuoted(),
  userId: new LastQuoted(),
  teamId: new LastQuoted(),
  transport: new LastQuoted(),
  model: new LastQuoted(),
  servedModel: new LastQuoted(),
  provider: new LastQuoted(),
  status: new LastQuoted(),
  errorCode: new LastQuoted(),
  finishReason: new LastQuoted(),
};

/** The keys `requestLogFields` writes: a serializer or redaction on any of them sends the line through pino's own path. */
export const REQUEST_LOG_KEYS = [
  "reqId",
  "keyId",
  "userId",
  "teamId",
  "transport",
  "stream",
  "model",
  "servedModel",
  "provider",
  "status",
  "errorCode",
  "finishReason",
  "attempts",
  "inputTokens",
  "outputTokens",
  "costUsd",
  "ttftMs",
  "itlMs",
  "latencyMs",
  "traceId",
] as const;

/** The pino internals read here, by their exported symbols (pino.symbols, meant for integrations). */
type Internals = Record<symbol, unknown> & {
  levels: { values: Record<string, number> };
};

type SymbolName =
  | "lsCacheSym"
  | "timeSym"
  | "chindingsSym"
  | "streamSym"
  | "messageKeySym"
  | "endSym"
  | "mixinSym"
  | "formattersSym"
  | "hooksSym"
  | "serializersSym"
  | "stringifiersSym"
  | "wildcardFirstSym"
  | "nestedKeySym"
  | "msgPrefixSym"
  | "needsMetadataGsym";
// msgPrefixSym is exported at runtime but missing from pino's typings.
const { lsCacheSym, timeSym, chindingsSym, streamSym, messageKeySym, endSym, mixinSym, formattersSym, hooksSym, serializersSym, stringifiersSym, wildcardFirstSym, nestedKeySym, msgPrefixSym, needsMetadataGsym } =
  pino.symbols as unknown as Record<SymbolName, symbol>;
/** pino traces `asJson` on this channel when someone subscribes; the direct path would bypass it. */
const asJsonChannel = tracingChannel("pino_asJson");
const INFO = 30;

/** Per logger: whether pino would write the line exactly as `writeInfo` does (fixed at the logger's creation). */
const directByLogger = new WeakMap<Logger, boolean>();
// The logger of the last call: one logger writes nearly every line, and this skips the WeakMap lookup.
let lastLogger: Logger | undefined;
let lastDirect = false;

function direct(log: Logger): boolean {
  if (log === lastLogger) return lastDirect;
  let ok = directByLogger.get(log);
  if (ok === undefined) {
    const l = log as unknown as Internals;
    const formatters = l[formattersSym] as { log?: unknown } | undefined;
    const hooks = l[hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
    const serializers = (l[serializersSym] ?? {}) as Record<string, unknown>;
    const stringifiers = (l[stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
    const stream = l[streamSym] as { write?: unknown; [k: symbol]: unknown } | undefined;
    const lsCache = l[lsCacheSym] as Record<number, string> | undefined;
    const messageKey = l[messageKeySym];
    ok =
      typeof stream?.write === "function" &&
      stream[needsMetadataGsym] !== true &&
      typeof lsCache?.[INFO] === "string" &&
      l.levels?.values?.info === INFO &&
      typeof l[timeSym] === "function" &&
      typeof l[chindingsSym] === "string" &&
      typeof l[endSym] === "string" &&
      typeof messageKey === "string" &&
      !l[mixinSym] &&
      !formatters?.log &&
      !hooks?.logMethod &&
      !hooks?.streamWrite &&
      !l[nestedKeySym] &&
      typeof l[msgPrefixSym] !== "string" &&
      !stringifiers[wildcardFirstSym] &&
      !serializers[messageKey] &&
      !stringifiers[messageKey] &&
      REQUEST_LOG_KEYS.every((k) => !serializers[k] && !stringifiers[k]);
    directByLogger.set(log, ok);
  }
  lastLogger = log;
  lastDirect = ok;
  return ok;
}

// The message part (`,"msg":"request"`) of the last call, by message key and message.
let lastMessageKey = "";
let lastMessage = "";
let lastMessagePart = "";

function messagePart(key: string, msg: string): string {
  if (key !== lastMessageKey || msg !== lastMessage) {
    lastMessagePart = `,"${key}":${quote(msg)}`;
    lastMessageKey = key;
    lastMessage = msg;
  }
  return lastMessagePart;
}

/**
 * Writes one record at info with these fields (from `requestLogFields`) and message, as
 * `log.info(fields as an object, msg)` would. The caller checks `log.isLevelEnabled("info")`.
 */
export function writeInfo(log: Logger, fields: string, msg: string): void {
  if (!direct(log) || asJsonChannel.hasSubscribers) {
    // JSON.parse keeps the keys in order and gives back exactly the values serialized.
    log.info(JSON.parse(`{${fields.slice(1)}}`) as object, msg);
    return;
  }
  const l = log as unknown as Internals;
  const line =
    (l[lsCacheSym] as Record<number, string>)[INFO]! +
    (l[timeSym] as () => string)() +
    (l[chindingsSym] as string) +
    fields +
    messagePart(l[messageKeySym] as string, msg) +
    (l[endSym] as string);
  (l[streamSym] as { write(s: string): unknown }).write(line);
}

function str(key: string, v: string | null | undefined, memo?: LastQuoted): string {
  return v === undefined ? "" : v === null ? `${key}null` : key + (memo ? memo.get(v) : quote(v));
}

function num(key: string, v: number | null | undefined): string {
  return v === undefined ? "" : v === null || !Number.isFinite(v) ? `${key}null` : key + v;
}

function bool(key: string, v: boolean | undefined): string {
  return v === undefined ? "" : key + v;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * A JSON string as pino's `asString` writes it (lib/tools.js), so the bytes match: short strings
 * without control characters get only `"` and `\` escaped, the rest JSON.stringify. The usual case
 * (nothing to escape) is one regex test, about half the cost of pino's loop over the characters.
 */
export function quote(s: string): string {
  const n = s.length;
  if (n > 100) return JSON.stringify(s);
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = "";
  let from = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32) return JSON.stringify(s);
    if (c === 34 || c === 92) {
      out += `${s.slice(from, i)}\\`;
      from = i;
    }
  }
  return out === "" ? `"${s}"` : `"${out}${s.slice(from)}"`;
}
