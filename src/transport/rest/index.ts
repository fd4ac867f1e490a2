import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Completion, RequestContext, StreamEvent } from "../../core/gateway.js";
import { ErrorCode, GatewayError, isGatewayError } from "../../domain/errors.js";
import { BodyTooLarge, bearer, clientGone, readBody, sendJson, tooLargeHeaders } from "../http-util.js";
import type { Services } from "../services.js";
import { sendOpenAIError } from "./errors.js";
import { toCoreRequest } from "./wire.js";

const FINISH: Record<Completion["finishReason"], string> = {
  STOP: "stop",
  LENGTH: "length",
  TOOL_CALLS: "tool_calls",
  CONTENT_FILTER: "content_filter",
  ERROR: "stop",
};

function usageJson(c: Completion) {
  return {
    prompt_tokens: c.usage.inputTokens,
    completion_tokens: c.usage.outputTokens,
    total_tokens: c.usage.totalTokens,
    prompt_tokens_details: { cached_tokens: c.usage.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: c.usage.reasoningTokens },
  };
}

function completionJson(c: Completion) {
  return {
    id: `chatcmpl-${c.id}`,
    object: "chat.completion",
    created: Math.floor(c.createdAt.getTime() / 1000),
    model: c.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: c.toolCalls.length && !c.content ? null : c.content,
          refusal: null,
          ...(c.toolCalls.length
            ? { tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } })) }
            : {}),
        },
        logprobs: null,
        finish_reason: FINISH[c.finishReason],
      },
    ],
    usage: usageJson(c),
    switchboard: { cost_usd: c.costMicroUsd / 1e6, provider: c.provider, metrics: c.metrics, attempts: c.attempts },
  };
}

function modelJson(m: { id: string; updatedAt: Date; provider: string }) {
  return { id: m.id, object: "model", created: Math.floor(m.updatedAt.getTime() / 1000), owned_by: m.provider };
}

/** OpenAI-compatible surface: same keys, same core, same usage records as GraphQL. */
export function createRestHandler(services: Services, log: Logger) {
  async function chatCompletions(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    let text: string;
    try {
      text = await readBody(req, services.config.limits.maxBodyBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: { message: e.message, type: "invalid_request_error", param: null, code: "request_too_large" } }, tooLargeHeaders);
      throw e;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, "request body is not valid JSON");
    }
    const tagHeader = req.headers["x-switchboard-tags"];
    const { req: coreReq, stream, includeUsage } = toCoreRequest(body, Array.isArray(tagHeader) ? tagHeader.join(",") : tagHeader);
    if (!stream) {
      const c = await services.gateway.complete(ctx, coreReq);
      return sendJson(res, 200, completionJson(c));
    }
    await streamCompletion(res, services.gateway.stream(ctx, coreReq), includeUsage);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const principal = await services.keys.authenticate(bearer(req.headers.authorization));
      if (path === "/v1/chat/completions") {
        if (req.method !== "POST") throw new GatewayError(ErrorCode.NOT_FOUND, "use POST /v1/chat/completions");
        return await chatCompletions(req, res, { principal, transport: "rest", signal: clientGone(req, res), traceparent: [req.headers.traceparent].flat()[0] });
      }
      if (path === "/v1/models" && req.method === "GET") {
        const data = services.catalogue
          .list()
          .filter((m) => m.enabled && (!principal.allowedModels || principal.allowedModels.includes(m.id)))
          .map(modelJson);
        return sendJson(res, 200, { object: "list", data });
      }
      // The SDKs' models.retrieve(id): ids hold a slash ("openai/gpt-4o-mini"), sent encoded or not.
      if (path.startsWith("/v1/models/") && req.method === "GET") {
        let id: string;
        try {
          id = decodeURIComponent(path.slice("/v1/models/".length));
        } catch {
          throw new GatewayError(ErrorCode.NOT_FOUND, "no such model");
        }
        const m = services.catalogue.list().find((x) => x.id === id);
        if (!m || !m.enabled || (principal.allowedModels && !principal.allowedModels.includes(m.id))) {
          throw new GatewayError(ErrorCode.NOT_FOUND, `The model '${id}' does not exist or you do not have access to it.`);
        }
        return sendJson(res, 200, modelJson(m));
      }
      throw new GatewayError(ErrorCode.NOT_FOUND, `no route for ${req.method} ${path}`);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (isGatewayError(e)) return sendOpenAIError(res, e);
      log.error({ err: e }, "unexpected error in REST handler");
      return sendOpenAIError(res, new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "internal error"));
    }
  }

  return { handle };
}

/**
 * SSE in OpenAI's chunk format. Headers wait for the first event after `start`, so a request
 * refused before any token gets a proper HTTP status instead of a 200 stream with an error in it.
 */
async function streamCompletion(res: ServerResponse, events: AsyncGenerator<StreamEvent>, includeUsage: boolean): Promise<void> {
  let r = await events.next();
  if (r.done || r.value.type !== "start") throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "stream did not start");
  const start = r.value;
  r = await events.next();
  const prefix = `data: {"id":"chatcmpl-${start.id}","object":"chat.completion.chunk","created":${Math.floor(start.createdAt.getTime() / 1000)},"model":${JSON.stringify(start.model)},"system_fingerprint":null,"choices":`;
  const suffix = includeUsage ? ',"usage":null}\n\n' : "}\n\n";
  // Headers, the role chunk and the first delta leave in one write (one syscall, one TCP segment), as do
  // the finish chunk, usage and [DONE] at the end; deltas in between go out as they come.
  res.cork();
  let held = true;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  // OpenAI opens every stream with the role and an empty content delta.
  res.write(`${prefix}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${suffix}`);
  try {
    while (!r.done) {
      const ev = r.value;
      if (ev.type === "delta") {
        res.write(`${prefix}[{"index":0,"delta":{"content":${JSON.stringify(ev.text)}},"logprobs":null,"finish_reason":null}]${suffix}`);
      } else if (ev.type === "tool_call") {
        const tc = {
          index: ev.index,
          ...(ev.id ? { id: ev.id, type: "function" } : {}),
          function: { ...(ev.name ? { name: ev.name } : {}), arguments: ev.argumentsDelta },
        };
        res.write(`${prefix}[{"index":0,"delta":{"tool_calls":[${JSON.stringify(tc)}]},"logprobs":null,"finish_reason":null}]${suffix}`);
      } else if (ev.type === "done") {
        if (!held) res.cork();
        held = true;
        const c = ev.completion;
        res.write(`${prefix}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${FINISH[c.finishReason]}"}]${suffix}`);
        if (includeUsage) res.write(`${prefix}[],"usage":${JSON.stringify(usageJson(c))}}\n\n`);
      }
      if (held && ev.type !== "done") {
        res.uncork();
        held = false;
      }
      r = await events.next();
    }
    res.write("data: [DONE]\n\n");
  } catch (e) {
    const err = isGatewayError(e) ? e : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "internal error");
    if (err.code !== ErrorCode.CLIENT_CLOSED) {
      const message = err.code === ErrorCode.INTERNAL_SERVER_ERROR ? "internal error" : err.message;
      res.write(`data: ${JSON.stringify({ error: { message, type: "server_error", param: null, code: err.code.toLowerCase() } })}\n\n`);
    }
  } finally {
    await events.return(undefined);
    res.end();
  }
}
