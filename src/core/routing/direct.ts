import type { ChatRequest } from "../../domain/chat.js";
import type { Principal } from "../auth/keys.js";
import type { Catalogue } from "../catalogue/index.js";
import type { RoutePlan, Router } from "../pipeline.js";
import { candidateProblem } from "../validate.js";

/** No rules: the requested model (or alias) is served directly, or the request is refused with the reason. */
export class DirectRouter implements Router {
  constructor(private readonly catalogue: Catalogue) {}

  plan(req: ChatRequest, principal: Principal): RoutePlan {
    const resolved = this.catalogue.resolve(req.model);
    const problem = candidateProblem(req, resolved, principal);
    if (problem) throw problem;
    return { rule: null, requestKind: "TEXT", candidates: [resolved] };
  }

  report(): void {}
}
