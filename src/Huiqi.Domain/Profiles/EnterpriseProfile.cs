using Huiqi.Domain.Common;

namespace Huiqi.Domain.Profiles;

/// <summary>
/// An enterprise profile (ELIGIBILITY.md §1). Every field but <see cref="Uscc"/> may be absent, written as
/// null: absent is not zero, not empty and not false. Enumerations are carried as their lower-case codes.
/// Money is in fen.
/// </summary>
public sealed record EnterpriseProfile
{
    public required string Uscc { get; init; }
    public string? Name { get; init; }
    public string? Region { get; init; }
    public string? Zone { get; init; }
    public string? Industry { get; init; }
    public EquatableArray<string>? TechDomains { get; init; }
    public string? Scale { get; init; }
    public string? Ownership { get; init; }
    public DateOnly? EstablishedOn { get; init; }
    public long? Employees { get; init; }
    public long? AnnualRevenue { get; init; }
    public long? RdExpense { get; init; }
    public string? TaxCredit { get; init; }
    public bool? Dishonest { get; init; }
    public string? ListingBoard { get; init; }
    public EquatableArray<Certification>? Certifications { get; init; }
    public EquatableArray<string>? Tags { get; init; }

    /// <summary>age_months against <paramref name="asOf"/>; absent when established_on is absent.</summary>
    public long? AgeMonths(DateOnly asOf) => EstablishedOn is { } established ? Dates.AgeMonths(established, asOf) : null;

    /// <summary>rd_ratio_bp = floor(rd_expense × 10000 / annual_revenue); absent when either is absent or revenue is 0.</summary>
    public long? RdRatioBp => RdRatio(RdExpense, AnnualRevenue);

    public static long? RdRatio(long? rdExpense, long? annualRevenue) =>
        rdExpense is { } rd && annualRevenue is { } revenue && revenue != 0
            ? Int128Math.Saturate(Int128Math.FloorDiv((Int128)rd * 10000, revenue))
            : null;
}

/// <summary>One certification: 高新技术企业, 专精特新, … with the dates that make it count.</summary>
public sealed record Certification(string Kind, string? Level, DateOnly ObtainedOn, DateOnly? ExpiresOn);
