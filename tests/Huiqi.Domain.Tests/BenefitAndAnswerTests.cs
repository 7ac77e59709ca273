using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

/// <summary>ELIGIBILITY.md §3 – §5: amounts, in-force dates, 就高不重复 and missing fields.</summary>
public sealed class BenefitAndAnswerTests
{
    [Fact]
    public void Rate_is_floored_then_capped()
    {
        var rate = new RateBenefit("rd_expense", 2500);                 // 25%
        Assert.Equal(33, rate.AmountFor(Profile() with { RdExpense = 133 }, AsOf)); // 33.25 → 33
        var capped = new RateBenefit("rd_expense", 2500, 1_000_000);
        Assert.Equal(1_000_000, capped.AmountFor(Profile() with { RdExpense = 10_000_000 }, AsOf));
        Assert.Equal(250_000, capped.AmountFor(Profile() with { RdExpense = 1_000_000 }, AsOf));
    }

    [Fact]
    public void Tiers_take_the_last_step_reached_and_zero_below_the_first()
    {
        var tiers = new TierBenefit("employees", new EquatableArray<TierStep>([new(10, 100), new(50, 500), new(100, 900)]));
        Assert.Equal(0, tiers.AmountFor(Profile() with { Employees = 9 }, AsOf));
        Assert.Equal(100, tiers.AmountFor(Profile() with { Employees = 10 }, AsOf));
        Assert.Equal(100, tiers.AmountFor(Profile() with { Employees = 49 }, AsOf));
        Assert.Equal(500, tiers.AmountFor(Profile() with { Employees = 50 }, AsOf));
        Assert.Equal(900, tiers.AmountFor(Profile() with { Employees = 5000 }, AsOf));
    }

    [Fact]
    public void An_absent_benefit_field_makes_the_amount_unknown_but_the_status_stays_eligible()
    {
        var policy = Policy("p", All(), new RateBenefit("rd_expense", 1000));
        var answer = PolicyEvaluator.Evaluate(policy, Profile(), AsOf);
        Assert.Equal(EligibilityStatus.Eligible, answer.Status);
        Assert.Null(answer.AmountFen);
    }

    [Fact]
    public void Benefit_validation_names_the_bad_part()
    {
        Assert.Equal("benefit.tiers.steps[1].atLeast", Assert.Single(BenefitValidator.Validate(
            new TierBenefit("employees", new EquatableArray<TierStep>([new(10, 1), new(10, 2)])))).Path);
        Assert.Equal("benefit.rate.field", Assert.Single(BenefitValidator.Validate(new RateBenefit("region", 10))).Path);
        Assert.Empty(BenefitValidator.Validate(new FixedBenefit(20_000_000)));
    }

    [Fact]
    public void Only_published_policies_within_their_dates_are_in_force()
    {
        var policy = Policy("p", All(), new FixedBenefit(1)) with { EffectiveFrom = D("2026-01-01"), EffectiveTo = D("2026-12-31") };
        Assert.True(policy.IsInForce(D("2026-01-01")));
        Assert.True(policy.IsInForce(D("2026-12-31")));
        Assert.False(policy.IsInForce(D("2025-12-31")));
        Assert.False(policy.IsInForce(D("2027-01-01")));
        Assert.False((policy with { Status = PolicyStatus.Draft }).IsInForce(D("2026-06-01")));
        Assert.False((policy with { Status = PolicyStatus.Retired }).IsInForce(D("2026-06-01")));
        Assert.True((policy with { EffectiveFrom = null, EffectiveTo = null }).IsInForce(D("1900-01-01")));
    }

    [Fact]
    public void In_an_exclusion_group_the_highest_amount_wins()
    {
        var answers = Match(Profile(),
            Policy("srdi", All(), new FixedBenefit(300_000_00), "award"),
            Policy("giant", All(), new FixedBenefit(500_000_00), "award"),
            Policy("other", All(), new FixedBenefit(1), null));
        Assert.Equal((EligibilityStatus.Excluded, "giant"), (answers["srdi"].Status, answers["srdi"].ExcludedBy));
        Assert.Equal((EligibilityStatus.Eligible, (string?)null), (answers["giant"].Status, answers["giant"].ExcludedBy));
        Assert.Equal(EligibilityStatus.Eligible, answers["other"].Status);
    }

    [Fact]
    public void A_known_amount_beats_an_unknown_one_and_a_tie_goes_to_the_smaller_id()
    {
        var known = Match(Profile(),
            Policy("a-rate", All(), new RateBenefit("rd_expense", 100), "g"),   // unknown amount
            Policy("b-fixed", All(), new FixedBenefit(1), "g"));
        Assert.Equal("b-fixed", known["a-rate"].ExcludedBy);

        var tie = Match(Profile(),
            Policy("b", All(), new FixedBenefit(7), "g"),
            Policy("a", All(), new FixedBenefit(7), "g"),
            Policy("B", All(), new FixedBenefit(7), "g"));                     // ordinal: "B" < "a" < "b"
        Assert.Equal(EligibilityStatus.Eligible, tie["B"].Status);
        Assert.Equal("B", tie["a"].ExcludedBy);
        Assert.Equal("B", tie["b"].ExcludedBy);

        var bothUnknown = Match(Profile(),
            Policy("y", All(), new RateBenefit("employees", 1), "g"),
            Policy("x", All(), new RateBenefit("employees", 1), "g"));
        Assert.Equal("x", bothUnknown["y"].ExcludedBy);
    }

