using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Policies;

public enum PolicyStatus
{
    Draft,
    Published,
    Retired,
}

/// <summary>How often an enterprise may receive a policy's benefit: the period of the one-entitlement rule.</summary>
public enum Recurrence
{
    /// <summary>Once per published version (a new version may pay again).</summary>
    OncePerVersion,

    /// <summary>Once per calendar year (China Standard Time), whatever the version.</summary>
    Yearly,
}

/// <summary>A policy at one version (ELIGIBILITY.md §4). Published versions are immutable.</summary>
public sealed record Policy
{
    public required string Id { get; init; }
    public int Version { get; init; } = 1;
    public PolicyStatus Status { get; init; } = PolicyStatus.Draft;
    public string Title { get; init; } = "";
    public string Issuer { get; init; } = "";
    public string Jurisdiction { get; init; } = "";
    public DateOnly? EffectiveFrom { get; init; }
    public DateOnly? EffectiveTo { get; init; }
    public required Criterion Criteria { get; init; }
    public required Benefit Benefit { get; init; }
    public string? ExclusionGroup { get; init; }
    public bool OncePerEnterprise { get; init; }
    public Recurrence Recurrence { get; init; } = Recurrence.OncePerVersion;
    public long? BudgetFen { get; init; }
    public EquatableArray<PolicyExample> Examples { get; init; } = EquatableArray<PolicyExample>.Empty;

    /// <summary>Published, not retired, and as_of within [effectiveFrom, effectiveTo] (either end may be open).</summary>
    public bool IsInForce(DateOnly asOf) =>
        Status == PolicyStatus.Published
        && (EffectiveFrom is null || EffectiveFrom.Value <= asOf)
        && (EffectiveTo is null || asOf <= EffectiveTo.Value);
}

/// <summary>A policy's own test: this profile on this date must give this status (and amount, when given).</summary>
public sealed record PolicyExample(string Name, EnterpriseProfile Profile, DateOnly AsOf, EligibilityStatus Expect, long? AmountFen = null);
