using System.Collections.Frozen;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Explanation;
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
/// resolved once, <c>all</c> / <c>any</c> short-circuiting, and the tree kept beside it so missing fields and
/// explanations walk compiled nodes (each leaf's path fixed once) instead of the reference evaluator. Semantics are
/// those of <see cref="CriteriaEvaluator"/> and <see cref="PolicyEvaluator"/>, against which randomized tests hold it.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Node _root;
    private readonly Leaf[] _leaves;

    public CompiledPolicy(Policy policy)
    {
        Policy = policy;
        var leaves = new List<Leaf>();
        _root = Build(policy.Criteria, "criteria", leaves);
        _leaves = [.. leaves];
    }

    public Policy Policy { get; }

    /// <summary>The answer of a policy left out by a failed guard (ConjunctIndex): one shared instance, as answers are immutable.</summary>
    public PolicyAnswer Ineligible => _ineligible ??= new(Policy.Id, Policy.Version, EligibilityStatus.Ineligible, null, null,
        EquatableArray<string>.Empty, EquatableArray<ConditionResult>.Empty);

    private PolicyAnswer? _ineligible;

    /// <summary>The eligible answer of a policy with a fixed amount, without explanations: the same for every enterprise.</summary>
    private PolicyAnswer EligibleFixed => _eligibleFixed ??= new(Policy.Id, Policy.Version, EligibilityStatus.Eligible, ((FixedBenefit)Policy.Benefit).AmountFen, null,
        EquatableArray<string>.Empty, EquatableArray<ConditionResult>.Empty);

    private PolicyAnswer? _eligibleFixed;

    public Truth Evaluate(ProfileFacts facts) => _root.Eval(facts);

    /// <summary>Whether a condition of the policy reads <paramref name="field"/> (a field no policy reads need not be read back).</summary>
    public bool Reads(string field) => _leaves.Any(l => l.Field?.Name == field);

    /// <param name="missingFields">Whether an unknown answer names its missing fields (ELIGIBILITY.md §5.4); without them
    /// the answer is what ranking, exclusion groups and basis read, and a page fills them in (<see cref="WithMissingFields"/>).</param>
    public PolicyAnswer Answer(ProfileFacts facts, bool explain = false, bool missingFields = true)
    {
        var status = EligibilityStatusNames.FromTruth(_root.Eval(facts));
        if (!explain && status != EligibilityStatus.Unknown)
        {
            return status == EligibilityStatus.Ineligible ? Ineligible : Eligible(facts);
        }

        return new PolicyAnswer(
            Policy.Id,
            Policy.Version,
            status,
            status == EligibilityStatus.Eligible ? Policy.Benefit.AmountFor(facts.Profile, facts.AsOf) : null,
            null,
            status == EligibilityStatus.Unknown && missingFields ? MissingFields(facts, rootUnknown: true) : EquatableArray<string>.Empty,
            explain ? Explain(facts) : EquatableArray<ConditionResult>.Empty);
    }

    /// <summary>The answer of an enterprise known to be eligible, without explanations; a fixed amount's is shared, not allocated per call.</summary>
    public PolicyAnswer Eligible(ProfileFacts facts) => Policy.Benefit is FixedBenefit
        ? EligibleFixed
        : new PolicyAnswer(Policy.Id, Policy.Version, EligibilityStatus.Eligible, Policy.Benefit.AmountFor(facts.Profile, facts.AsOf), null,
            EquatableArray<string>.Empty, EquatableArray<ConditionResult>.Empty);

    /// <summary>An answer of this policy given without its missing fields, with them.</summary>
    public PolicyAnswer WithMissingFields(PolicyAnswer answer, ProfileFacts facts) =>
        answer.Status == EligibilityStatus.Unknown && answer.MissingFields.Count == 0 ? answer with { MissingFields = MissingFields(facts) } : answer;

    /// <summary>ELIGIBILITY.md §5.4 over the compiled nodes (as <see cref="PolicyEvaluator.MissingFields"/>).</summary>
    /// <param name="rootUnknown">The caller has just found the whole policy unknown: the root is not evaluated again.</param>
    public EquatableArray<string> MissingFields(ProfileFacts facts, bool rootUnknown = false)
    {
        var fields = new List<string>(4); // a few at most: sorted and de-duplicated once at the end
        Collect(_root, rootUnknown);
        if (fields.Count > 1)
        {
            fields.Sort(StringComparer.Ordinal);
            var kept = 1;
            for (var i = 1; i < fields.Count; i++)
            {
                if (fields[i] != fields[kept - 1]) { fields[kept++] = fields[i]; }
            }

            fields.RemoveRange(kept, fields.Count - kept);
        }

        return new EquatableArray<string>([.. fields]);

        void Collect(Node node, bool known = false)
        {
            if (!known && node.Eval(facts) != Truth.Unknown)
            {
                return; // decided: nothing below it is missing
            }

            if (node.Leaf is { } leaf)
            {
                if (leaf.Predicate is not null)
                {
                    fields.AddRange(FieldValue.MissingSources(facts.Profile, leaf.Field!));
                }
                else
                {
                    fields.Add(FieldCatalog.Certifications);
                }

                return;
            }

            foreach (var child in node.Children)
            {
                Collect(child);
            }
        }
    }

    /// <summary>Every leaf in document order, explained (as <see cref="PolicyEvaluator.Explain"/>).</summary>
    public EquatableArray<ConditionResult> Explain(ProfileFacts facts)
    {
        var results = new ConditionResult[_leaves.Length];
        var (profile, asOf) = (facts.Profile, facts.AsOf);
        for (var i = 0; i < _leaves.Length; i++)
        {
            var leaf = _leaves[i];
            var result = leaf.Node.Eval(facts);
            var actual = leaf.Field is { } field ? ConditionText.ActualValue(field, profile, asOf) : ConditionText.ActualCertifications(leaf.Cert!, profile);
            if (!leaf.Recurs)
            {
                results[i] = leaf.Explained(actual, result, profile, asOf);
            }
            else if (new Recurring(leaf, actual, result) is var key && !RecurringConditions.TryGetValue(key, out results[i]!))
            {
                results[i] = RecurringConditions.Keep(key, leaf.Explained(actual, result, profile, asOf));
            }
        }

        return new EquatableArray<ConditionResult>(results);
    }

    /// <summary>
    /// Explained conditions whose sentence is a function of the leaf, the enterprise's canonical value and the outcome
    /// (<see cref="Leaf.Recurs"/>), shared by every enterprise that gives the same value: a district's enterprises all
    /// read <c>所在地区 兰州新区（620171），要求位于兰州市（620100）辖区内：满足</c>, built once instead of once each
    /// (docs/benchmarks.md, the answer path). Bounded: emptied when full.
    /// </summary>
    private static readonly BoundedMemo<Recurring, ConditionResult> RecurringConditions = new(16_384);

    /// <summary>A leaf by identity (its record equality would compare its whole predicate), a value, an outcome.</summary>
    private readonly struct Recurring(Leaf leaf, string? actual, Truth result) : IEquatable<Recurring>
    {
        private readonly Leaf _leaf = leaf;
        private readonly string? _actual = actual;
        private readonly Truth _result = result;

        public bool Equals(Recurring other) => ReferenceEquals(_leaf, other._leaf) && _result == other._result && string.Equals(_actual, other._actual, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Recurring other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_leaf), _actual, _result);
    }

    /// <summary>A compiled node: its evaluator, its children (for missing fields), and for a leaf what explains it.</summary>
    private sealed record Node(Func<ProfileFacts, Truth> Eval, Node[] Children, Leaf? Leaf);

    private sealed record Leaf(string Path, Predicate? Predicate, CertPredicate? Cert, FieldDef? Field)
    {
        public Node Node { get; set; } = null!;

        /// <summary>The condition's half of its sentence, the same for every enterprise: worked out once, not per explanation.</summary>
        public string Requirement { get; } = Predicate is not null ? ConditionText.RequirementOf(Predicate) : ConditionText.RequirementOf(Cert!);

        /// <summary>
        /// Whether the explanation is a function of the canonical actual value and the outcome alone, so one may serve
        /// every enterprise with that value: a single code, enumeration or yes/no (shown as its name), or a certification
        /// (the canonical value lists kind, level and dates, all the sentence shows). Not a set (its canonical value
        /// joins members with commas a member may contain), a number or a date (nearly always new).
        /// </summary>
        public bool Recurs { get; } = Cert is not null || Field?.Type is FieldType.Code or FieldType.Text or FieldType.Bool;

        public ConditionResult Explained(string? actual, Truth result, EnterpriseProfile profile, DateOnly asOf) => Predicate is { } predicate
            ? new ConditionResult(Path, predicate.Field, predicate.Op, predicate.Values, null, actual, result,
                ConditionText.Describe(predicate, Requirement, profile, asOf, result))
            : new ConditionResult(Path, FieldCatalog.Certifications, null, EquatableArray<Operand>.Empty, Cert, actual, result,
                ConditionText.Describe(Cert!, Requirement, profile, asOf, result));
    }

    private static Node Build(Criterion criterion, string path, List<Leaf> leaves)
    {
        switch (criterion)
        {
            case AllOf all:
            {
                Node[] children = [.. all.Children.Select((c, i) => Build(c, $"{path}.all[{i}]", leaves))];
                return new Node(CompileAll([.. children.Select(c => c.Eval)]), children, null);
            }

            case AnyOf any:
            {
                Node[] children = [.. any.Children.Select((c, i) => Build(c, $"{path}.any[{i}]", leaves))];
                return new Node(CompileAny([.. children.Select(c => c.Eval)]), children, null);
            }

            case Not not:
            {
                var child = Build(not.Child, $"{path}.not", leaves);
                return new Node(Negated(child.Eval), [child], null);
            }

            case Predicate predicate:
            {
                var leaf = new Leaf(path, predicate, null, FieldCatalog.Get(predicate.Field));
                leaves.Add(leaf);
                return leaf.Node = new Node(CompilePredicate(predicate), [], leaf);
            }

            case CertPredicate cert:
            {
                var leaf = new Leaf($"{path}.cert", null, cert, null);
                leaves.Add(leaf);
                return leaf.Node = new Node(CompileCert(cert), [], leaf);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "unknown criterion node");
        }
    }

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

    /// <summary>A numeric field's value for the facts (dates as day numbers; derived fields computed), as the compiled leaves read it.</summary>
    internal static long? NumberOf(ProfileFacts facts, string field) => NumberReader(field)(facts);

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
