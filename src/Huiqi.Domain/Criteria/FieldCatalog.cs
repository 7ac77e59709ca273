using System.Collections.Frozen;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Criteria;

/// <summary>The value type of a profile field, which fixes the ops and operand kind it takes.</summary>
public enum FieldType
{
    /// <summary>Hierarchical code: region, industry. Text operands.</summary>
    Code,
    /// <summary>Enumeration or free string: zone, scale, ownership, tax_credit, listing_board, name. Text operands.</summary>
    Text,
    /// <summary>Set of strings: tech_domains, tags. Text operands.</summary>
    Set,
    /// <summary>Whole number: employees and the derived age_months, rd_ratio_bp. Integer operands.</summary>
    Integer,
    /// <summary>Money in fen: annual_revenue, rd_expense. Integer operands (fen).</summary>
    Money,
    /// <summary>Calendar date: established_on. Date operands.</summary>
    Date,
    /// <summary>dishonest. Bool operands.</summary>
    Bool,
}

/// <summary>One field as criteria name it.</summary>
/// <param name="Name">The name as data, exactly as in ELIGIBILITY.md §1.</param>
/// <param name="Label">zh-CN label for explanations.</param>
/// <param name="AllowedValues">For closed vocabularies, the codes an operand may use.</param>
/// <param name="Sources">For derived fields, the stored fields they are computed from (what an enterprise fills in).</param>
public sealed record FieldDef(string Name, FieldType Type, string Label, FrozenDictionary<string, string>? AllowedValues = null, string[]? Sources = null)
{
    public bool IsDerived => Sources is not null;

    public bool TakesOp(Op op) => FieldCatalog.OpsOf(Type).Contains(op);
}

public static class FieldCatalog
{
    public const string Region = "region", Zone = "zone", Industry = "industry", TechDomains = "tech_domains", Scale = "scale",
        Ownership = "ownership", EstablishedOn = "established_on", Employees = "employees", AnnualRevenue = "annual_revenue",
        RdExpense = "rd_expense", TaxCredit = "tax_credit", Dishonest = "dishonest", ListingBoard = "listing_board", Tags = "tags",
        Name = "name", AgeMonths = "age_months", RdRatioBp = "rd_ratio_bp", Certifications = "certifications";

    private static readonly FieldDef[] All =
    [
        new(Name, FieldType.Text, "企业名称"),
        new(Region, FieldType.Code, "所在地区"),
        new(Zone, FieldType.Text, "所在园区"),
        new(Industry, FieldType.Code, "所属行业"),
        new(TechDomains, FieldType.Set, "高新技术领域", Codes.TechDomains),
        new(Scale, FieldType.Text, "企业规模", Codes.Scales),
        new(Ownership, FieldType.Text, "所有制类型", Codes.Ownerships),
        new(EstablishedOn, FieldType.Date, "成立日期"),
        new(Employees, FieldType.Integer, "从业人数"),
        new(AnnualRevenue, FieldType.Money, "营业收入"),
        new(RdExpense, FieldType.Money, "研发费用"),
        new(TaxCredit, FieldType.Text, "纳税信用等级", Codes.TaxCredits),
        new(Dishonest, FieldType.Bool, "列入严重失信主体名单"),
        new(ListingBoard, FieldType.Text, "上市板块", Codes.ListingBoards),
        new(Tags, FieldType.Set, "企业标签"),
        new(AgeMonths, FieldType.Integer, "成立月数", Sources: [EstablishedOn]),
        new(RdRatioBp, FieldType.Integer, "研发费用占营业收入比例", Sources: [RdExpense, AnnualRevenue]),
    ];

    private static readonly FrozenDictionary<string, FieldDef> ByName = All.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<FieldType, FrozenSet<Op>> Ops = new Dictionary<FieldType, FrozenSet<Op>>
    {
        [FieldType.Code] = new[] { Op.Eq, Op.Ne, Op.In, Op.NotIn, Op.Under }.ToFrozenSet(),
        [FieldType.Text] = new[] { Op.Eq, Op.Ne, Op.In, Op.NotIn }.ToFrozenSet(),
        [FieldType.Set] = new[] { Op.HasAny, Op.HasAll, Op.HasNone }.ToFrozenSet(),
        [FieldType.Integer] = new[] { Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Between }.ToFrozenSet(),
        [FieldType.Money] = new[] { Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Between }.ToFrozenSet(),
        [FieldType.Date] = new[] { Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Between }.ToFrozenSet(),
        [FieldType.Bool] = new[] { Op.Eq, Op.Ne }.ToFrozenSet(),
    }.ToFrozenDictionary();

    /// <summary>Every field a predicate may name (the <c>cert</c> predicate covers certifications).</summary>
    public static IReadOnlyList<FieldDef> Fields => All;

    public static bool TryGet(string name, out FieldDef field) => ByName.TryGetValue(name, out field!);

    public static FieldDef Get(string name) => ByName.TryGetValue(name, out var field)
        ? field
        : throw new ArgumentException($"unknown field '{name}'", nameof(name));

    public static FrozenSet<Op> OpsOf(FieldType type) => Ops[type];

    /// <summary>Numeric fields a benefit's rate or tiers may be computed from.</summary>
    public static bool IsNumeric(FieldDef field) => field.Type is FieldType.Integer or FieldType.Money;

    /// <summary>zh-CN label for a field name, including <c>certifications</c>.</summary>
    public static string LabelOf(string name) => name == Certifications ? "资质认定" : ByName.TryGetValue(name, out var f) ? f.Label : name;
}