    [Fact]
    public void Ineligible_and_unknown_policies_do_not_compete()
    {
        var answers = Match(Profile() with { Region = "620102" },
            Policy("big-but-ineligible", Leaf("region", Op.Eq, "620103"), new FixedBenefit(900), "g"),
            Policy("big-but-unknown", Leaf("employees", Op.Gt, 1), new FixedBenefit(800), "g"),
            Policy("small", All(), new FixedBenefit(1), "g"));
        Assert.Equal(EligibilityStatus.Eligible, answers["small"].Status);
        Assert.Equal(EligibilityStatus.Ineligible, answers["big-but-ineligible"].Status);
        Assert.Equal(EligibilityStatus.Unknown, answers["big-but-unknown"].Status);
    }

    [Fact]
    public void Missing_fields_skip_leaves_under_a_branch_decided_anyway()
    {
        // all[unknown(x), any[unknown(y), true]] → only x is missing.
        var criteria = All(Leaf("employees", Op.Gt, 1), Any(Leaf("annual_revenue", Op.Gt, 1), Leaf("region", Op.Eq, "620102")));
        var answer = PolicyEvaluator.Evaluate(Policy("p", criteria, new FixedBenefit(1)), Profile() with { Region = "620102" }, AsOf);
        Assert.Equal(EligibilityStatus.Unknown, answer.Status);
        Assert.Equal(["employees"], answer.MissingFields);
    }

    [Fact]
    public void Missing_fields_are_sorted_deduplicated_and_name_certifications_and_the_sources_of_derived_fields()
    {
        var criteria = All(
            Leaf("tax_credit", Op.Eq, "A"),
            new CertPredicate("high_tech"),
            Leaf("age_months", Op.Ge, 12),
            Leaf("tax_credit", Op.Ne, "D"),
            Leaf("rd_ratio_bp", Op.Ge, 300));
        var answer = PolicyEvaluator.Evaluate(Policy("p", criteria, new FixedBenefit(1)), Profile() with { AnnualRevenue = 5 }, AsOf);
        Assert.Equal(["certifications", "established_on", "rd_expense", "tax_credit"], answer.MissingFields);

        var zeroRevenue = PolicyEvaluator.Evaluate(Policy("p", Leaf("rd_ratio_bp", Op.Ge, 300), new FixedBenefit(1)), Profile() with { AnnualRevenue = 0, RdExpense = 5 }, AsOf);
        Assert.Equal(["annual_revenue", "rd_expense"], zeroRevenue.MissingFields);
    }

    [Fact]
    public void Decided_answers_carry_no_missing_fields()
    {
        var criteria = Any(Leaf("employees", Op.Gt, 1), Leaf("region", Op.Eq, "620102"));
        var answer = PolicyEvaluator.Evaluate(Policy("p", criteria, new FixedBenefit(1)), Profile() with { Region = "620102" }, AsOf);
        Assert.Equal(EligibilityStatus.Eligible, answer.Status);
        Assert.Empty(answer.MissingFields);
    }

    [Fact]
    public void A_failing_example_is_named()
    {
        var policy = Policy("p", Leaf("annual_revenue", Op.Lt, 20_000_000_00L), new FixedBenefit(200_000_00)) with
        {
            Examples = new EquatableArray<PolicyExample>([
                new("小企业符合", Profile() with { AnnualRevenue = 100 }, AsOf, EligibilityStatus.Eligible, 200_000_00),
                new("大企业不符合", Profile() with { AnnualRevenue = 100 }, AsOf, EligibilityStatus.Ineligible),
                new("金额写错", Profile() with { AnnualRevenue = 100 }, AsOf, EligibilityStatus.Eligible, 100_000_00),
            ]),
        };
        var failures = PolicyExamples.Run(policy);
        Assert.Equal(["大企业不符合", "金额写错"], failures.Select(f => f.Name));
        Assert.Equal("示例“大企业不符合”预期不符合，实际为符合", failures[0].Message);
        Assert.Equal("示例“金额写错”预期金额 10万元，实际为 20万元", failures[1].Message);
    }

    internal static Policy Policy(string id, Criterion criteria, Benefit benefit, string? group = null) => new()
    {
        Id = id,
        Status = PolicyStatus.Published,
        Criteria = criteria,
        Benefit = benefit,
        ExclusionGroup = group,
    };

    private static Dictionary<string, PolicyAnswer> Match(EnterpriseProfile profile, params Policy[] policies) =>
        EnterpriseMatcher.Match(profile, policies, AsOf).ToDictionary(a => a.PolicyId);
}
