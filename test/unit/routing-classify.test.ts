import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../src/domain/chat.js";
import { classifyRequest, codeScore, promptText } from "../../src/core/routing/classify.js";

const req = (content: string, extra: ChatRequest["messages"] = []): ChatRequest => ({
  model: "auto",
  messages: [...extra, { role: "user", content }],
});

const CODE = [
  "```python\ndef add(a, b):\n    return a + b\n```\nwhy does this fail?",
  "Write a Python function that reverses a linked list",
  "TypeError: Cannot read properties of undefined (reading 'map')\n    at App (App.tsx:12:7)",
  'Traceback (most recent call last):\n  File "main.py", line 3, in <module>\n    print(x)\nNameError: name \'x\' is not defined',
  "SELECT name, count(*) FROM users GROUP BY name; why is this slow on postgres?",
  "const total = items.reduce((sum, i) => sum + i.price, 0);\nconsole.log(total);",
  "How do I center a div with CSS flexbox?",
  "git rebase or merge: which should I use for a feature branch?",
  "My regex ^\\d{3}-\\d{4}$ does not match 555-1234 in javascript",
  "Refactor this: for (int i = 0; i < n; i++) { sum += a[i]; }",
  "#include <stdio.h>\nint main() { printf(\"hi\"); }",
  "Why does getUserById return null when the user_id exists? The function queries the API.",
  "docker compose up fails with port already allocated",
  "Why does my C++ template not compile?",
  "Is node.js single-threaded? My server blocks.",
  "I get a null pointer in my linked list code",
  "def main():\n    return 0",
];

const TEXT = [
  "What is the capital of France?",
  "Write a short poem about the sea at dawn.",
  "What is the function of the liver?",
  "Summarize the plot of Pride and Prejudice in three sentences.",
  "Translate 'good morning, how are you?' into Spanish.",
  "Give me a pancake recipe: I have eggs, milk (2 cups) and flour.",
  "Should I visit Kyoto or Osaka in autumn? I like temples and food.",
  "Explain the difference between weather and climate to a ten-year-old.",
  "Draft a polite email declining a meeting invitation next Tuesday.",
  "The string quartet played Beethoven; what else did he write for strings?",
];

describe("CODE/TEXT classifier", () => {
  it.each(CODE)("CODE: %s", (prompt) => {
    expect(classifyRequest(req(prompt))).toBe("CODE");
  });

  it.each(TEXT)("TEXT: %s", (prompt) => {
    expect(classifyRequest(req(prompt))).toBe("TEXT");
  });

  it("is deterministic and ignores assistant turns", () => {
    const withCodeReply = req("thanks, that is all", [
      { role: "user", content: "hello" },
      { role: "assistant", content: "```js\nconsole.log(1);\n```" },
    ]);
    expect(classifyRequest(withCodeReply)).toBe("TEXT");
    for (const p of [...CODE, ...TEXT]) expect(codeScore(p)).toBe(codeScore(p));
  });

  it("reads a coding system prompt as CODE", () => {
    expect(classifyRequest(req("Tell me about closures", [{ role: "system", content: "You are a senior TypeScript engineer reviewing code." }]))).toBe("CODE");
  });

  it("scores the first and last KB of a long prompt: the instruction and the question, not the middle", () => {
    const prose = "The quick brown fox jumps over the lazy dog near the river bank. ".repeat(100);
    const asks = req(`Write a Python function that counts words in this text:\n${prose}`);
    expect(promptText(asks).length).toBe(2049);
    expect(promptText(asks).startsWith("Write a Python function")).toBe(true);
    expect(classifyRequest(asks)).toBe("CODE");
    expect(classifyRequest(req(`${prose}\nWhy does this throw?\n\`\`\`ts\nconst x = arr.map((a) => a * 2);\n\`\`\``))).toBe("CODE");
    const buried = req(prose.slice(0, 2000) + "```js\nlet a = 1;\n```" + prose.slice(0, 2000));
    expect(classifyRequest(buried)).toBe("TEXT");
    const multi = req("and what about this?", [
      { role: "system", content: "You answer questions about history." },
      { role: "user", content: prose },
    ]);
    expect(promptText(multi).startsWith("You answer questions about history.\nThe quick")).toBe(true);
    expect(promptText(multi).endsWith("\nand what about this?")).toBe(true);
    expect(classifyRequest(multi)).toBe("TEXT");
  });

  it("handles images-only and empty messages", () => {
    const r: ChatRequest = { model: "auto", messages: [{ role: "user", content: [{ type: "image", url: "https://x/y.png" }] }] };
    expect(classifyRequest(r)).toBe("TEXT");
  });
});
