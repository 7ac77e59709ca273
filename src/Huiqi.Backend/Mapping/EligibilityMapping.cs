using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Storage.Store;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Backend.Mapping;

/// <summary>What answers rest on (TRUST.md §3), between the domain and the wire.</summary>
public static class EligibilityMapping
{
    public static V1.Basis ToProto(Basis basis) => basis == Basis.SelfDeclared ? V1.Basis.SelfDeclared : V1.Basis.Verified;

    /// <summary>
    /// Where a condition's actual value came from: the field's own provenance, or for a derived field (age_months,
    /// rd_ratio_bp) the weakest of the fields it is computed from — a ratio of a claimed expense is a claim.
    /// </summary>
    public static FieldProvenance? SourceOf(string field, IReadOnlyDictionary<string, FieldProvenance> provenance)
    {
        if (!FieldCatalog.TryGet(field, out var def) || def.Sources is not { } sources)
        {
            return provenance.GetValueOrDefault(field);
        }

        return sources.Select(provenance.GetValueOrDefault).OfType<FieldProvenance>()
            .OrderBy(p => p.Source switch { ProfileSource.SelfDeclared => 0, ProfileSource.PartnerFeed => 1, _ => 2 })
            .FirstOrDefault();
    }
}

/// <summary>
/// Where each condition's actual value came from, for one enterprise's answers: <see cref="EligibilityMapping.SourceOf"/>
/// worked out once per field for the whole response rather than once per condition (a page explains ~60 conditions
/// over a dozen fields).
/// </summary>
public sealed class ConditionSources(IReadOnlyDictionary<string, FieldProvenance> provenance)
{
    // A few fields per response: a short list read in order beats a dictionary built per response.
    private readonly List<(string Field, FieldProvenance? Source)> _known = new(FieldCatalog.Fields.Count + 1);

    public FieldProvenance? Of(string field)
    {
        foreach (var (known, source) in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_known))
        {
            if (ReferenceEquals(known, field) || string.Equals(known, field, StringComparison.Ordinal))
            {
                return source;
            }
        }

        var found = EligibilityMapping.SourceOf(field, provenance);
        _known.Add((field, found));
        return found;
    }
}
