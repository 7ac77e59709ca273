using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>The answer for one enterprise over the policies in force on as_of (ELIGIBILITY.md §5).</summary>
public static class EnterpriseMatcher
{
    /// <param name="claims">The profile's self-declared fields (TRUST.md §3): each answer then says whether it rests on them.</param>
    public static IReadOnlyList<PolicyAnswer> Match(EnterpriseProfile profile, IEnumerable<Policy> policies, DateOnly asOf, bool explain = false, IReadOnlyCollection<string>? claims = null)
    {
        var inForce = policies.Where(p => p.IsInForce(asOf)).ToList();
        var answers = Resolve(inForce, profile, asOf, explain);
        if (claims is not { Count: > 0 })
        {
            return answers;
        }

        // By the definition: the same policies again with every claim absent.
        var without = Resolve(inForce, AnswerBasis.WithoutClaims(profile, claims), asOf, explain: false);
        return AnswerBasis.Apply(answers, without, inForce, claims);
    }

    private static IReadOnlyList<PolicyAnswer> Resolve(List<Policy> inForce, EnterpriseProfile profile, DateOnly asOf, bool explain)
    {
        var answers = inForce.Select(p => PolicyEvaluator.Evaluate(p, profile, asOf, explain)).ToList();
        return ExclusionGroups.Resolve(answers, i => inForce[i].ExclusionGroup);
    }
}
