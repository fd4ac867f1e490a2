import { messageText, type ChatRequest } from "../../domain/chat.js";
import type { RequestKind } from "../pipeline.js";

/**
 * CODE vs TEXT: a fast, deterministic scoring of the prompt, so rules can send programming work
 * to a model that is good at it. No model, no randomness: the same text always gets the same kind.
 *
 * What is scored: the text of the system and user messages (assistant turns and tool results are
 * left out: they echo the model, not the ask); of a prompt over 2 KB, its first and last KB.
 * A prompt is CODE when its score reaches 3. Points:
 *   3  a fenced block (```), a stack trace (`Traceback (most recent call last)`, an indented
 *      `at …` frame, `SomethingError:`/`SomethingException:`), a shebang, `#include`, `<?php`
 *   1  each line that reads as code: it starts with a keyword as code writes it (def, class, import,
 *      function, const, return, fn, SELECT, UPDATE…; `if (`, `for (`…) or ends with `;`, `{` or `}`; at most 4
 *   2  a programming language, tool or format named as a word (python, typescript, sql, regex, git, docker, css…), once
 *   1  each distinct programming term (function, variable, bug, compile, refactor, endpoint, port, deploy…), at most 3
 *   1  inline `code` in backticks; 1 a call like `parse(x)`; 1 an identifier in camelCase or snake_case (once each)
 *   2  operator density: more than 4 % of the characters are brackets, `;`, `=`, `<` or `>` (texts over 40 characters)
 * So "Write a Python function that reverses a list" (2 + 1) is CODE and "What is the function of the
 * liver?" (1) is TEXT. Examples of both are in test/unit/routing-classify.test.ts.
 *
 * It is one pass over at most 2 KB of characters with hashed word lookups (no regular expressions),
 * and stops as soon as the score reaches the threshold; see bench/routing.ts for its cost.
 */
export function classifyRequest(req: ChatRequest): RequestKind {
  return codeScore(promptText(req)) >= CODE_THRESHOLD ? "CODE" : "TEXT";
}

export const CODE_THRESHOLD = 3;
/** Characters scored from each end of a longer prompt. */
const HALF = 1024;

const scored = (role: string): boolean => role === "user" || role === "system";
const textOf = (m: ChatRequest["messages"][number]): string => (typeof m.content === "string" ? m.content : messageText(m));

/**
 * The system and user text, joined by newlines; when longer than 2 KB, its first and last KB
 * (where the instruction and the question usually are), so the cost is bounded for any prompt.
 */
export function promptText(req: ChatRequest): string {
  const msgs = req.messages;
  let total = 0;
  let only: string | undefined;
  let count = 0;
  for (const m of msgs) {
    if (!scored(m.role)) continue;
    const t = textOf(m);
    total += t.length + 1;
    only = t;
    count++;
  }
  if (count === 1 && total - 1 <= 2 * HALF) return only!;
  if (total <= 2 * HALF) return msgs.filter((m) => scored(m.role)).map(textOf).join("\n");
  let head = "";
  for (let i = 0; i < msgs.length && head.length < HALF; i++) {
    const m = msgs[i]!;
    if (scored(m.role)) head += (head ? "\n" : "") + textOf(m).slice(0, HALF - head.length);
  }
  let tail = "";
  for (let i = msgs.length - 1; i >= 0 && tail.length < HALF; i--) {
    const m = msgs[i]!;
    if (!scored(m.role)) continue;
    const t = textOf(m);
    const need = HALF - tail.length;
    tail = (t.length > need ? t.slice(t.length - need) : t) + (tail ? "\n" + tail : "");
  }
  return `${head}\n${tail}`;
}

const LANGUAGES = [
  "python", "javascript", "typescript", "java", "kotlin", "golang", "rust", "ruby", "php", "swift", "scala", "haskell", "perl",
  "bash", "powershell", "sql", "postgres", "postgresql", "mysql", "sqlite", "regex", "regexp", "html", "css", "json", "yaml",
  "graphql", "dockerfile", "docker", "kubernetes", "kubectl", "terraform", "npm", "pip", "webpack", "react", "nodejs", "django",
  "flask", "pandas", "numpy", "git", "cpp", "csharp",
];
const TERMS = [
  "function", "functions", "method", "methods", "variable", "variables", "bug", "bugs", "debug", "debugging", "compile", "compiler",
  "compiling", "refactor", "refactoring", "exception", "exceptions", "algorithm", "algorithms", "code", "script", "endpoint", "syntax",
  "recursion", "array", "hashmap", "api", "sdk", "repository", "rebase", "segfault", "runtime", "div", "flexbox", "query", "schema",
  "class", "classes", "loop", "boolean", "integer", "string", "compose", "container", "localhost", "port", "server", "database",
  "deploy", "deployment", "install", "installed", "installing", "config", "configuration", "build",
];
/** Two-word terms, keyed by their first word. */
const BIGRAMS = new Map([["unit", "test"], ["stack", "trace"], ["linked", "list"], ["shell", "script"], ["merge", "conflict"], ["null", "pointer"], ["source", "code"], ["hash", "map"]]);
/** Case-sensitive: how code starts a line, not how a sentence does ("Return the book" is not code). */
const LINE_KEYWORDS = new Set([
  "def", "class", "import", "function", "const", "let", "var", "public", "private", "protected", "static", "return", "package",
  "func", "fn", "struct", "impl", "interface", "enum", "async", "await", "export", "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER",
]);
const CONTROL = new Set(["if", "for", "while", "switch"]);

