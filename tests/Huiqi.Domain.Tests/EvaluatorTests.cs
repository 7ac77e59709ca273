using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

/// <summary>ELIGIBILITY.md §2, operator by operator and edge by edge, on the reference evaluator.</summary>
public sealed class EvaluatorTests
{
    private static Truth Eval(Criterion c, EnterpriseProfile p, DateOnly? asOf = null) => CriteriaEvaluator.Evaluate(c, p, asOf ?? AsOf);

    private static readonly EnterpriseProfile Firm = Profile() with
    {
        Name = "兰州金城软件有限公司",
        Region = "620102",
        Zone = "lanzhou-hitech",
        Industry = "C2710",
        TechDomains = Set("electronic_info", "new_materials"),
        Scale = "small",
        Ownership = "private",
        EstablishedOn = D("2020-01-15"),
        Employees = 50,
        AnnualRevenue = 25_000_000_00,   // 2,500万元
        RdExpense = 1_000_000_00,        // 100万元
        TaxCredit = "A",
        Dishonest = false,
        ListingBoard = "neeq",
        Tags = Set("外贸"),
        Certifications = Certs(new Certification("high_tech", "national", D("2025-12-01"), D("2028-12-01"))),
    };

    public static TheoryData<string, Op, object[], Truth> TextCases => new()
    {
        { "region", Op.Eq, ["620102"], Truth.True },
        { "region", Op.Eq, ["620103"], Truth.False },
        { "region", Op.Ne, ["620103"], Truth.True },
        { "region", Op.In, ["620103", "620102"], Truth.True },
        { "region", Op.NotIn, ["620103", "620102"], Truth.False },
        { "region", Op.Under, ["620100"], Truth.True },
        { "region", Op.Under, ["620000"], Truth.True },
        { "region", Op.Under, ["620102"], Truth.True },   // a code is under itself
        { "region", Op.Under, ["620200"], Truth.False },
        { "region", Op.Under, ["420000"], Truth.False },
        { "industry", Op.Under, ["C27"], Truth.True },
        { "industry", Op.Under, ["C"], Truth.True },
        { "industry", Op.Under, ["C2710"], Truth.True },
        { "industry", Op.Under, ["C26"], Truth.False },
        { "industry", Op.Eq, ["C27"], Truth.False },
        { "zone", Op.Eq, ["lanzhou-hitech"], Truth.True },
        { "scale", Op.In, ["micro", "small"], Truth.True },
        { "ownership", Op.Ne, ["private"], Truth.False },
        { "tax_credit", Op.NotIn, ["C", "D"], Truth.True },
        { "listing_board", Op.Eq, ["neeq"], Truth.True },
        { "name", Op.Eq, ["兰州金城软件有限公司"], Truth.True },
        { "tech_domains", Op.HasAny, ["biomedicine", "new_materials"], Truth.True },
        { "tech_domains", Op.HasAny, ["biomedicine"], Truth.False },
        { "tech_domains", Op.HasAll, ["electronic_info", "new_materials"], Truth.True },
        { "tech_domains", Op.HasAll, ["electronic_info", "biomedicine"], Truth.False },
        { "tech_domains", Op.HasNone, ["biomedicine", "aerospace"], Truth.True },
        { "tech_domains", Op.HasNone, ["electronic_info"], Truth.False },
        { "tags", Op.HasAny, ["外贸"], Truth.True },
        { "employees", Op.Eq, [50], Truth.True },
        { "employees", Op.Ne, [50], Truth.False },
        { "employees", Op.Lt, [50], Truth.False },
        { "employees", Op.Le, [50], Truth.True },
        { "employees", Op.Gt, [49], Truth.True },
        { "employees", Op.Ge, [51], Truth.False },
        { "employees", Op.Between, [50, 50], Truth.True },   // both ends included
        { "employees", Op.Between, [10, 49], Truth.False },
        { "annual_revenue", Op.Lt, [20_000_000_00L], Truth.False },
        { "annual_revenue", Op.Ge, [25_000_000_00L], Truth.True },
        { "rd_expense", Op.Between, [0L, 1_000_000_00L], Truth.True },
        { "rd_ratio_bp", Op.Eq, [400], Truth.True },           // 100万 / 2,500万 = 4%
        { "age_months", Op.Eq, [76], Truth.True },              // 2020-01-15 → 2026-06-01
        { "age_months", Op.Ge, [77], Truth.False },
        { "established_on", Op.Lt, [new DateOnly(2020, 1, 16)], Truth.True },
        { "established_on", Op.Le, [new DateOnly(2020, 1, 14)], Truth.False },
        { "established_on", Op.Between, [new DateOnly(2020, 1, 15), new DateOnly(2020, 1, 15)], Truth.True },
        { "established_on", Op.Gt, [new DateOnly(2020, 1, 15)], Truth.False },
        { "dishonest", Op.Eq, [false], Truth.True },
        { "dishonest", Op.Ne, [false], Truth.False },
    };

