import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { holdStart, joinPartials } from "../../src/core/guard/pii/detect.js";
import { RECOGNIZERS } from "../../src/core/guard/pii/recognizers.js";
import { Placeholders } from "../../src/core/guard/redact.js";
import { StreamRedactor } from "../../src/core/guard/stream.js";
import { ALL_TYPES, maskOf, typeBit, type PiiType } from "../../src/core/guard/types.js";

const VALUES: [PiiType, string][] = [
  ["EMAIL", "john.doe@example.com"],
  ["EMAIL", "a.b+tag@mail.example.co.uk"],
  ["CREDIT_CARD", "4111 1111 1111 1111"],
  ["CREDIT_CARD", "5500-0000-0000-0004"],
  ["CREDIT_CARD", "378282246310005"],
  ["IBAN", "DE89 3704 0044 0532 0130 00"],
  ["IBAN", "GB82WEST12345698765432"],
  ["SECRET", "sk-proj-abcdefghijklmnopqrstuvwxyz0123"],
  ["SECRET", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx"],
  ["SECRET", "AKIAIOSFODNN7EXAMPLE"],
  ["SECRET", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
  ["US_SSN", "123-45-6789"],
  ["PHONE", "+49 30 12345678"],
  ["IP_ADDRESS", "192.168.10.20"],
];
const FILLER = ["Sure", "the", "answer", "is", "here", "Hello", "1", "42", "A", "I", "sk", "[", "]", "-", "@", "x", "e", "Mr", "4111", "DE", "+", "v", "::", "eyJ", "[EMAIL_1]", "[EMAIL_", "Maria", "postgres://u:", "my name is", "Maria Schmidt", "Dear", "John", "12", "Main Street", "Hauptstraße 5", "rue de la Paix", "Calle Mayor", "born on", "01/02/1990", "3. März 1980", "password:", "hunter2x", "van der", "Berg"];
const SEPS = [" ", ", ", ". ", "\n", " - ", ": "];

const piece = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...VALUES.map(([, v]) => v)) },
  { weight: 5, arbitrary: fc.constantFrom(...FILLER) },
);
const textArb = fc.array(fc.tuple(piece, fc.constantFrom(...SEPS)), { minLength: 1, maxLength: 14 }).map((xs) => xs.map(([p, s]) => p + s).join(""));
/** Cut points as fractions, so any chunking of any text can be drawn. */
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });

function run(text: string, cuts: number[], mask = ALL_TYPES): { chunks: string[]; whole: string; pushFlush: string } {
  const mk = () => {
    const ph = new Placeholders();
    ph.placeholder("EMAIL", "alice@corp.example", true);
    return new StreamRedactor({ mask, placeholders: ph, restore: true });
  };
  // The non-streamed path (one pass), and the same text as one chunk of a stream.
  const whole = mk().whole(text);
  const one = mk();
  const pushFlush = one.push(text) + one.flush();
  const points = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  const r = mk();
  const chunks: string[] = [];
  let at = 0;
  for (const p of [...points, text.length]) {
    chunks.push(r.push(text.slice(at, p)));
    at = p;
  }
  chunks.push(r.flush());
  return { chunks, whole, pushFlush };
}

const STRUCTURED_MASK = maskOf([...new Set(VALUES.filter(([t]) => t !== "PHONE").map(([t]) => t))]);

// The hold-back scan joins a mask's regexes off the request path, the first time it sees the mask:
// let that happen, so the properties below run on the joined regexes, as a warm gateway does.
beforeAll(async () => {
  for (const mask of [ALL_TYPES, STRUCTURED_MASK]) holdStart("x", mask, 0);
  await new Promise((r) => setImmediate(r));
});