/** No table word is longer; longer words are not looked up. */
const MAX_WORD = 13;
const LANGUAGE = 1;
const TERM = 2;
const BIGRAM = 3;
const WORDS = new Map<string, number>();
for (const w of LANGUAGES) WORDS.set(w, LANGUAGE);
for (const w of TERMS) WORDS.set(w, TERM);
for (const w of BIGRAMS.keys()) if (!WORDS.has(w)) WORDS.set(w, BIGRAM);

/**
 * Words are hashed while they are scanned (lower-cased, ×31), so the common miss is an integer
 * lookup with no string made; a hit is confirmed against WORDS.
 */
function hashOf(w: string): number {
  let h = 0;
  for (let i = 0; i < w.length; i++) h = (Math.imul(h, 31) + w.charCodeAt(i)) | 0;
  return h;
}
const HASHES = new Set<number>([...WORDS.keys(), ...BIGRAMS.values()].map(hashOf));
const NODE = hashOf("node");

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isWordChar = (c: number): boolean => isLower(c) || isUpper(c) || (c >= 48 && c <= 57) || c === 95;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13;
const endsCodeLine = (c: number): boolean => c === 59 || c === 123 || c === 125;

function strong(text: string): boolean {
  return (
    text.includes("```") ||
    text.includes("Traceback (most recent call last)") ||
    text.includes("\n    at ") ||
    text.includes("\n\tat ") ||
    text.includes("#include") ||
    text.includes("<?php") ||
    text.startsWith("#!/") ||
    text.includes("\n#!/")
  );
}

export function codeScore(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  if (strong(text)) return CODE_THRESHOLD;
  let codeLines = 0;
  let language = false;
  let terms = 0;
  let term1 = "";
  let term2 = "";
  let backticks = 0;
  let call = false;
  let identifier = false;
  let symbols = 0;
  let lineStart = true;
  let lastNonSpace = 10;
  let prevWord = "";
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isWordChar(c)) {
      if (c === 10) {
        if (endsCodeLine(lastNonSpace)) codeLines++;
        lastNonSpace = 10;
        lineStart = true;
      } else if (!isSpace(c)) {
        if (c === 123 || c === 125 || c === 91 || c === 93 || c === 40 || c === 41 || c === 59 || c === 61 || c === 60 || c === 62) symbols++;
        else if (c === 96) backticks++;
        lastNonSpace = c;
        // Punctuation first on a line (a bullet, a quote) means the line does not start with a keyword.
        lineStart = false;
      }
      i++;
      continue;
    }
    const start = i;
    let h = 0;
    let upperInside = false;
    let underscoreInside = false;
    for (; i < n; i++) {
      const w = text.charCodeAt(i);
      if (!isWordChar(w)) break;
      if (isUpper(w)) {
        if (i > start) upperInside = true;
        h = (Math.imul(h, 31) + w + 32) | 0;
      } else {
        if (w === 95 && i > start && i + 1 < n && isLower(text.charCodeAt(i + 1))) underscoreInside = true;
        h = (Math.imul(h, 31) + w) | 0;
      }
    }
    const len = i - start;
    const next = i < n ? text.charCodeAt(i) : 0;
    const first = text.charCodeAt(start);
    lastNonSpace = text.charCodeAt(i - 1);
    if (!identifier && isLower(first) && (upperInside || underscoreInside)) identifier = true;
    // `TypeError:` / `NullPointerException:` open a stack trace.
    if (next === 58 && isUpper(first) && (text.endsWith("Error", i) || text.endsWith("Exception", i)) && len > 6) return CODE_THRESHOLD;
    if (!call && next === 40 && closesOnLine(text, i)) call = true;
    if (lineStart) {
      lineStart = false;
      if (len <= 9) {
        const raw = text.slice(start, i);
        if (LINE_KEYWORDS.has(raw) || (CONTROL.has(raw) && opensParen(text, i))) codeLines++;
      }
    }
    let termWord = "";
    if (len === 1 && (first === 99 || first === 67) && (next === 43 || next === 35)) language = true; // C++, C#
    else if (h === NODE && text.startsWith(".js", i)) language = true;
    else if (len <= MAX_WORD && HASHES.has(h)) {
      const lower = text.slice(start, i).toLowerCase();
      const kind = WORDS.get(lower);
      if (kind === LANGUAGE) language = true;
      else if (kind === TERM) termWord = lower;
      if (prevWord !== "" && BIGRAMS.get(prevWord) === lower) termWord = prevWord;
      prevWord = kind === BIGRAM ? lower : "";
    } else prevWord = "";
    if (termWord !== "" && terms < 3 && termWord !== term1 && termWord !== term2) {
      terms++;
      if (terms === 1) term1 = termWord;
      else term2 = termWord;
    }
    // Points only ever add up: once CODE is certain, the rest of the text cannot change it.
    if (Math.min(codeLines, 4) + (language ? 2 : 0) + terms + (call ? 1 : 0) + (identifier ? 1 : 0) >= CODE_THRESHOLD) return CODE_THRESHOLD;
  }
  if (endsCodeLine(lastNonSpace)) codeLines++;
  let score = Math.min(codeLines, 4) + (language ? 2 : 0) + terms;
  if (backticks >= 2) score++;
  if (call) score++;
  if (identifier) score++;
  if (score < CODE_THRESHOLD && n > 40 && symbols / n > 0.04) score += 2;
  return score;
}

/** `if (`: the keyword is followed, after optional spaces, by a parenthesis. */
function opensParen(text: string, i: number): boolean {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 40;
}

/** `name(` … `)` on the same line, within 80 characters and with no nested parenthesis. */
function closesOnLine(text: string, i: number): boolean {
  const end = Math.min(text.length, i + 82);
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 41) return true;
    if (c === 10 || c === 40) return false;
  }
  return false;
}
