import type { ChatChunk, ChatResult, FinishReason, ToolCall, Usage } from "../domain/chat.js";

/** Accumulates stream chunks into a whole answer; shared by streaming and in-process providers. */
export class ChunkAccumulator {
  content = "";
  finishReason: FinishReason | undefined;
  usage: Partial<Usage> | undefined;
  model: string | undefined;
  private readonly calls: { id: string; name: string; arguments: string }[] = [];

  add(c: ChatChunk): void {
    switch (c.type) {
      case "text":
        this.content += c.text;
        break;
      case "tool_call": {
        let call = this.calls[c.index];
        if (!call) {
          call = { id: "", name: "", arguments: "" };
          this.calls[c.index] = call;
        }
        if (c.id) call.id = c.id;
        if (c.name) call.name = c.name;
        call.arguments += c.argumentsDelta;
        break;
      }
      case "usage":
        this.usage = { ...this.usage, ...c.usage };
        break;
      case "finish":
        this.finishReason = c.reason;
        break;
      case "model":
        this.model = c.model;
        break;
    }
  }

  get toolCalls(): ToolCall[] {
    return this.calls.filter((c) => c !== undefined);
  }

  result(): ChatResult {
    const toolCalls = this.toolCalls;
    return {
      content: this.content,
      toolCalls,
      finishReason: this.finishReason ?? (toolCalls.length > 0 ? "TOOL_CALLS" : "STOP"),
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.model ? { model: this.model } : {}),
    };
  }
}

export async function collect(chunks: AsyncIterable<ChatChunk>): Promise<ChatResult> {
  const acc = new ChunkAccumulator();
  for await (const c of chunks) acc.add(c);
  return acc.result();
}
