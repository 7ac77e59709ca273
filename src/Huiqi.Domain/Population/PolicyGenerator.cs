using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Population;

/// <summary>
/// Random valid policies over the generated population's vocabulary: criteria trees of every node kind, every
/// op of every field type, to a given depth; fixed, rate and tier benefits; shared exclusion groups. For the
/// randomized tests (index against the reference evaluator) and the benchmarks.
/// </summary>
public sealed class PolicyGenerator(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Regions = ["620000", "620100", "620102", "620103", "620104", "620105", "620171", "620402", "620500", "620123"];
    private static readonly string[] Industries = ["C", "C27", "C2710", "C39", "C3911", "I", "I65", "I6510", "M", "M73", "F51", "C271"];
    private static readonly string[] Zones = ["lanzhou-hitech", "lanzhou-new-area", "lanzhou-econ", "none"];
    private static readonly string[] TagValues = ["外贸", "首次入规", "规上企业", "新开办", "稳岗"];

    public Policy Next(string id, int depth = 4, string? exclusionGroup = null) => new()
    {
        Id = id,
        Status = PolicyStatus.Published,
        Title = $"测试政策 {id}",
        Issuer = "兰州市工业和信息化局",
        Jurisdiction = "620100",
        Criteria = Criterion(depth),
        Benefit = Benefit(),
        ExclusionGroup = exclusionGroup,
    };

    /// <summary>A policy in the shape the benchmarks ask for: an `all` of 5–10 typical conditions.</summary>
    public Policy Typical(string id)
    {
        var conditions = new List<Criterion>
        {
            new Predicate(FieldCatalog.Region, Op.Under, new TextOperand(Pick(["620100", "620000", "620102", "620171"]))),
            new Predicate(FieldCatalog.AnnualRevenue, Op.Lt, new IntegerOperand(_random.Next(500, 20000) * 1_000_000L)),
            new Not(new Predicate(FieldCatalog.Dishonest, Op.Eq, new BoolOperand(true))),
            new Predicate(FieldCatalog.TaxCredit, Op.In, new TextOperand("A"), new TextOperand("B")),
            new CertPredicate(Pick(["high_tech", "tech_sme", "srdi", "prov_tech_innovative"]), null, _random.Next(2) == 0 ? null : _random.Next(6, 36)),
        };
        var optional = new Criterion[]
        {
            new Predicate(FieldCatalog.Employees, Op.Between, new IntegerOperand(_random.Next(1, 20)), new IntegerOperand(_random.Next(50, 1000))),
            new Predicate(FieldCatalog.TechDomains, Op.HasAny, new TextOperand("electronic_info"), new TextOperand(Pick([.. Codes.TechDomains.Keys]))),
            new Predicate(FieldCatalog.AgeMonths, Op.Ge, new IntegerOperand(_random.Next(6, 60))),
            new Predicate(FieldCatalog.RdRatioBp, Op.Ge, new IntegerOperand(_random.Next(100, 600))),
            new Predicate(FieldCatalog.Scale, Op.In, new TextOperand("micro"), new TextOperand("small"), new TextOperand("medium")),
        };
        conditions.AddRange(optional.OrderBy(_ => _random.Next()).Take(_random.Next(0, optional.Length + 1)));
        return new Policy
        {
            Id = id,
            Status = PolicyStatus.Published,
            Title = $"典型政策 {id}",
            Issuer = "兰州市科学技术局",
            Jurisdiction = "620100",
            Criteria = new AllOf(conditions.ToEquatableArray()),
            Benefit = Benefit(),
        };
    }

    /// <summary>
    /// A policy whose criteria are an <c>all</c> (sometimes nested) of mostly conditions on categorical fields, numbers
    /// and certifications — what the conjunct index keys on — with a random subtree beside them: for the tests that hold
    /// the index's answers to the reference.
    /// </summary>
    public Policy Guarded(string id, string? exclusionGroup = null)
    {
        var conjuncts = Enumerable.Range(0, _random.Next(1, 5)).Select(_ => _random.Next(10) switch
        {
            < 3 => CategoricalLeaf(),
            < 5 => NumericLeaf(),
            < 7 => Cert(),
            7 => new AllOf(new Criterion[] { CategoricalLeaf(), Criterion(2) }.ToEquatableArray()),
            _ => Criterion(3),
        }).ToEquatableArray();
        return Next(id, exclusionGroup: exclusionGroup) with { Criteria = new AllOf(conjuncts) };
    }

    private Predicate NumericLeaf()
    {
        while (true)
        {
            var leaf = Leaf();
            if (FieldCatalog.Get(leaf.Field).Type is FieldType.Integer or FieldType.Money or FieldType.Date)
            {
                return leaf;
            }
        }
    }

    private Predicate CategoricalLeaf()
    {
        while (true)
        {
            var leaf = Leaf();
            if (FieldCatalog.Get(leaf.Field).Type is FieldType.Code or FieldType.Text or FieldType.Set or FieldType.Bool)
            {
                return leaf;
            }
        }
    }

    public Criterion Criterion(int depth)
    {
        var leafChance = depth <= 1 ? 1.0 : 0.45;
        if (_random.NextDouble() < leafChance)
        {
            return _random.Next(8) == 0 ? Cert() : Leaf();
        }

        return _random.Next(5) switch
        {
            0 => new Not(Criterion(depth - 1)),
            1 or 2 => new AllOf(Children(depth)),
            _ => new AnyOf(Children(depth)),
        };
    }

    private EquatableArray<Criterion> Children(int depth) =>
        Enumerable.Range(0, _random.Next(0, 5)).Select(_ => Criterion(depth - 1)).ToEquatableArray();

    private CertPredicate Cert() => new(
        Pick([.. Codes.CertificationKinds.Keys]),
        _random.Next(3) == 0 ? Pick([.. Codes.CertificationLevels.Keys]) : null,
        _random.Next(2) == 0 ? _random.Next(1, 48) : null);

    private Predicate Leaf()
    {
        var field = FieldCatalog.Fields[_random.Next(FieldCatalog.Fields.Count)];
        var ops = FieldCatalog.OpsOf(field.Type).ToArray();
        var op = ops[_random.Next(ops.Length)];
        var count = op switch
        {
            Op.Between => 2,
            _ when op.TakesList() => _random.Next(1, 4),
            _ => 1,
        };
        var values = Enumerable.Range(0, count).Select(_ => Operand(field)).ToList();
        if (op == Op.Between)
        {
            values.Sort(CompareOperands);
        }

        return new Predicate(field.Name, op, values.ToEquatableArray());
    }

    private Operand Operand(FieldDef field) => field.Name switch
    {
        FieldCatalog.Region => new TextOperand(Pick(Regions)),
        FieldCatalog.Industry => new TextOperand(Pick(Industries)),
        FieldCatalog.Zone => new TextOperand(Pick(Zones)),
        FieldCatalog.Tags => new TextOperand(Pick(TagValues)),
        FieldCatalog.Name => new TextOperand(_random.Next(2) == 0 ? "兰州金城软件有限公司" : "兰州\"引号\"公司"),
        FieldCatalog.Employees => new IntegerOperand(_random.Next(0, 400)),
        FieldCatalog.AnnualRevenue or FieldCatalog.RdExpense => new IntegerOperand(_random.Next(3) switch
        {
            0 => _random.Next(0, 50_000) * 1_000_000L,
            1 => _random.Next(0, 5_000_000) * 100L,
            _ => _random.NextInt64(0, 5_000_000_000L),
        }),
        FieldCatalog.AgeMonths => new IntegerOperand(_random.Next(-3, 400)),
        FieldCatalog.RdRatioBp => new IntegerOperand(_random.Next(0, 1500)),
        FieldCatalog.EstablishedOn => new DateOperand(new DateOnly(1995, 1, 1).AddDays(_random.Next(0, 32 * 366))),
        FieldCatalog.Dishonest => new BoolOperand(_random.Next(2) == 0),
        _ when field.AllowedValues is { } allowed => new TextOperand(Pick([.. allowed.Keys])),
        _ => throw new InvalidOperationException($"no operand generator for {field.Name}"),
    };

    private Benefit Benefit() => _random.Next(3) switch
    {
        0 => new FixedBenefit(Pick([100_000_00L, 200_000_00L, 50_000_00L, 300_000_00L])),
        1 => new RateBenefit(Pick([FieldCatalog.RdExpense, FieldCatalog.AnnualRevenue, FieldCatalog.Employees]), _random.Next(1, 3000),
            _random.Next(2) == 0 ? _random.Next(1, 100) * 1_000_000L : null),
        _ => new TierBenefit(Pick([FieldCatalog.AnnualRevenue, FieldCatalog.Employees, FieldCatalog.AgeMonths]),
            new EquatableArray<TierStep>([new TierStep(0, 10_000_00), new TierStep(_random.Next(1, 100), 50_000_00), new TierStep(_random.Next(100, 100_000_000), 200_000_00)])),
    };

    private static int CompareOperands(Operand a, Operand b) => (a, b) switch
    {
        (IntegerOperand x, IntegerOperand y) => x.Value.CompareTo(y.Value),
        (DateOperand x, DateOperand y) => x.Value.CompareTo(y.Value),
        _ => 0,
    };

    private T Pick<T>(T[] values) => values[_random.Next(values.Length)];
}
