using System.Collections.Frozen;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>One enterprise's facts on one date, derived fields computed once for all policies.</summary>
public sealed class ProfileFacts(EnterpriseProfile profile, DateOnly asOf)
{
    public EnterpriseProfile Profile { get; } = profile;
    public DateOnly AsOf { get; } = asOf;
    public long? AgeMonths { get; } = profile.AgeMonths(asOf);
    public long? RdRatioBp { get; } = profile.RdRatioBp;
}

/// <summary>
/// A policy compiled for answering one enterprise over many policies: field accessors, operand sets and ranges
/// resolved once, <c>all</c> / <c>any</c> short-circuiting. Semantics are those of <see cref="CriteriaEvaluator"/>,
/// against which randomized tests hold it; missing fields and explanations come from the reference itself.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Func<ProfileFacts, Truth> _criteria;

    public CompiledPolicy(Policy policy)
    {
        Policy = policy;
        _criteria = Compile(policy.Criteria);
    }

    public Policy Policy { get; }

    public Truth Evaluate(ProfileFacts facts) => _criteria(facts);

    public PolicyAnswer Answer(ProfileFacts facts)
    {
        var status = EligibilityStatusNames.FromTruth(_criteria(facts));
        return new PolicyAnswer(
            Policy.Id,
            Policy.Version,
            status,
            status == EligibilityStatus.Eligible ? Policy.Benefit.AmountFor(facts.Profile, facts.AsOf) : null,
            null,
            status == EligibilityStatus.Unknown ? PolicyEvaluator.MissingFields(Policy.Criteria, facts.Profile, facts.AsOf) : EquatableArray<string>.Empty,
            EquatableArray<ConditionResult>.Empty);
    }

    private static Func<ProfileFacts, Truth> Compile(Criterion criterion) => criterion switch
    {
        AllOf all => CompileAll([.. all.Children.Select(Compile)]),
        AnyOf any => CompileAny([.. any.Children.Select(Compile)]),
        Not not => Negated(Compile(not.Child)),
        Predicate predicate => CompilePredicate(predicate),
        CertPredicate cert => CompileCert(cert),
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "unknown criterion node"),
    };

    private static Func<ProfileFacts, Truth> Negated(Func<ProfileFacts, Truth> child) => facts => child(facts).Negate();

    private static Func<ProfileFacts, Truth> CompileAll(Func<ProfileFacts, Truth>[] children) => facts =>
    {
        var result = Truth.True;
        foreach (var child in children)
        {
            var value = child(facts);
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
    };

    private static Func<ProfileFacts, Truth> CompileAny(Func<ProfileFacts, Truth>[] children) => facts =>
    {
        var result = Truth.False;
        foreach (var child in children)
        {
            var value = child(facts);
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
    };

    private static Func<ProfileFacts, Truth> CompilePredicate(Predicate predicate)
    {
        var field = FieldCatalog.Get(predicate.Field);
        string[] operands = [.. predicate.Values.OfType<TextOperand>().Select(v => v.Value)];
        var contains = Contains(operands);
        switch (field.Type)
        {
            case FieldType.Code:
            case FieldType.Text:
            {
                var read = TextReader(field.Name);
                Func<string, bool> test = predicate.Op switch
                {
                    Op.Eq or Op.In => contains,
                    Op.Ne or Op.NotIn => value => !contains(value),
                    Op.Under when field.Name == FieldCatalog.Region => Prefix(CriteriaEvaluator.RegionPrefix(operands[0])),
                    Op.Under => Prefix(operands[0]),
                    _ => throw Unsupported(predicate),
                };
                return facts => read(facts.Profile) is { } value ? Of(test(value)) : Truth.Unknown;
            }

            case FieldType.Set:
            {
                Func<EnterpriseProfile, EquatableArray<string>?> read = field.Name == FieldCatalog.TechDomains ? p => p.TechDomains : p => p.Tags;
                Func<EquatableArray<string>, bool> test = predicate.Op switch
                {
                    Op.HasAny => set => Overlaps(set, contains),
                    Op.HasNone => set => !Overlaps(set, contains),
                    Op.HasAll => set => operands.All(set.Contains),
                    _ => throw Unsupported(predicate),
                };
                return facts => read(facts.Profile) is { } set ? Of(test(set)) : Truth.Unknown;
            }

            case FieldType.Integer:
            case FieldType.Money:
            case FieldType.Date:
            {
                var read = NumberReader(field.Name);
                long Operand(int i) => predicate.Values[i] switch
                {
                    IntegerOperand n => n.Value,
                    DateOperand d => d.Value.DayNumber,
                    _ => throw Unsupported(predicate),
                };
                var (lo, hi, negate) = predicate.Op switch
                {
                    Op.Eq => (Operand(0), Operand(0), false),
                    Op.Ne => (Operand(0), Operand(0), true),
                    Op.Lt => (long.MinValue, Operand(0), false), // strict: checked below
                    Op.Le => (long.MinValue, Operand(0), false),
                    Op.Gt => (Operand(0), long.MaxValue, false),
                    Op.Ge => (Operand(0), long.MaxValue, false),
                    Op.Between => (Operand(0), Operand(1), false),
                    _ => throw Unsupported(predicate),
                };
                Func<long, bool> test = predicate.Op switch
                {
                    Op.Lt => v => v < hi,
                    Op.Gt => v => v > lo,
                    _ => v => (v >= lo && v <= hi) != negate,
                };
                return facts => read(facts) is { } value ? Of(test(value)) : Truth.Unknown;
            }

            case FieldType.Bool:
            {
                var wanted = ((BoolOperand)predicate.Values[0]).Value != (predicate.Op == Op.Ne);
                return facts => facts.Profile.Dishonest is { } value ? Of(value == wanted) : Truth.Unknown;
            }

            default:
                throw Unsupported(predicate);
        }
    }

    private static Func<ProfileFacts, Truth> CompileCert(CertPredicate cert)
    {
        var (kind, level, months) = (cert.Kind, cert.Level, cert.ObtainedWithinMonths);
        return facts =>
        {
            if (facts.Profile.Certifications is not { } held)
            {
                return Truth.Unknown;
            }

            var asOf = facts.AsOf;
            foreach (var c in held.AsSpan())
            {
                if (c.Kind == kind && (level is null || c.Level == level) && c.ObtainedOn <= asOf
                    && (c.ExpiresOn is null || asOf < c.ExpiresOn.Value)
                    && (months is null || c.ObtainedOn > Dates.MinusMonths(asOf, months.Value)))
                {
                    return Truth.True;
                }
            }

            return Truth.False;
        };
    }

    /// <summary>Membership in a few operands: a linear scan of ordinal compares beats hashing the value.</summary>
    private static Func<string, bool> Contains(string[] operands) => operands.Length switch
    {
        1 => value => value == operands[0],
        <= 8 => value => Array.IndexOf(operands, value) >= 0,
        _ => operands.ToFrozenSet(StringComparer.Ordinal).Contains,
    };

    private static Func<string, bool> Prefix(string prefix) => value => value.StartsWith(prefix, StringComparison.Ordinal);

    private static bool Overlaps(EquatableArray<string> set, Func<string, bool> wanted)
    {
        foreach (var member in set)
        {
            if (wanted(member))
            {
                return true;
            }
        }

        return false;
    }

    private static Func<EnterpriseProfile, string?> TextReader(string field) => field switch
    {
        FieldCatalog.Name => p => p.Name,
        FieldCatalog.Region => p => p.Region,
        FieldCatalog.Zone => p => p.Zone,
        FieldCatalog.Industry => p => p.Industry,
        FieldCatalog.Scale => p => p.Scale,
        FieldCatalog.Ownership => p => p.Ownership,
        FieldCatalog.TaxCredit => p => p.TaxCredit,
        FieldCatalog.ListingBoard => p => p.ListingBoard,
        _ => throw new ArgumentException($"'{field}' is not a text field", nameof(field)),
    };

    private static Func<ProfileFacts, long?> NumberReader(string field) => field switch
    {
        FieldCatalog.Employees => f => f.Profile.Employees,
        FieldCatalog.AnnualRevenue => f => f.Profile.AnnualRevenue,
        FieldCatalog.RdExpense => f => f.Profile.RdExpense,
        FieldCatalog.AgeMonths => f => f.AgeMonths,
        FieldCatalog.RdRatioBp => f => f.RdRatioBp,
        FieldCatalog.EstablishedOn => f => f.Profile.EstablishedOn?.DayNumber,
        _ => throw new ArgumentException($"'{field}' is not a numeric field", nameof(field)),
    };

    private static Truth Of(bool value) => value ? Truth.True : Truth.False;

    private static InvalidOperationException Unsupported(Predicate predicate) =>
        new($"op {predicate.Op.Name()} on field {predicate.Field} cannot be compiled; criteria must be validated first");
}
