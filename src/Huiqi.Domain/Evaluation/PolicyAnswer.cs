using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;

namespace Huiqi.Domain.Evaluation;

public enum EligibilityStatus : byte
{
    Eligible,
    Ineligible,
    Unknown,
    Excluded,
}

/// <summary>The answer for one enterprise and one policy (ELIGIBILITY.md §5).</summary>
public sealed record PolicyAnswer(
    string PolicyId,
    int Version,
    EligibilityStatus Status,
    long? AmountFen,
    string? ExcludedBy,
    EquatableArray<string> MissingFields,
    EquatableArray<ConditionResult> Conditions)
{
    /// <summary>TRUST.md §3: whether the outcome rests on the enterprise's own claims (only when the caller said which facts are claims).</summary>
    public Basis Basis { get; init; }

    /// <summary>With <see cref="Basis.SelfDeclared"/>: the claimed fields the outcome reads, sorted (default: none).</summary>
    public EquatableArray<string> Claims { get; init; }
}

/// <summary>One leaf condition, explained.</summary>
/// <param name="Path">e.g. <c>criteria.all[2]</c>.</param>
/// <param name="Field">The field, or <c>certifications</c> for a cert leaf.</param>
/// <param name="Op">The op; null for a cert leaf.</param>
/// <param name="Expected">The operands; empty for a cert leaf (see <paramref name="Cert"/>).</param>
/// <param name="Actual">The enterprise's value in canonical form (codes, fen, dates), or null when absent.</param>
/// <param name="Text">A zh-CN sentence, e.g. 营业收入 2,500万元，要求低于 2,000万元：不满足.</param>
public sealed record ConditionResult(
    string Path,
    string Field,
    Op? Op,
    EquatableArray<Operand> Expected,
    CertPredicate? Cert,
    string? Actual,
    Truth Result,
    string Text);

public static class EligibilityStatusNames
{
    public static string Name(this EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => "eligible",
        EligibilityStatus.Ineligible => "ineligible",
        EligibilityStatus.Unknown => "unknown",
        _ => "excluded",
    };

    public static bool TryParse(string? name, out EligibilityStatus status)
    {
        status = name switch
        {
            "eligible" => EligibilityStatus.Eligible,
            "ineligible" => EligibilityStatus.Ineligible,
            "unknown" => EligibilityStatus.Unknown,
            "excluded" => EligibilityStatus.Excluded,
            _ => (EligibilityStatus)255,
        };
        return (byte)status != 255;
    }

    public static EligibilityStatus FromTruth(Truth truth) => truth switch
    {
        Truth.True => EligibilityStatus.Eligible,
        Truth.False => EligibilityStatus.Ineligible,
        _ => EligibilityStatus.Unknown,
    };
}
