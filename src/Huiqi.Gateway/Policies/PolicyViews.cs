using System.Text.Json;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Profiles;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Gateway.Policies;

/// <summary>A policy as a list shows it.</summary>
public sealed record PolicySummaryView(
    string Id, int Version, string Status, string Title, string Issuer, string Jurisdiction, string JurisdictionName,
    string? EffectiveFrom, string? EffectiveTo, string Summary, string? ExclusionGroup, string Etag);

/// <summary>One policy version in full: its criteria in canonical JSON (ELIGIBILITY.md §2) and as zh-CN text.</summary>
public sealed record PolicyView(
    string Id, int Version, string Status, string Title, string Issuer, string Jurisdiction, string JurisdictionName,
    string? EffectiveFrom, string? EffectiveTo, string Summary, IReadOnlyList<string> Clauses, string? SourceUrl,
    JsonElement Criteria, string CriteriaText, string CriteriaDescription, JsonElement Benefit,
    string? ExclusionGroup, bool OncePerEnterprise, string Recurrence, long? BudgetFen, string? BudgetText, JsonElement Examples,
    DateTimeOffset? CreatedAt, string CreatedBy, DateTimeOffset? PublishedAt, DateTimeOffset? RetiredAt, string Etag,
    IReadOnlyList<FindingView>? Warnings = null);

/// <summary>One thing to look at before publishing (POST /v1/policies/check; publish's <c>warnings</c>).</summary>
public sealed record FindingView(string Code, string Path, string Message);

public sealed record CheckView(IReadOnlyList<FindingView> Findings);

public sealed record ComparisonRowView(string Key, string Label, long Gained, long Lost, long AmountChanged,
    long TotalBeforeFen, string TotalBeforeText, long TotalAfterFen, string TotalAfterText);

/// <summary>A proposed version against the version in force, over the whole population (POST /v1/policies/{id}/compare).</summary>
public sealed record CompareView(
    string PolicyId, int VersionInForce, string AsOf, long Population, long EligibleBefore, long EligibleAfter,
    long Gained, long Lost, long AmountChanged, long TotalBeforeFen, string TotalBeforeText, long TotalAfterFen, string TotalAfterText,
    long? BudgetFen, string? BudgetText, int PayableBeforeBp, int PayableAfterBp,
    IReadOnlyList<ComparisonRowView> ByRegion, IReadOnlyList<ComparisonRowView> ByTechDomain);

public sealed record PolicyListView(IReadOnlyList<PolicySummaryView> Items, string? NextCursor);

public sealed record PolicyVersionsView(IReadOnlyList<PolicyView> Items, string? NextCursor);

public sealed record RetireBody(string? Reason);

public sealed record PublishBody(int? Version);

public sealed record StatusCountsView(long Eligible, long Ineligible, long Unknown, long Excluded);

public sealed record BreakdownView(string Key, string Label, StatusCountsView Counts, long AmountFen, string AmountText);

public sealed record ExampleFailureView(string Name, string Expected, string Actual, long? ExpectedAmountFen, long? ActualAmountFen);

/// <summary>A draft over the whole population: what publishing it would do.</summary>
public sealed record DryRunView(
    long Population, StatusCountsView Counts, long TotalAmountFen, string TotalAmountText, long UnknownAmountCount,
    IReadOnlyList<BreakdownView> ByRegion, IReadOnlyList<BreakdownView> ByTechDomain, IReadOnlyList<ExampleFailureView> ExampleFailures);

/// <summary>One enterprise's answer for a policy, as staff see it in the match list.</summary>
/// <summary>One enterprise a policy matches; <c>basis</c>: <c>verified</c>, or <c>self_declared</c> when the outcome rests on its own claims (TRUST.md §3).</summary>
public sealed record PolicyMatchView(string Uscc, string Name, string Region, string RegionName, string Status, long? AmountFen, string? AmountText, string? ExcludedBy, IReadOnlyList<string> MissingFields,
    string Basis);

/// <summary><c>inForce</c> false: the policy is not in force on the date asked (ELIGIBILITY.md §6), so it matches no one; <c>note</c> says so.</summary>
public sealed record PolicyMatchListView(string PolicyId, IReadOnlyList<PolicyMatchView> Items, string? NextCursor, bool InForce, string? Note);

