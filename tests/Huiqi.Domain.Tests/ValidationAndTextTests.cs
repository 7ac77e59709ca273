using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Text;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("criteria.all[2].op", "criteria.op_not_allowed")]
    public void An_op_the_field_type_does_not_take_is_named_by_path(string path, string code)
    {
        var criteria = All(Leaf("region", Op.Under, "620100"), Leaf("employees", Op.Gt, 5), Leaf("annual_revenue", Op.HasAny, 5L));
        var error = Assert.Single(CriteriaValidator.Validate(criteria));
        Assert.Equal((path, code), (error.Path, error.Code));
        Assert.Contains("不支持运算符 has_any", error.Message);
    }

    [Fact]
    public void Unknown_fields_wrong_operand_types_and_counts_are_invalid()
    {
        var criteria = Any(
            Leaf("revenue", Op.Lt, 5),
            new Not(Leaf("employees", Op.Lt, "many")),
            Leaf("tech_domains", Op.HasAny, "quantum"),
            Leaf("employees", Op.Between, 9, 1),
            Leaf("scale", Op.In),
            Leaf("region", Op.Eq, "6201"),
            Leaf("industry", Op.Under, "c27"),
            Leaf("dishonest", Op.Eq, "yes"),
            new CertPredicate("iso9001", "world", 0));
        var errors = CriteriaValidator.Validate(criteria).Select(e => (e.Path, e.Code)).ToList();
        Assert.Equal(
        [
            ("criteria.any[0].field", "criteria.unknown_field"),
            ("criteria.any[1].not.value", "criteria.operand_type"),
            ("criteria.any[2].values[0]", "criteria.operand_value"),
            ("criteria.any[3].values", "criteria.between_order"),
            ("criteria.any[4].values", "criteria.operand_count"),
            ("criteria.any[5].value", "criteria.operand_value"),
            ("criteria.any[6].value", "criteria.operand_value"),
            ("criteria.any[7].value", "criteria.operand_type"),
            ("criteria.any[8].cert.kind", "criteria.cert_kind"),
            ("criteria.any[8].cert.level", "criteria.cert_level"),
            ("criteria.any[8].cert.obtainedWithinMonths", "criteria.cert_months"),
        ], errors);
    }

    [Fact]
    public void Too_deep_a_tree_is_refused()
    {
        Criterion deep = Leaf("employees", Op.Gt, 1);
        for (var i = 0; i < 40; i++)
        {
            deep = new Not(deep);
        }

        Assert.Contains(CriteriaValidator.Validate(deep), e => e.Code == "criteria.too_deep");
    }

    [Fact]
    public void Generated_policies_are_valid()
    {
        var generator = new PolicyGenerator(7);
        for (var i = 0; i < 500; i++)
        {
            Assert.Empty(CriteriaValidator.Validate(generator.Criterion(4)));
        }
    }
}

public sealed class TextFormTests
{
    [Fact]
    public void The_example_of_the_issue_parses()
    {
        var parsed = CriteriaText.Parse("region under 620100 and cert high_tech within 12 months and annual_revenue < 2000万 and not dishonest = true");
        Assert.Equal(All(
            Leaf("region", Op.Under, "620100"),
            new CertPredicate("high_tech", null, 12),
            Leaf("annual_revenue", Op.Lt, 2_000_000_000L),
            new Not(Leaf("dishonest", Op.Eq, true))), parsed);
    }

    [Fact]
    public void Or_binds_looser_than_and_and_parentheses_nest()
    {
        var a = Leaf("scale", Op.Eq, "micro");
        var b = Leaf("scale", Op.Eq, "small");
        var c = Leaf("tax_credit", Op.Eq, "A");
        Assert.Equal(Any(All(a, b), c), CriteriaText.Parse("scale = micro and scale = small or tax_credit = A"));
        Assert.Equal(All(a, Any(b, c)), CriteriaText.Parse("scale = micro and (scale = small or tax_credit = A)"));
        Assert.Equal(All(a, All(b, c)), CriteriaText.Parse("scale = micro and (scale = small and tax_credit = A)"));
        Assert.Equal(All(), CriteriaText.Parse("all()"));
        Assert.Equal(Any(a), CriteriaText.Parse("any(scale = micro)"));
    }

    [Fact]
    public void Values_of_every_type_read_as_their_field_needs()
    {
        Assert.Equal(Leaf("annual_revenue", Op.Between, 12_345L, 1_250_000L), CriteriaText.Parse("annual_revenue between 123.45元 and 1.25万"));
        Assert.Equal(Leaf("rd_expense", Op.Ge, 99L), CriteriaText.Parse("rd_expense >= 99"));
        Assert.Equal(Leaf("established_on", Op.Le, new DateOnly(2024, 2, 29)), CriteriaText.Parse("established_on <= 2024-02-29"));
        Assert.Equal(Leaf("tech_domains", Op.HasAll, "electronic_info", "aerospace"), CriteriaText.Parse("tech_domains has_all [electronic_info, aerospace]"));
        Assert.Equal(Leaf("name", Op.Eq, "兰州\"金城\"公司"), CriteriaText.Parse("name = \"兰州\\\"金城\\\"公司\""));
        Assert.Equal(Leaf("zone", Op.NotIn, "lanzhou-hitech", "none"), CriteriaText.Parse("zone not_in [lanzhou-hitech, none]"));
        Assert.Equal(new CertPredicate("srdi", "provincial"), CriteriaText.Parse("cert srdi level provincial"));
    }