    [Theory]
    [MemberData(nameof(TextCases))]
    public void Every_op_on_every_field_type(string field, Op op, object[] values, Truth expected) =>
        Assert.Equal(expected, Eval(Leaf(field, op, values), Firm));

    public static TheoryData<string, Op, object[]> EveryOpOnAbsent => new()
    {
        { "region", Op.Ne, ["620103"] },
        { "region", Op.NotIn, ["620103"] },
        { "region", Op.Under, ["620000"] },
        { "scale", Op.Ne, ["large"] },
        { "tech_domains", Op.HasNone, ["aerospace"] },
        { "tags", Op.HasAll, ["外贸"] },
        { "employees", Op.Ne, [5] },
        { "annual_revenue", Op.Lt, [1L] },
        { "established_on", Op.Ne, [new DateOnly(2000, 1, 1)] },
        { "age_months", Op.Ge, [0] },
        { "rd_ratio_bp", Op.Ge, [0] },
        { "dishonest", Op.Ne, [true] },
        { "name", Op.Ne, ["x"] },
    };

    [Theory]
    [MemberData(nameof(EveryOpOnAbsent))]
    public void A_predicate_on_an_absent_field_is_unknown_whatever_the_op(string field, Op op, object[] values) =>
        Assert.Equal(Truth.Unknown, Eval(Leaf(field, op, values), Profile()));

    [Fact]
    public void Not_keeps_unknown_unknown_and_swaps_the_rest()
    {
        var absent = Leaf("dishonest", Op.Eq, true);
        Assert.Equal(Truth.Unknown, Eval(new Not(absent), Profile()));
        Assert.Equal(Truth.True, Eval(new Not(absent), Profile() with { Dishonest = false }));
        Assert.Equal(Truth.False, Eval(new Not(new Not(new Not(absent))), Profile() with { Dishonest = true }));
    }

    [Fact]
    public void Empty_all_is_true_and_empty_any_is_false()
    {
        Assert.Equal(Truth.True, Eval(All(), Profile()));
        Assert.Equal(Truth.False, Eval(Any(), Profile()));
        Assert.Equal(Truth.False, Eval(new Not(All()), Profile()));
    }

    [Fact]
    public void Kleene_all_and_any()
    {
        var t = Leaf("region", Op.Eq, "620102");
        var f = Leaf("region", Op.Eq, "620103");
        var u = Leaf("employees", Op.Gt, 1);
        var p = Profile() with { Region = "620102" };
        Assert.Equal(Truth.False, Eval(All(u, f), p));   // false wins over unknown
        Assert.Equal(Truth.Unknown, Eval(All(t, u), p));
        Assert.Equal(Truth.True, Eval(All(t, t), p));
        Assert.Equal(Truth.True, Eval(Any(u, t), p));    // true wins over unknown
        Assert.Equal(Truth.Unknown, Eval(Any(f, u), p));
        Assert.Equal(Truth.False, Eval(Any(f, f), p));
    }

    [Fact]
    public void Rd_ratio_with_zero_revenue_is_unknown()
    {
        var p = Profile() with { AnnualRevenue = 0, RdExpense = 100 };
        Assert.Equal(Truth.Unknown, Eval(Leaf("rd_ratio_bp", Op.Ge, 0), p));
    }

