using System.Text.Json;
using Huiqi.Gateway.Http;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Profiles;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Gateway.Enterprises;

public sealed record CertificationView(string Kind, string KindName, string? Level, string ObtainedOn, string? ExpiresOn);

/// <summary>
/// Where a fact came from (TRUST.md §1): <c>partner_feed</c>, <c>self_declared</c> or <c>staff</c>, who, when, the
/// evidence reference of a staff fact, and whether it is authoritative (a claim cannot replace it; contest it with a correction request).
/// </summary>
public sealed record ProvenanceView(string Source, string By, DateTimeOffset? At, string? Reference, bool Authoritative)
{
    public static ProvenanceView Of(V1.FieldProvenance p) => new(
        Eligibility.EligibilityViews.SourceOf(p.Source) ?? "staff", p.SourceSystem, p.ChangedAt?.ToDateTimeOffset(),
        p.Reference.Length > 0 ? p.Reference : null, p.Authoritative);
}

/// <summary>
/// A profile as ELIGIBILITY.md §1 in camelCase (the same members a PUT or PATCH sends; money in fen), with display
/// names and money texts beside the codes, and where each field came from. Absent fields are left out.
/// </summary>
public sealed record ProfileView(
    string Uscc, string? Name, string? Region, string? RegionName, string? Zone, string? Industry, string? IndustryName,
    IReadOnlyList<string>? TechDomains, string? Scale, string? Ownership, string? EstablishedOn, long? Employees,
    long? AnnualRevenue, string? AnnualRevenueText, long? RdExpense, string? RdExpenseText, string? TaxCredit,
    bool? Dishonest, string? ListingBoard, IReadOnlyList<CertificationView>? Certifications, IReadOnlyList<string>? Tags,
    IReadOnlyDictionary<string, ProvenanceView> Provenance, DateTimeOffset? UpdatedAt)
{
    /// <summary>From the backend's own JSON document of the profile (passed on, not mapped back from protobuf), with names and money texts beside the codes.</summary>
    public static ProfileView Of(V1.EnterpriseProfile proto)
    {
        var p = JsonSerializer.Deserialize(proto.DocumentJson, GatewayJsonContext.Default.ProfileDocument)
            ?? throw new InvalidOperationException("the backend sent a profile without its document");
        return new ProfileView(
            p.Uscc, p.Name, p.Region, p.Region is { } r ? Codes.RegionName(r) : null, p.Zone, p.Industry,
            p.Industry is { } i ? Codes.IndustryName(i) : null, p.TechDomains, p.Scale, p.Ownership,
            p.EstablishedOn, p.Employees,
            p.AnnualRevenue, p.AnnualRevenue is { } revenue ? Money.Format(revenue) : null,
            p.RdExpense, p.RdExpense is { } rd ? Money.Format(rd) : null, p.TaxCredit, p.Dishonest, p.ListingBoard,
            p.Certifications?.Select(c => new CertificationView(c.Kind, Codes.CertificationKinds.GetValueOrDefault(c.Kind, c.Kind), c.Level,
                c.ObtainedOn, c.ExpiresOn)).ToList(),
            p.Tags,
            proto.Provenance.ToDictionary(kv => ContractNames.Camel(kv.Key), kv => ProvenanceView.Of(kv.Value)),
            proto.UpdatedAt?.ToDateTimeOffset());
    }
}

/// <summary>A profile's JSON document as the backend writes it (ELIGIBILITY.md §1 in camelCase; money in fen).</summary>
public sealed record ProfileDocument(
    string Uscc, string? Name, string? Region, string? Zone, string? Industry, IReadOnlyList<string>? TechDomains,
    string? Scale, string? Ownership, string? EstablishedOn, long? Employees, long? AnnualRevenue, long? RdExpense,
    string? TaxCredit, bool? Dishonest, string? ListingBoard, IReadOnlyList<CertificationDocument>? Certifications, IReadOnlyList<string>? Tags);

public sealed record CertificationDocument(string Kind, string? Level, string ObtainedOn, string? ExpiresOn);