describe("output redaction across chunk edges", () => {
  it("streams exactly the one-shot result for every chunking (fast-check)", () => {
    fc.assert(
      fc.property(textArb, cutsArb, (text, cuts) => {
        const { chunks, whole, pushFlush } = run(text, cuts);
        expect(chunks.join("")).toBe(whole);
        expect(pushFlush).toBe(whole);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400) },
    );
  });

  it("never lets a value of a redacted type through, however it is split (fast-check)", () => {
    const structured = VALUES.filter(([t]) => t !== "PHONE");
    const mask = STRUCTURED_MASK;
    fc.assert(
      fc.property(textArb, cutsArb, (text, cuts) => {
        const { chunks } = run(text, cuts, mask);
        const out = chunks.join("");
        for (const [, v] of structured) expect(out).not.toContain(v);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400) },
    );
  });

  it("splits a value one character per delta and still redacts it, restoring placeholders split the same way", () => {
    const text = "Mail john.doe@example.com or use [EMAIL_1]; card 4111 1111 1111 1111.";
    const { chunks } = run(text, [...text].map((_, i) => i / text.length));
    expect(chunks.join("")).toBe("Mail [EMAIL_2] or use alice@corp.example; card [CREDIT_CARD_1].");
  });

  it("releases text that cannot become PII at once, holding only the shortest tail", () => {
    const ph = new Placeholders();
    const r = new StreamRedactor({ mask: maskOf(["SECRET", "CREDIT_CARD"]), placeholders: ph, restore: true });
    expect(r.push("Hello there, ")).toBe("Hello there, ");
    expect(r.push("the value is s")).toBe("the value is ");
    expect(r.push("o good")).toBe("so good");
    expect(r.push(" 4111")).toBe(" ");
    expect(r.push(" 1111 1111 1111 ok")).toBe("[CREDIT_CARD_1] ok");
    expect(r.flush()).toBe("");
    const e = new StreamRedactor({ mask: maskOf(["EMAIL"]), placeholders: ph, restore: false });
    expect(e.push("write to bob")).toBe("write to ");
    expect(e.push(" now")).toBe("bob ");
    expect(e.flush()).toBe("now");
  });
});

describe("the joined hold-back regexes", () => {
  it("hold from where the leftmost of the recognizers' own partials matches (fast-check)", () => {
    const masks = [ALL_TYPES, STRUCTURED_MASK, maskOf(["SECRET", "CREDIT_CARD", "IBAN", "US_SSN"]), maskOf(["PERSON", "EMAIL"])];
    const joined = masks.map((m) => joinPartials(m));
    const each = (text: string, mask: number, from: number): number => {
      let hold = text.length;
      for (const r of RECOGNIZERS) {
        if (r.re.partial === null || (mask & typeBit(r.type)) === 0) continue;
        r.re.partial.lastIndex = from;
        const m = r.re.partial.exec(text);
        if (m !== null && m.index < hold) hold = m.index;
      }
      return hold;
    };
    fc.assert(
      fc.property(textArb, fc.double({ min: 0, max: 1, noNaN: true }), (text, f) => {
        const from = Math.floor(f * text.length);
        masks.forEach((mask, i) => {
          let hold = text.length;
          for (const re of joined[i]!) {
            re.lastIndex = from;
            const m = re.exec(text);
            if (m !== null && m.index < hold) hold = m.index;
          }
          expect(hold).toBe(each(text, mask, from));
        });
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 400) },
    );
  });
});

describe("hold-back of names found only by their trigger", () => {
  // No name list knows these names, so only the triggered PERSON recognizer's partial holds them back.
  it.each(["Hello, my name is Zorblax Quintero and I say hi.", "Thanks.\nRegards,\nXantrel Vobisky\nPatient: Quorrin"])("releases %j as the one-shot result, cut anywhere in two", (text) => {
    const mk = () => new StreamRedactor({ mask: maskOf(["PERSON"]), placeholders: new Placeholders(), restore: false });
    const whole = mk().whole(text);
    expect(whole).not.toMatch(/Zorblax|Xantrel|Quorrin/);
    for (let cut = 1; cut < text.length; cut++) {
      const r = mk();
      expect(r.push(text.slice(0, cut)) + r.push(text.slice(cut)) + r.flush(), `cut at ${cut}`).toBe(whole);
    }
  });
});

describe("tool-call arguments", () => {
  it("get their own transform: values redacted across deltas, restored values escaped for JSON", () => {
    const ph = new Placeholders();
    ph.placeholder("SECRET", 'pa"ss\\word', true);
    const text = new StreamRedactor({ mask: maskOf(["CREDIT_CARD", "SECRET"]), placeholders: ph, restore: true });
    // Text held back in the answer must not leak into, or be released by, a tool call's stream.
    expect(text.push("card 4111 ")).toBe("card ");
    const args = text.toolArguments();
    const out = ['{"pw":"[SEC', 'RET_1]","card":"4111 11', "11 1111 1111", '"}'].map((d) => args.push(d)).join("") + args.flush();
    expect(out).toBe('{"pw":"pa\\"ss\\\\word","card":"[CREDIT_CARD_1]"}');
    expect(JSON.parse(out)).toEqual({ pw: 'pa"ss\\word', card: "[CREDIT_CARD_1]" });
    expect(text.push("1111 1111 1111.") + text.flush()).toBe("[CREDIT_CARD_1].");
  });
});