    [Fact]
    public void An_empty_set_is_known_and_has_nothing()
    {
        var p = Profile() with { TechDomains = Set() };
        Assert.Equal(Truth.False, Eval(Leaf("tech_domains", Op.HasAny, "aerospace"), p));
        Assert.Equal(Truth.True, Eval(Leaf("tech_domains", Op.HasNone, "aerospace"), p));
    }

    // ---- cert ----

    private static EnterpriseProfile Holding(params Certification[] certs) => Profile() with { Certifications = Certs(certs) };

    [Fact]
    public void Cert_is_unknown_only_when_certifications_are_absent()
    {
        Assert.Equal(Truth.Unknown, Eval(new CertPredicate("high_tech"), Profile()));
        Assert.Equal(Truth.False, Eval(new CertPredicate("high_tech"), Holding()));
    }

    [Fact]
    public void Cert_needs_the_kind_and_the_level_when_given()
    {
        var p = Holding(new Certification("srdi", "provincial", D("2025-01-01"), null));
        Assert.Equal(Truth.True, Eval(new CertPredicate("srdi"), p));
        Assert.Equal(Truth.True, Eval(new CertPredicate("srdi", "provincial"), p));
        Assert.Equal(Truth.False, Eval(new CertPredicate("srdi", "national"), p));
        Assert.Equal(Truth.False, Eval(new CertPredicate("little_giant"), p));
        Assert.Equal(Truth.False, Eval(new CertPredicate("srdi", "national"), Holding(new Certification("srdi", null, D("2025-01-01"), null))));
    }

    [Fact]
    public void Cert_counts_from_obtained_on_until_the_day_before_it_expires()
    {
        var cert = new CertPredicate("high_tech");
        var p = Holding(new Certification("high_tech", null, D("2026-06-01"), D("2026-07-01")));
        Assert.Equal(Truth.False, Eval(cert, p, D("2026-05-31")));  // not yet obtained
        Assert.Equal(Truth.True, Eval(cert, p, D("2026-06-01")));   // obtained_on <= as_of
        Assert.Equal(Truth.True, Eval(cert, p, D("2026-06-30")));
        Assert.Equal(Truth.False, Eval(cert, p, D("2026-07-01")));  // as_of < expires_on fails
    }

    [Fact]
    public void Cert_within_months_is_strictly_after_as_of_minus_n_months()
    {
        var within12 = new CertPredicate("high_tech", null, 12);
        Assert.Equal(Truth.False, Eval(within12, Holding(new Certification("high_tech", null, D("2025-06-01"), null)), D("2026-06-01")));
        Assert.Equal(Truth.True, Eval(within12, Holding(new Certification("high_tech", null, D("2025-06-02"), null)), D("2026-06-01")));
    }

    [Fact]
    public void Cert_within_months_clamps_to_month_end_and_knows_leap_years()
    {
        var within1 = new CertPredicate("tech_sme", null, 1);
        // 2026-03-31 minus 1 month = 2026-02-28: obtained 02-28 is not after it, 03-01 is.
        Assert.Equal(Truth.False, Eval(within1, Holding(new Certification("tech_sme", null, D("2026-02-28"), null)), D("2026-03-31")));
        Assert.Equal(Truth.True, Eval(within1, Holding(new Certification("tech_sme", null, D("2026-03-01"), null)), D("2026-03-31")));
        // 2024 is a leap year: 2024-03-31 minus 1 month = 2024-02-29.
        Assert.Equal(Truth.False, Eval(within1, Holding(new Certification("tech_sme", null, D("2024-02-29"), null)), D("2024-03-31")));
        Assert.Equal(Truth.True, Eval(within1, Holding(new Certification("tech_sme", null, D("2024-02-29"), null)), D("2024-03-28")));
    }

    [Fact]
    public void Any_one_of_several_certifications_is_enough()
    {
        var p = Holding(
            new Certification("high_tech", null, D("2020-01-01"), D("2023-01-01")),   // expired
            new Certification("high_tech", null, D("2024-01-01"), D("2027-01-01")));  // current
        Assert.Equal(Truth.True, Eval(new CertPredicate("high_tech"), p));
        Assert.Equal(Truth.False, Eval(new CertPredicate("high_tech", null, 12), p));
    }
}
