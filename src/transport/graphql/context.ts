import type { Principal } from "../../core/auth/keys.js";
import { ErrorCode, GatewayError } from "../../domain/errors.js";
import type { Services } from "../services.js";

export interface GqlContext {
  principal: Principal;
  services: Services;
  /** Aborted when the HTTP client disconnects or the WebSocket closes. */
  signal?: AbortSignal | undefined;
  /** W3C traceparent header of the HTTP request, when given. */
  traceparent?: string | undefined;
}

export function requireAdmin(ctx: GqlContext): void {
  if (ctx.principal.role !== "ADMIN") throw new GatewayError(ErrorCode.FORBIDDEN, "this operation needs an ADMIN key");
}

/** Admins see everything; members only what belongs to their own user. */
export function requireSelfOrAdmin(ctx: GqlContext, userId: string): void {
  if (ctx.principal.role !== "ADMIN" && ctx.principal.userId !== userId) {
    throw new GatewayError(ErrorCode.FORBIDDEN, "members may only see their own data");
  }
}