    [Theory]
    [InlineData("region under 620100 and\n  revenue < 5万", 2, 3, "未知字段“revenue”")]
    [InlineData("employees > many", 1, 13, "此处应为整数")]
    [InlineData("scale = huge", 1, 1, "不是“企业规模”的取值")]
    [InlineData("annual_revenue has_any [1]", 1, 16, "不支持运算符 has_any")]
    [InlineData("(scale = micro", 1, 15, "此处应为“)”")]
    [InlineData("annual_revenue < 0.001元", 1, 18, "不是整数分")]
    [InlineData("name = 兰州", 1, 8, "无法识别的字符")]
    public void Errors_carry_line_and_column(string text, int line, int column, string reason)
    {
        var error = Assert.Throws<CriteriaTextException>(() => CriteriaText.Parse(text));
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Parse_of_print_gives_back_every_valid_tree()
    {
        var generator = new PolicyGenerator(2026);
        for (var i = 0; i < 3000; i++)
        {
            var criterion = generator.Criterion(1 + i % 5);
            var text = CriteriaText.Print(criterion);
            Assert.True(criterion == CriteriaText.Parse(text), $"round trip failed for: {text}");
        }
    }

    [Fact]
    public void Printing_is_readable()
    {
        var criteria = All(Leaf("region", Op.Under, "620100"), Any(Leaf("annual_revenue", Op.Lt, 2_000_000_000L), Leaf("rd_expense", Op.Ge, 12_345L)), new Not(Leaf("dishonest", Op.Eq, true)));
        Assert.Equal("region under 620100 and (annual_revenue < 2000万 or rd_expense >= 123.45元) and not dishonest = true", CriteriaText.Print(criteria));
    }
}

public sealed class ExplanationTests
{
    [Theory]
    [InlineData(20_000_000, "20万元")]
    [InlineData(2_500_000_000, "2,500万元")]
    [InlineData(12_500_000, "12.5万元")]
    [InlineData(123_456, "1,234.56元")]
    [InlineData(80_000, "800元")]
    [InlineData(5, "0.05元")]
    [InlineData(0, "0元")]
    [InlineData(12_300_000, "12.3万元")]
    [InlineData(1_999_998, "19,999.98元")] // 按比例核减 leaves odd amounts: exact in 元, not 1.999998万元
    [InlineData(1_234_500, "12,345元")]
    [InlineData(-20_000_000, "-20万元")]
    public void Money_reads_in_wan_yuan_or_yuan(long fen, string text) => Assert.Equal(text, Money.Format(fen));

    [Fact]
    public void Each_leaf_gets_a_sentence_with_the_actual_value()
    {
        var profile = Profile() with { AnnualRevenue = 2_500_000_000, Region = "620102", TechDomains = Set("electronic_info") };
        var conditions = PolicyEvaluator.Explain(All(
            Leaf("annual_revenue", Op.Lt, 2_000_000_000L),
            Leaf("region", Op.Under, "620100"),
            Leaf("tech_domains", Op.HasAny, "electronic_info", "biomedicine"),
            Leaf("employees", Op.Ge, 10),
            new CertPredicate("high_tech", "national", 12)), profile, AsOf);

        Assert.Equal("营业收入 2,500万元，要求低于 2,000万元：不满足", conditions[0].Text);
        Assert.Equal(("annual_revenue", "2500000000", Truth.False, "criteria.all[0]"), (conditions[0].Field, conditions[0].Actual, conditions[0].Result, conditions[0].Path));
        Assert.Equal("所在地区 城关区（620102），要求位于兰州市（620100）辖区内：满足", conditions[1].Text);
        Assert.Equal("高新技术领域 电子信息，要求包含电子信息、生物与新医药中的任一项：满足", conditions[2].Text);
        Assert.Equal("从业人数未提供，要求不低于 10人：无法判断", conditions[3].Text);
        Assert.Null(conditions[3].Actual);
        Assert.Equal("资质认定未提供，要求持有有效的国家级高新技术企业认定（近12个月内取得）：无法判断", conditions[4].Text);
        Assert.Equal(("certifications", "criteria.all[4].cert"), (conditions[4].Field, conditions[4].Path));
    }

    [Fact]
    public void Codes_without_a_name_fall_back_to_the_code()
    {
        var conditions = PolicyEvaluator.Explain(Leaf("region", Op.Eq, "650102"), Profile() with { Region = "650103" }, AsOf);
        Assert.Equal("所在地区 650103，要求为650102：不满足", conditions[0].Text);
    }

    [Fact]
    public void Whole_criteria_read_as_one_sentence()
    {
        var text = ConditionText.DescribeCriteria(All(Leaf("region", Op.Under, "620100"), Any(Leaf("scale", Op.Eq, "micro"), Leaf("scale", Op.Eq, "small"))));
        Assert.Equal("所在地区位于兰州市（620100）辖区内，且（企业规模为微型，或企业规模为小型）", text);
    }
}
