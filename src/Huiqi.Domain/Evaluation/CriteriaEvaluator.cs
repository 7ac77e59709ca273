using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>
/// The plain reference evaluator: a direct reading of ELIGIBILITY.md §2 over one profile. The matching index is
/// held against it by randomized tests, so it stays simple rather than fast.
/// </summary>
public static class CriteriaEvaluator
{
    public static Truth Evaluate(Criterion criterion, EnterpriseProfile profile, DateOnly asOf) => criterion switch
    {
        AllOf all => EvaluateAll(all, profile, asOf),
        AnyOf any => EvaluateAny(any, profile, asOf),
        Not not => Evaluate(not.Child, profile, asOf).Negate(),
        Predicate predicate => EvaluatePredicate(predicate, profile, asOf),
        CertPredicate cert => EvaluateCert(cert, profile, asOf),
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "unknown criterion node"),
    };

    private static Truth EvaluateAll(AllOf all, EnterpriseProfile profile, DateOnly asOf)
    {
        var result = Truth.True;
        foreach (var child in all.Children)
        {
            var value = Evaluate(child, profile, asOf);
            if (value == Truth.False)
            {
                return Truth.False;
            }

            if (value == Truth.Unknown)
            {
                result = Truth.Unknown;
            }
        }

        return result;
    }

    private static Truth EvaluateAny(AnyOf any, EnterpriseProfile profile, DateOnly asOf)
    {
        var result = Truth.False;
        foreach (var child in any.Children)
        {
            var value = Evaluate(child, profile, asOf);
            if (value == Truth.True)
            {
                return Truth.True;
            }

            if (value == Truth.Unknown)
            {
                result = Truth.Unknown;
            }
        }

        return result;
    }

    public static Truth EvaluatePredicate(Predicate predicate, EnterpriseProfile profile, DateOnly asOf)
    {
        var field = FieldCatalog.Get(predicate.Field);
        var values = predicate.Values;
        switch (field.Type)
        {
            case FieldType.Code:
            case FieldType.Text:
            {
                var actual = FieldValue.Text(profile, field.Name);
                if (actual is null)
                {
                    return Truth.Unknown;
                }

                return Of(predicate.Op switch
                {
                    Op.Eq => actual == TextAt(values, 0),
                    Op.Ne => actual != TextAt(values, 0),
                    Op.In => values.Any(v => ((TextOperand)v).Value == actual),
                    Op.NotIn => !values.Any(v => ((TextOperand)v).Value == actual),
                    Op.Under => IsUnder(field.Name, actual, TextAt(values, 0)),
                    _ => throw Unsupported(predicate),
                });
            }

            case FieldType.Set:
            {
                var actual = FieldValue.Set(profile, field.Name);
                if (actual is null)
                {
                    return Truth.Unknown;
                }

                var set = actual.Value;
                return Of(predicate.Op switch
                {
                    Op.HasAny => values.Any(v => set.Contains(((TextOperand)v).Value)),
                    Op.HasAll => values.All(v => set.Contains(((TextOperand)v).Value)),
                    Op.HasNone => !values.Any(v => set.Contains(((TextOperand)v).Value)),
                    _ => throw Unsupported(predicate),
                });
            }

            case FieldType.Integer:
            case FieldType.Money:
            {
                var actual = FieldValue.Number(profile, field.Name, asOf);
                return actual is null ? Truth.Unknown : Of(Compare(predicate, i => ((IntegerOperand)values[i]).Value.CompareTo(actual.Value)));
            }

            case FieldType.Date:
            {
                var actual = FieldValue.Date(profile, field.Name);
                return actual is null ? Truth.Unknown : Of(Compare(predicate, i => ((DateOperand)values[i]).Value.CompareTo(actual.Value)));
            }

            case FieldType.Bool:
            {
                var actual = FieldValue.Bool(profile, field.Name);
                if (actual is null)
                {
                    return Truth.Unknown;
                }

                var operand = ((BoolOperand)values[0]).Value;
                return Of(predicate.Op switch
                {
                    Op.Eq => actual.Value == operand,
                    Op.Ne => actual.Value != operand,
                    _ => throw Unsupported(predicate),
                });
            }

            default:
                throw Unsupported(predicate);
        }
    }

    /// <summary>Ordered comparison ops; <paramref name="operandVsActual"/>(i) compares operand i with the actual value.</summary>
    private static bool Compare(Predicate predicate, Func<int, int> operandVsActual)
    {
        return predicate.Op switch
        {
            Op.Eq => operandVsActual(0) == 0,
            Op.Ne => operandVsActual(0) != 0,
            Op.Lt => operandVsActual(0) > 0,   // actual < operand
            Op.Le => operandVsActual(0) >= 0,
            Op.Gt => operandVsActual(0) < 0,
            Op.Ge => operandVsActual(0) <= 0,
            Op.Between => operandVsActual(0) <= 0 && operandVsActual(1) >= 0,
            _ => throw Unsupported(predicate),
        };
    }

    public static Truth EvaluateCert(CertPredicate cert, EnterpriseProfile profile, DateOnly asOf)
    {
        if (profile.Certifications is not { } certifications)
        {
            return Truth.Unknown;
        }

        foreach (var held in certifications)
        {
            if (Holds(cert, held, asOf))
            {
                return Truth.True;
            }
        }

        return Truth.False;
    }

    /// <summary>Whether one held certification satisfies the condition on <paramref name="asOf"/>: kind, level, in force, obtained recently enough.</summary>
    public static bool Holds(CertPredicate cert, Certification held, DateOnly asOf) =>
        held.Kind == cert.Kind
        && (cert.Level is null || held.Level == cert.Level)
        && held.ObtainedOn <= asOf
        && (held.ExpiresOn is null || asOf < held.ExpiresOn.Value)
        && (cert.ObtainedWithinMonths is not { } months || held.ObtainedOn > Dates.MinusMonths(asOf, months));

    /// <summary>
    /// <c>under</c>: for region, strip trailing "00" pairs from the operand (620100 → 6201) and test the prefix;
    /// for industry, the profile's code starts with the operand (C2710 under C27).
    /// </summary>
    public static bool IsUnder(string field, string actual, string operand) =>
        actual.StartsWith(UnderPrefix(field, operand), StringComparison.Ordinal);

    /// <summary>What a value under <paramref name="operand"/> starts with (a region's trailing "00" pairs dropped).</summary>
    public static string UnderPrefix(string field, string operand) => field == FieldCatalog.Region ? RegionPrefix(operand) : operand;

    public static string RegionPrefix(string code)
    {
        var prefix = code;
        while (prefix.Length >= 2 && prefix.EndsWith("00", StringComparison.Ordinal))
        {
            prefix = prefix[..^2];
        }

        return prefix;
    }

    private static string TextAt(Common.EquatableArray<Operand> values, int index) => ((TextOperand)values[index]).Value;

    private static Truth Of(bool value) => value ? Truth.True : Truth.False;

    private static InvalidOperationException Unsupported(Predicate predicate) =>
        new($"op {predicate.Op.Name()} on field {predicate.Field} reached evaluation; criteria must be validated first");
}
