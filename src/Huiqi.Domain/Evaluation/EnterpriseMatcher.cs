using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>The answer for one enterprise over the policies in force on as_of (ELIGIBILITY.md §5).</summary>
public static class EnterpriseMatcher
{
    public static IReadOnlyList<PolicyAnswer> Match(EnterpriseProfile profile, IEnumerable<Policy> policies, DateOnly asOf, bool explain = false)
    {
        var inForce = policies.Where(p => p.IsInForce(asOf)).ToList();
        var groups = inForce.Where(p => p.ExclusionGroup is not null).ToDictionary(p => p.Id, p => p.ExclusionGroup, StringComparer.Ordinal);
        var answers = inForce.Select(p => PolicyEvaluator.Evaluate(p, profile, asOf, explain)).ToList();
        return ExclusionGroups.Resolve(answers, id => groups.GetValueOrDefault(id));
    }
}
