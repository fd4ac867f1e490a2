import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { StoredPolicy } from "../../../core/guard/types.js";
import type { GqlContext } from "../context.js";
import { requireAdmin } from "../context.js";
import {
  EffectiveGuardrailPolicy,
  GuardAction,
  GuardrailPolicy,
  GuardrailPolicyInput,
  GuardrailReport,
  InjectionAction,
  GuardScope,
  PiiType,
} from "../types/guardrails.js";

const toGql = (p: StoredPolicy): GuardrailPolicy => ({
  ...p,
  scope: p.scope as GuardScope,
  piiInput: p.piiInput as GuardAction | null,
  piiOutput: p.piiOutput as GuardAction | null,
  piiTypes: p.piiTypes as PiiType[] | null,
  injection: p.injection as InjectionAction | null,
});

@Resolver()
export class GuardrailsResolver {
  @Query(() => GuardrailReport, { description: "Runs the PII and injection detectors on any text (dry run: nothing stored, no provider called)." })
  inspect(
    @Arg("text", () => String) text: string,
    @Arg("types", () => [PiiType], { nullable: true, description: "Types to look for; all when omitted." }) types: PiiType[] | null,
    @Ctx() ctx: GqlContext,
  ): GuardrailReport {
    const r = ctx.services.guardrails.inspect(text, ctx.principal, types ?? undefined);
    return { ...r, findings: r.findings.map((f) => ({ ...f, type: f.type as PiiType })) };
  }

  @Query(() => [GuardrailPolicy], { description: "Stored guardrail policies, GLOBAL then TEAM then KEY. ADMIN." })
  guardrailPolicies(@Ctx() ctx: GqlContext): GuardrailPolicy[] {
    requireAdmin(ctx);
    return ctx.services.guardrails.policies.list().map(toGql);
  }

  @Query(() => EffectiveGuardrailPolicy, { description: "The guardrail policy in force for the calling key." })
  effectiveGuardrailPolicy(@Ctx() ctx: GqlContext): EffectiveGuardrailPolicy {
    const p = ctx.services.guardrails.policies.resolve(ctx.principal);
    return { ...p, piiInput: p.piiInput as GuardAction, piiOutput: p.piiOutput as GuardAction, piiTypes: [...p.piiTypes] as PiiType[], injection: p.injection as InjectionAction };
  }

  @Mutation(() => GuardrailPolicy, { description: "Creates or replaces the policy of one scope; effective on every instance at once. ADMIN." })
  async setGuardrailPolicy(@Arg("input", () => GuardrailPolicyInput) input: GuardrailPolicyInput, @Ctx() ctx: GqlContext): Promise<GuardrailPolicy> {
    requireAdmin(ctx);
    return toGql(await ctx.services.guardrails.policies.set(input, ctx.principal.keyId));
  }

  @Mutation(() => Boolean, { description: "Removes a policy; its scope inherits again. ADMIN." })
  async deleteGuardrailPolicy(@Arg("id", () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    requireAdmin(ctx);
    return ctx.services.guardrails.policies.delete(id);
  }
}
