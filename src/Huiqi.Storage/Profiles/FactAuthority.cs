using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Configuration;

namespace Huiqi.Storage.Profiles;

/// <summary>What a write may do to one field (TRUST.md §2).</summary>
public enum FactDecision
{
    /// <summary>The new value (or its better provenance) is written.</summary>
    Write,

    /// <summary>The stored value stays, silently: a supporting feed does not replace an authoritative or verified value.</summary>
    Keep,

    /// <summary>A claim over a partner or staff value: the whole request is refused (409 <c>fact.authoritative</c>).</summary>
    RefuseAuthoritative,

    /// <summary>A field that is never self-declared (400 <c>fact.not_declarable</c>).</summary>
    RefuseNotDeclarable,
}

/// <summary>
/// Who owns which fields (TRUST.md §1, configuration <c>Huiqi:Trust:Owners:{partner sub}</c> = list of §1 field names)
/// and the overwrite rules of TRUST.md §2, in one place: every profile write (gRPC, JSON, import, demo seed) goes
/// through <see cref="ProfileWriter"/>, which asks <see cref="Decide"/> for each field.
/// </summary>
public sealed class FactAuthority
{
    public const string Section = "Huiqi:Trust:Owners";

    /// <summary>Never self-declared: an enterprise cannot clear its own 失信 record or move itself out of a jurisdiction (uscc is the key, never a field).</summary>
    public static readonly IReadOnlySet<string> NotDeclarable = new HashSet<string>(StringComparer.Ordinal) { FieldCatalog.Dishonest, FieldCatalog.Region };

    private readonly Dictionary<string, string> _ownerOf = new(StringComparer.Ordinal);

    /// <param name="owners">partner <c>sub</c> → the fields it is authoritative for.</param>
    public FactAuthority(IReadOnlyDictionary<string, IReadOnlyList<string>> owners)
    {
        foreach (var (partner, fields) in owners)
        {
            foreach (var field in fields)
            {
                if (!ProfileFields.IsField(field))
                {
                    throw new InvalidOperationException($"{Section}:{partner} names \"{field}\", which is not a profile field (ELIGIBILITY.md §1).");
                }

                if (_ownerOf.TryGetValue(field, out var other) && other != partner)
                {
                    throw new InvalidOperationException($"{Section}: \"{field}\" is owned by both {other} and {partner}; a field has one owner.");
                }

                _ownerOf[field] = partner;
            }
        }

        Owners = owners;
    }

    /// <summary>No field has an owner: every partner feed is supporting.</summary>
    public static FactAuthority None { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public static FactAuthority FromConfiguration(IConfiguration configuration) => new(
        configuration.GetSection(Section).GetChildren().ToDictionary(
            partner => partner.Key,
            partner => (IReadOnlyList<string>)[.. partner.GetChildren().Select(f => f.Value ?? "")],
            StringComparer.Ordinal));

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Owners { get; }

    public string? OwnerOf(string field) => _ownerOf.GetValueOrDefault(field);

    /// <summary>How a partner is recorded as the author of a fact.</summary>
    public static string PartnerBy(string sub) => $"partner:{sub}";

    /// <summary>A partner feed from the field's owner, or a staff fact (verified): a claim cannot replace it.</summary>
    public bool IsAuthoritative(string field, FieldProvenance provenance) =>
        provenance.Source == ProfileSource.Staff || (provenance.Source == ProfileSource.PartnerFeed && IsOwner(field, provenance.By));

    private bool IsOwner(string field, string by) => OwnerOf(field) is { } owner && by == PartnerBy(owner);

    /// <summary>
    /// TRUST.md §2 for one field of one write. <paramref name="before"/> / <paramref name="after"/> are the stored and
    /// the written value (null: absent).
    /// </summary>
    public FactDecision Decide(string field, object? before, FieldProvenance? provenance, object? after, ProfileSource source, string by)
    {
        switch (source)
        {
            case ProfileSource.SelfDeclared:
                if (NotDeclarable.Contains(field))
                {
                    return FactDecision.RefuseNotDeclarable;
                }

                // §2.1: a claim never replaces a partner or staff value; the same value again changes nothing.
                if (before is not null && provenance is { Source: not ProfileSource.SelfDeclared })
                {
                    return Equals(before, after) ? FactDecision.Keep : FactDecision.RefuseAuthoritative;
                }

                return FactDecision.Write;

            case ProfileSource.PartnerFeed when !IsOwner(field, by):
                // §2.3: a supporting feed fills absent fields and replaces claims (and other supporting values), never an
                // authoritative or verified one; it does not erase what someone else wrote.
                if (before is not null && provenance is not null
                    && (IsAuthoritative(field, provenance) || (after is null && provenance.By != by)))
                {
                    return FactDecision.Keep;
                }

                return FactDecision.Write;

            default:
                return FactDecision.Write; // the field's owner (newer truth), or staff
        }
    }

    /// <summary>How much a fact of this provenance counts: a claim, a supporting feed, an authoritative feed or a staff fact.</summary>
    public int Rank(string field, ProfileSource source, string by) => source switch
    {
        ProfileSource.SelfDeclared => 0,
        ProfileSource.PartnerFeed when !IsOwner(field, by) => 1,
        _ => 2,
    };
}

/// <summary>A write refused by TRUST.md §2; nothing of it was written.</summary>
public sealed class FactRefusedException(IReadOnlyList<FactRefusal> refusals)
    : InvalidOperationException(string.Join("；", refusals.Select(r => r.Message)))
{
    public IReadOnlyList<FactRefusal> Refusals { get; } = refusals;

    /// <summary>409 when only authoritative values stood in the way; 400 when a field may never be declared.</summary>
    public bool IsConflict => Refusals.All(r => r.Code == FactRefusal.Authoritative);
}

/// <summary>One refused field: <c>fact.authoritative</c> (with the source that holds it) or <c>fact.not_declarable</c>.</summary>
public sealed record FactRefusal(string Field, string Code, string Message, FieldProvenance? Holder = null)
{
    public const string Authoritative = "fact.authoritative", NotDeclarable = "fact.not_declarable";
}
