import type { ToolCall } from "../domain/chat.js";
import type { OutputTransform } from "./pipeline.js";

/**
 * The output transform applied to tool-call arguments: each call's arguments are their own
 * stream (one transform per call index), so a card number or key the model writes into a tool
 * call is redacted like text, across any split into deltas. Remembers what the client was sent,
 * so the completion reports the same arguments.
 */
export class ToolCallOutput {
  private readonly calls = new Map<number, { t: OutputTransform | null; id: string; name: string; sent: string }>();

  constructor(private readonly out: OutputTransform | null) {}

  /** The part of `delta` (arguments of call `index`) that may be released now. */
  push(index: number, delta: string, id?: string, name?: string): string {
    let c = this.calls.get(index);
    if (!c) this.calls.set(index, (c = { t: this.out?.toolArguments?.() ?? null, id: "", name: "", sent: "" }));
    if (id) c.id = id;
    if (name) c.name = name;
    const text = c.t ? c.t.push(delta) : delta;
    c.sent += text;
    return text;
  }

  /** What each call still holds, at the end of the answer (empty ones left out). */
  flush(): { index: number; text: string }[] {
    const rest: { index: number; text: string }[] = [];
    for (const [index, c] of this.calls) {
      const text = c.t ? c.t.flush() : "";
      if (text === "") continue;
      c.sent += text;
      rest.push({ index, text });
    }
    return rest;
  }

  /** The calls as the client received them, in index order. */
  sent(): ToolCall[] {
    return [...this.calls].sort(([a], [b]) => a - b).map(([, c]) => ({ id: c.id, name: c.name, arguments: c.sent }));
  }

  /** Whole calls (a non-streamed answer), each through its own transform. */
  static whole(out: OutputTransform | null, calls: ToolCall[]): ToolCall[] {
    const fresh = out?.toolArguments?.bind(out);
    if (!fresh) return calls;
    return calls.map((c) => ({ ...c, arguments: fresh().whole(c.arguments) }));
  }
}
