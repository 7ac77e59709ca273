using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Benefits;

/// <summary>How much an eligible enterprise receives (ELIGIBILITY.md §3).</summary>
public abstract record Benefit
{
    /// <summary>The amount in fen, or null (unknown) when the field it depends on is absent.</summary>
    public abstract long? AmountFor(EnterpriseProfile profile, DateOnly asOf);

    /// <summary>The field the amount depends on, if any.</summary>
    public virtual string? Field => null;

    /// <summary>The amount for a known field value (the index computes amounts from its columns).</summary>
    public abstract long AmountForValue(long value);
}

/// <summary>{"fixedFen": A}</summary>
public sealed record FixedBenefit(long AmountFen) : Benefit
{
    public override long? AmountFor(EnterpriseProfile profile, DateOnly asOf) => AmountFen;

    public override long AmountForValue(long value) => AmountFen;
}

/// <summary>{"rate": {"field": F, "bp": R, "capFen": CAP}}: floor(value × R / 10000), then at most CAP.</summary>
public sealed record RateBenefit(string RateField, long Bp, long? CapFen = null) : Benefit
{
    public override string? Field => RateField;

    public override long? AmountFor(EnterpriseProfile profile, DateOnly asOf) =>
        FieldValue.Number(profile, RateField, asOf) is { } value ? AmountForValue(value) : null;

    public override long AmountForValue(long value)
    {
        var amount = Int128Math.Saturate(Int128Math.FloorDiv((Int128)value * Bp, 10000));
        return CapFen is { } cap ? Math.Min(amount, cap) : amount;
    }
}

/// <summary>{"tiers": {"field": F, "steps": [...]}}: the amount of the last step whose atLeast ≤ value, 0 if none.</summary>
public sealed record TierBenefit(string TierField, EquatableArray<TierStep> Steps) : Benefit
{
    public override string? Field => TierField;

    public override long? AmountFor(EnterpriseProfile profile, DateOnly asOf) =>
        FieldValue.Number(profile, TierField, asOf) is { } value ? AmountForValue(value) : null;

    public override long AmountForValue(long value)
    {
        var amount = 0L;
        foreach (var step in Steps) // validated ascending by AtLeast
        {
            if (step.AtLeast <= value)
            {
                amount = step.AmountFen;
            }
        }

        return amount;
    }
}

public sealed record TierStep(long AtLeast, long AmountFen);

public static class BenefitValidator
{
    public static IReadOnlyList<CriteriaError> Validate(Benefit? benefit, string path = "benefit")
    {
        var errors = new List<CriteriaError>();
        switch (benefit)
        {
            case null:
                errors.Add(new(path, "benefit.missing", "缺少补贴金额规则"));
                break;
            case FixedBenefit { AmountFen: < 0 }:
                errors.Add(new($"{path}.fixedFen", "benefit.negative", "金额不能为负数"));
                break;
            case RateBenefit rate:
                CheckField(rate.RateField, $"{path}.rate.field", errors);
                if (rate.Bp is < 0 or > 1_000_000)
                {
                    errors.Add(new($"{path}.rate.bp", "benefit.rate_bp", "比例（基点）应在 0 到 1,000,000 之间"));
                }

                if (rate.CapFen is < 0)
                {
                    errors.Add(new($"{path}.rate.capFen", "benefit.negative", "封顶金额不能为负数"));
                }

                break;
            case TierBenefit tiers:
                CheckField(tiers.TierField, $"{path}.tiers.field", errors);
                if (tiers.Steps.Count == 0)
                {
                    errors.Add(new($"{path}.tiers.steps", "benefit.tiers_empty", "阶梯至少需要一档"));
                }

                for (var i = 0; i < tiers.Steps.Count; i++)
                {
                    if (tiers.Steps[i].AmountFen < 0)
                    {
                        errors.Add(new($"{path}.tiers.steps[{i}].amountFen", "benefit.negative", "金额不能为负数"));
                    }

                    if (i > 0 && tiers.Steps[i].AtLeast <= tiers.Steps[i - 1].AtLeast)
                    {
                        errors.Add(new($"{path}.tiers.steps[{i}].atLeast", "benefit.tiers_order", "阶梯应按 atLeast 从小到大排列且不重复"));
                    }
                }

                break;
        }

        return errors;
    }

    private static void CheckField(string field, string path, List<CriteriaError> errors)
    {
        if (!FieldCatalog.TryGet(field, out var def) || !FieldCatalog.IsNumeric(def))
        {
            errors.Add(new(path, "benefit.field", $"“{field}”不是可计算金额的数值字段"));
        }
    }
}
