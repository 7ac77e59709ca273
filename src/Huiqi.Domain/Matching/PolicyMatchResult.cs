using Huiqi.Domain.Evaluation;

namespace Huiqi.Domain.Matching;

/// <summary>
/// Which enterprises one policy matches on one date, as bitsets over the index's slots (ELIGIBILITY.md §6).
/// Holds pooled arrays: dispose it when done.
/// </summary>
public sealed class PolicyMatchResult : IDisposable
{
    private readonly List<ulong[]> _owned = [];
    private readonly Action<ulong[]> _return;

    internal PolicyMatchResult(string policyId, int words, long version, Action<ulong[]> returnBitset)
    {
        _return = returnBitset;
        PolicyId = policyId;
        Words = words;
        IndexVersion = version;
    }

    public string PolicyId { get; }

    /// <summary>The index's version when this was computed; slots are only meaningful for that version.</summary>
    public long IndexVersion { get; }

    internal int Words { get; }

    internal ulong[] Eligible { get; set; } = [];
    internal ulong[] Ineligible { get; set; } = [];
    internal ulong[] Unknown { get; set; } = [];
    internal ulong[] Excluded { get; set; } = [];

    /// <summary>Winner policy id → the slots it excluded this policy for.</summary>
    internal Dictionary<string, ulong[]> ExcludedBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The policies of the exclusion group that won over this one for at least one enterprise.</summary>
    public IReadOnlyCollection<string> ExcludingPolicyIds => ExcludedBy.Keys;

    /// <summary>The slots whose outcome rests on self-declared facts (TRUST.md §3); empty when none does.</summary>
    internal ulong[] SelfDeclared { get; set; } = [];

    /// <summary>How many outcomes rest on self-declared facts.</summary>
    public long SelfDeclaredCount { get; internal set; }

    /// <summary>Field → the unknown slots for which that field is missing (only when asked for).</summary>
    internal SortedDictionary<string, ulong[]>? Missing { get; set; }

    public long EligibleCount { get; internal set; }
    public long IneligibleCount { get; internal set; }
    public long UnknownCount { get; internal set; }
    public long ExcludedCount { get; internal set; }

    /// <summary>Sum of the known amounts of the eligible enterprises, in fen.</summary>
    public long TotalAmountFen { get; internal set; }

    /// <summary>Eligible enterprises whose amount is unknown (the benefit's field is absent).</summary>
    public long UnknownAmountCount { get; internal set; }

    public EligibilityStatus StatusOf(int slot) =>
        Bits.Get(Eligible, slot) ? EligibilityStatus.Eligible
        : Bits.Get(Excluded, slot) ? EligibilityStatus.Excluded
        : Bits.Get(Ineligible, slot) ? EligibilityStatus.Ineligible
        : EligibilityStatus.Unknown;

    public Basis BasisOf(int slot) => SelfDeclared.Length > 0 && Bits.Get(SelfDeclared, slot) ? Basis.SelfDeclared : Basis.Verified;

    public string? ExcludedByOf(int slot) => ExcludedBy.FirstOrDefault(e => Bits.Get(e.Value, slot)).Key;

    public IReadOnlyList<string> MissingFieldsOf(int slot) =>
        Missing is null ? [] : [.. Missing.Where(m => Bits.Get(m.Value, slot)).Select(m => m.Key)];

    internal ulong[] SetOf(EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => Eligible,
        EligibilityStatus.Ineligible => Ineligible,
        EligibilityStatus.Unknown => Unknown,
        _ => Excluded,
    };

    internal ulong[] Own(ulong[] array)
    {
        _owned.Add(array);
        return array;
    }

    public void Dispose()
    {
        foreach (var array in _owned)
        {
            _return(array);
        }

        _owned.Clear();
    }
}

/// <summary>One enterprise's outcome for a policy, read from a <see cref="PolicyMatchResult"/>.</summary>
public sealed record EnterpriseOutcome(
    string Uscc, string? Name, string? Region, EligibilityStatus Status, long? AmountFen, string? ExcludedBy, IReadOnlyList<string> MissingFields,
    Basis Basis = Basis.Verified, IReadOnlyList<string>? Claims = null);

/// <summary>One value of a breakdown (a region, a tech domain): how many enterprises per status, and the eligible amount.</summary>
public sealed record BreakdownRow(string Value, long Eligible, long Ineligible, long Unknown, long Excluded, long AmountFen);
