using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

/// <summary>The static checks an officer sees before publishing (PolicyChecks).</summary>
public sealed class PolicyCheckTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static Policy With(Criterion criteria, params PolicyExample[] examples) => new()
    {
        Id = "chk", Title = "检查", Issuer = "测试局", Jurisdiction = "620100", Criteria = criteria, Benefit = new FixedBenefit(100_000),
        Examples = examples.ToEquatableArray(),
    };

    private static IReadOnlyList<(string Code, string Path)> Findings(Policy policy) =>
        [.. PolicyChecks.Run(policy, Today).Where(f => !f.Code.StartsWith("examples.", StringComparison.Ordinal)).Select(f => (f.Code, f.Path))];

    [Fact]
    public void Conditions_of_one_all_that_cannot_hold_together_are_a_contradiction()
    {
        var policy = With(All(Leaf("employees", Op.Lt, 10), Leaf("employees", Op.Gt, 50)));
        Assert.Equal([("all.contradiction", "criteria")], Findings(policy));
        Assert.Empty(Findings(With(All(Leaf("employees", Op.Ge, 10), Leaf("employees", Op.Le, 50)))));
        Assert.Empty(Findings(With(All(Leaf("employees", Op.Ge, 10), Leaf("employees", Op.Le, 10))))); // exactly 10: fine
        Assert.Equal([("all.contradiction", "criteria.all[1]")],
            Findings(With(All(Leaf("region", Op.Under, "620100"), All(Leaf("scale", Op.In, "micro", "small"), Leaf("scale", Op.Eq, "large"))))));
    }

    [Fact]
    public void Conditions_that_cannot_be_false_or_true_given_the_field_are_named()
    {
        Assert.Equal([("condition.never_true", "criteria")], Findings(With(Leaf("employees", Op.Lt, 0))));
        Assert.Equal([("condition.never_false", "criteria")], Findings(With(Leaf("annual_revenue", Op.Ge, 0))));
        Assert.Empty(Findings(With(Leaf("annual_revenue", Op.Ge, 1))));
        Assert.Equal([("condition.never_false", "criteria")], Findings(With(Leaf("scale", Op.In, "micro", "small", "medium", "large"))));
        Assert.Equal([("condition.never_true", "criteria")], Findings(With(Leaf("scale", Op.NotIn, "micro", "small", "medium", "large"))));
        // Either side of a threshold, in one any: always true for anyone with the fact.
        Assert.Equal([("any.always_true", "criteria")], Findings(With(Any(Leaf("employees", Op.Lt, 10), Leaf("employees", Op.Ge, 10)))));
        Assert.Empty(Findings(With(Any(Leaf("employees", Op.Lt, 10), Leaf("employees", Op.Gt, 10))))); // 10 itself is left out
    }

    [Fact]
    public void Examples_must_see_each_condition_true_and_false()
    {
        var criteria = All(Leaf("employees", Op.Ge, 10), Leaf("region", Op.Under, "620100"));
        var none = PolicyChecks.Run(With(criteria), Today);
        Assert.Contains(none, f => f.Code == "examples.none");

        // Both examples are in Lanzhou: the region condition is never seen false.
        var lanzhou = Profile() with { Region = "620102" };
        var policy = With(criteria,
            new PolicyExample("大", lanzhou with { Employees = 20 }, Today, EligibilityStatus.Eligible),
            new PolicyExample("小", lanzhou with { Employees = 3 }, Today, EligibilityStatus.Ineligible));
        var findings = PolicyChecks.Run(policy, Today);
        Assert.Equal([("examples.never_false", "criteria.all[1]")], findings.Select(f => (f.Code, f.Path)));
        Assert.Contains("所在地区", findings[0].Message);

        var covered = policy with { Examples = policy.Examples.Append(new PolicyExample("外地", Profile() with { Region = "620402", Employees = 20 }, Today, EligibilityStatus.Ineligible)).ToEquatableArray() };
        Assert.Empty(PolicyChecks.Run(covered, Today));
    }

    [Fact]
    public void A_window_that_has_ended_is_named()
    {
        var policy = With(Leaf("employees", Op.Ge, 10)) with { EffectiveTo = new DateOnly(2026, 5, 31) };
        Assert.Contains(("window.ended", "effectiveTo"), Findings(policy));
        Assert.DoesNotContain(("window.ended", "effectiveTo"), Findings(policy with { EffectiveTo = Today }));
    }
}