public static class PolicyViews
{
    public static string StatusOf(V1.PolicyStatus status) => status switch
    {
        V1.PolicyStatus.Draft => "draft",
        V1.PolicyStatus.Published => "published",
        V1.PolicyStatus.Retired => "retired",
        _ => "unspecified",
    };

    public static string StatusOf(V1.EligibilityStatus status) => status switch
    {
        V1.EligibilityStatus.Eligible => "eligible",
        V1.EligibilityStatus.Ineligible => "ineligible",
        V1.EligibilityStatus.Excluded => "excluded",
        _ => "unknown",
    };

    public static PolicySummaryView Summary(V1.Policy p) => new(
        p.Id, p.Version, StatusOf(p.Status), p.Title, p.Issuer, p.Jurisdiction, Codes.RegionName(p.Jurisdiction),
        p.HasEffectiveFrom ? p.EffectiveFrom : null, p.HasEffectiveTo ? p.EffectiveTo : null, p.Summary,
        p.HasExclusionGroup ? p.ExclusionGroup : null, p.Etag);

    /// <summary>The version in full; criteria, benefit and examples are the backend's canonical JSON document, passed on as it is.</summary>
    public static PolicyView Full(V1.Policy p)
    {
        using var json = JsonDocument.Parse(p.DocumentJson);
        var root = json.RootElement;
        return new PolicyView(
            p.Id, p.Version, StatusOf(p.Status), p.Title, p.Issuer, p.Jurisdiction, Codes.RegionName(p.Jurisdiction),
            p.HasEffectiveFrom ? p.EffectiveFrom : null, p.HasEffectiveTo ? p.EffectiveTo : null, p.Summary, [.. p.Clauses],
            string.IsNullOrEmpty(p.SourceUrl) ? null : p.SourceUrl,
            root.GetProperty("criteria").Clone(), p.CriteriaText, p.CriteriaDescription, root.GetProperty("benefit").Clone(),
            p.HasExclusionGroup ? p.ExclusionGroup : null, p.OncePerEnterprise,
            root.TryGetProperty("recurrence", out var recurrence) ? recurrence.GetString() ?? "oncePerVersion" : "oncePerVersion",
            p.HasBudgetFen ? p.BudgetFen : null,
            p.HasBudgetFen ? Money.Format(p.BudgetFen) : null,
            root.TryGetProperty("examples", out var examples) ? examples.Clone() : EmptyList,
            p.CreatedAt?.ToDateTimeOffset(), p.CreatedBy, p.PublishedAt?.ToDateTimeOffset(), p.RetiredAt?.ToDateTimeOffset(), p.Etag);
    }

    private static readonly JsonElement EmptyList = JsonDocument.Parse("[]").RootElement.Clone();

    public static StatusCountsView Counts(V1.StatusCounts? c) => c is null ? new(0, 0, 0, 0) : new(c.Eligible, c.Ineligible, c.Unknown, c.Excluded);

    public static DryRunView DryRun(V1.DryRunResponse r) => new(
        r.Population, Counts(r.Counts), r.TotalAmountFen, Money.Format(r.TotalAmountFen), r.UnknownAmountCount,
        [.. r.ByRegion.Select(Breakdown)], [.. r.ByTechDomain.Select(Breakdown)],
        [.. r.ExampleFailures.Select(f => new ExampleFailureView(f.Name, StatusOf(f.Expected), StatusOf(f.Actual),
            f.HasExpectedAmountFen ? f.ExpectedAmountFen : null, f.HasActualAmountFen ? f.ActualAmountFen : null))]);

    private static BreakdownView Breakdown(V1.Breakdown b) => new(b.Key, b.Label, Counts(b.Counts), b.AmountFen, Money.Format(b.AmountFen));

    public static PolicyMatchView Match(V1.PolicyMatch m) => new(
        m.Uscc, m.Name, m.Region, Codes.RegionName(m.Region), StatusOf(m.Status), m.HasAmountFen ? m.AmountFen : null,
        m.HasAmountFen ? Money.Format(m.AmountFen) : null, m.HasExcludedBy ? m.ExcludedBy : null, [.. m.MissingFields],
        Eligibility.EligibilityViews.BasisOf(m.Basis));
}
