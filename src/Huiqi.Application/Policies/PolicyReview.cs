using Huiqi.Application.Callers;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;

namespace Huiqi.Application.Policies;

/// <summary>
/// A policy read over before it is published (API.md <c>POST /v1/policies/check</c>; publish runs the same as warnings):
/// the domain's static checks (<see cref="PolicyChecks"/>) and, over the population, the rivals of its exclusion group
/// whose criteria accept the same enterprises. Staff governing the policy's jurisdiction, and admin.
/// </summary>
public sealed class PolicyReview(EligibilityIndex index, TimeProvider clock)
{
    public IReadOnlyList<PolicyFinding> Check(Caller caller, string policyJson, DateOnly? asOf)
    {
        PolicyWorkflow.RequireWriter(caller);
        var document = PolicyDocuments.Parse(policyJson, null);
        if (!caller.Governs(document.Policy.Jurisdiction))
        {
            throw new AccessDeniedException();
        }

        return Findings(document.Policy, asOf ?? Domain.Common.Dates.TodayInChina(clock));
    }

    /// <summary>The checks of a policy the caller may already write (a draft being published).</summary>
    public IReadOnlyList<PolicyFinding> Findings(Policy policy, DateOnly asOf)
    {
        var findings = PolicyChecks.Run(policy, asOf).ToList();
        if (policy.ExclusionGroup is not { } group)
        {
            return findings;
        }

        var candidate = policy with { Status = PolicyStatus.Published, EffectiveFrom = null, EffectiveTo = null };
        foreach (var rival in index.Policies.Where(p => p.ExclusionGroup == group && p.Id != policy.Id && p.IsInForce(asOf)))
        {
            try
            {
                if (index.Overlap(candidate, rival, asOf) is var count and > 0)
                {
                    findings.Add(new("exclusion.overlap", "exclusionGroup",
                        $"与同组政策“{rival.Title}”（{rival.Id}）有 {count} 家企业同时符合：就高不重复，这些企业只享受金额较高的一项"));
                }
            }
            catch (InvalidOperationException)
            {
                throw new RefusedException(RefusalKind.Aborted, "index.changed", "数据在检查期间发生变化，请重试");
            }
        }

        return findings;
    }
}
