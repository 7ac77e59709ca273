using System.Text.Json;
using Huiqi.Gateway;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Http;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// The answer routes' generated writer gives the very bytes the gateway's JSON options give (Chinese as text, nulls
/// left out), and a condition's kept JSON fragment is exactly what writing its view gives.
/// </summary>
public sealed class GeneratedJsonTests
{
    private static JsonSerializerOptions GatewayOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewayExtensions.ConfigureJson(options);
        return options;
    }

    private static V1.ValueList Values(params V1.Value[] items)
    {
        var list = new V1.ValueList();
        list.Items.Add(items);
        return list;
    }

    private static V1.ValueList Texts(params string[] items) => Values([.. items.Select(t => new V1.Value { Text = t })]);

    private static V1.ConditionExplanation Condition(string path, string field, V1.Operator op, V1.ValueList? expected, string? actual, V1.Truth result, string text,
        V1.ProfileSource source = V1.ProfileSource.Unspecified, string sourceBy = "", V1.CertPredicate? cert = null)
    {
        var c = new V1.ConditionExplanation { Path = path, Field = field, Op = op, Expected = expected, Result = result, Text = text, Source = source, SourceBy = sourceBy, Cert = cert };
        if (actual is not null) { c.Actual = actual; }
        return c;
    }

    [Fact]
    public void An_answer_written_by_the_generated_writer_is_byte_for_byte_the_options_own()
    {
        var options = GatewayOptions();
        var texts = Values(
            new V1.Value { Text = "电子信息 \"引号\" \\ <b>&amp;</b> \u0001 😀" }, new V1.Value { Integer = -12_345_678_901 }, new V1.Value { Boolean = true },
            new V1.Value { Date = "2024-02-29" }, new V1.Value());
        var cert = new V1.CertPredicate { Kind = "high_tech", Level = "national", ObtainedWithinMonths = 36 };
        V1.ConditionExplanation[] conditions =
        [
            Condition("criteria.all[0]", "region", V1.Operator.Under, texts, "620102", V1.Truth.True, "所在地区 城关区，要求在甘肃省范围内：满足", V1.ProfileSource.PartnerFeed, "partner:market-regulation"),
            Condition("criteria.all[1]", "tech_domains", V1.Operator.HasAny, texts, null, V1.Truth.Unknown, "高新技术领域 未提供：无法判断"),
            Condition("criteria.all[2]", "certifications", V1.Operator.Unspecified, null, "high_tech/national", V1.Truth.False, "资质 …：不满足", V1.ProfileSource.Staff, "staff:620100", cert),
            Condition("criteria.all[3]", "certifications", V1.Operator.Unspecified, null, null, V1.Truth.Unknown, "t", cert: new V1.CertPredicate { Kind = "srdi" }),
            Condition("criteria.all[4]", "dishonest", V1.Operator.Eq, null, "否", V1.Truth.True, "失信 否：满足"),
            Condition("criteria.all[5]", "name", V1.Operator.Eq, new V1.ValueList(), null, V1.Truth.False, "x"),
            Condition("criteria.all[6]", "annual_revenue", V1.Operator.Between, Values(new V1.Value { Integer = 1 }, new V1.Value { Integer = 2 }), "123456789", V1.Truth.False, "营业收入 1.23亿元：不满足", V1.ProfileSource.SelfDeclared, "enterprise"),
        ];
        AnswerView[] items =
        [
            new("lz-a", 3, "兰州高新区科技企业房租补贴", "eligible", 3_000_000, "3万元", null, [], [], new ConditionViews(conditions), "verified", [], null),
            new("lz-b", 1, "“专精特新”奖励", "excluded", 10_000_000, "10万元", "lz-a", [], ["rd_expense"], new ConditionViews(conditions[..2]), "self_declared", ["rd_expense", "certifications"], "依据自报信息（研发费用、资质认定），待核验"),
            new("lz-c", 1, "t", "unknown", null, null, null, ["employees", "tech_domains"], [], new ConditionViews([]), "verified", [], null),
        ];
        EligibilityView[] views =
        [
            new("91620102MA74HQ1XKE", "2026-12-01", 13_000_000, "13万元", items, "eyJhIjoxfQ"),
            new("91620102MA74HQ1XKE", "2026-12-01", 0, "0元", [], null),
        ];

        foreach (var view in views)
        {
            var expected = JsonSerializer.SerializeToUtf8Bytes(view, options);
            var actual = GeneratedJson.Bytes(view, GatewayJsonContext.Default.EligibilityView);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(actual));
        }

        var written = System.Text.Encoding.UTF8.GetString(GeneratedJson.Bytes(views[0], GatewayJsonContext.Default.EligibilityView));
        Assert.Contains("兰州高新区科技企业房租补贴", written);
        Assert.Contains("\"expected\":{\"kind\":\"high_tech\",\"level\":\"national\",\"obtainedWithinMonths\":36}", written);
        Assert.Contains("\"op\":\"between\",\"expected\":[1,2]", written);
    }

    /// <summary>
    /// A kept condition fragment is exactly what writing that condition's view gives: each answer's <c>conditions</c> is
    /// held to the same views written one by one (no fragment involved), cold, warm and warm again, for conditions that
    /// differ in one field only; and a writer with other settings never gets the relaxed fragments.
    /// </summary>
    [Fact]
    public void Kept_condition_fragments_are_the_bytes_the_condition_writes()
    {
        var options = GatewayOptions();
        var salt = Guid.NewGuid().ToString("N")[..8]; // other tests may have kept fragments already: these are new
        V1.ConditionExplanation[] conditions =
        [
            Condition("criteria.all[0]", "region", V1.Operator.Under, Texts("620100"), "620171", V1.Truth.True, $"所在地区 兰州新区（620171）{salt}：满足", V1.ProfileSource.PartnerFeed, "partner:market-regulation"),
            Condition("criteria.all[0]", "region", V1.Operator.Under, Texts("620100"), "620171", V1.Truth.True, $"所在地区 兰州新区（620171）{salt}：满足", V1.ProfileSource.PartnerFeed, "partner:tax"),
            Condition("criteria.all[0]", "region", V1.Operator.Under, Texts("620000"), "620171", V1.Truth.True, $"所在地区 兰州新区（620171）{salt}：满足", V1.ProfileSource.PartnerFeed, "partner:market-regulation"),
            Condition("criteria.all[0]", "region", V1.Operator.Ne, Texts("620000"), "620171", V1.Truth.True, $"所在地区 兰州新区（620171）{salt}：满足", V1.ProfileSource.PartnerFeed, "partner:market-regulation"),
            Condition("criteria.all[1]", "tags", V1.Operator.HasAny, Texts("绿色工厂", "\"引号\" <b>"), "新开办,绿色工厂", V1.Truth.True, $"企业标签 \u0001 😀 {salt}", V1.ProfileSource.SelfDeclared),
            Condition("criteria.all[1]", "tags", V1.Operator.HasAny, Texts("绿色工厂", "\"引号\" <b>"), "新开办,绿色工厂", V1.Truth.False, $"企业标签 \u0001 😀 {salt}", V1.ProfileSource.SelfDeclared),
            Condition("criteria.all[2]", "annual_revenue", V1.Operator.Lt, Values(new V1.Value { Integer = 2_000_000_000 }), "123456789", V1.Truth.True, $"营业收入 {salt}", V1.ProfileSource.PartnerFeed, "partner:tax"),
            Condition("criteria.all[3]", "certifications", V1.Operator.Unspecified, null, null, V1.Truth.Unknown, $"资质 {salt}", cert: new V1.CertPredicate { Kind = "high_tech", Level = "national" }),
            Condition("criteria.all[3]", "certifications", V1.Operator.Unspecified, null, null, V1.Truth.Unknown, $"资质 {salt}", cert: new V1.CertPredicate { Kind = "high_tech", Level = "provincial" }),
            Condition("criteria.all[4]", "dishonest", V1.Operator.Eq, Values(new V1.Value { Boolean = false }), "否", V1.Truth.False, $"失信 否 {salt}", V1.ProfileSource.Staff, "staff:620100"),
        ];
        Assert.True(EncodedConditionsConverter.WorthKeeping(conditions[0]));
        Assert.False(EncodedConditionsConverter.WorthKeeping(conditions[6])); // a revenue: nearly always new
        var view = new EligibilityView("91620102MA74HQ1XKE", "2026-12-01", 0, "0元",
            [new("lz-a", 1, "t", "eligible", null, null, null, [], [], new ConditionViews(conditions), "verified", [], null),
             new("lz-b", 1, "t", "eligible", null, null, null, [], [], new ConditionViews([.. conditions.Reverse()]), "verified", [], null)], null);

        for (var round = 0; round < 3; round++)
        {
            foreach (var written in new[] { GeneratedJson.Bytes(view, GatewayJsonContext.Default.EligibilityView), JsonSerializer.SerializeToUtf8Bytes(view, options) })
            {
                using var document = JsonDocument.Parse(written);
                var items = document.RootElement.GetProperty("items");
                Assert.Equal(Plain(conditions, options), items[0].GetProperty("conditions").GetRawText());
                Assert.Equal(Plain(conditions.Reverse(), options), items[1].GetProperty("conditions").GetRawText());
            }
        }

        // A kept key is a copy: a message changed after it was written is written as it is now, not as it was.
        var changing = Condition("criteria.all[9]", "scale", V1.Operator.Eq, Texts("small"), "small", V1.Truth.True, $"企业规模 小型 {salt}", V1.ProfileSource.PartnerFeed, "partner:tax");
        var once = view with { Items = [view.Items[0] with { Conditions = new ConditionViews([changing]) }] };
        Assert.Contains("partner:tax", System.Text.Encoding.UTF8.GetString(GeneratedJson.Bytes(once, GatewayJsonContext.Default.EligibilityView)));
        changing.SourceBy = "partner:science";
        Assert.Contains("partner:science", System.Text.Encoding.UTF8.GetString(GeneratedJson.Bytes(once, GatewayJsonContext.Default.EligibilityView)));

        // The key copies every field of the message (a field added to the contract must be added to the copy too).
        Assert.Equal(["path", "field", "op", "expected", "actual", "result", "text", "cert", "source", "source_by"],
            V1.ConditionExplanation.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name));

        // Another encoder (Chinese as \uXXXX): written afresh, never from the relaxed fragments.
        var strict = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        strict.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
        var escaped = JsonSerializer.Serialize(view, strict);
        Assert.Contains("\\u6240\\u5728", escaped);
        Assert.Contains(Plain(conditions, strict), escaped);
    }

    /// <summary>The conditions' views written one by one, as a plain array: no fragment involved.</summary>
    private static string Plain(IEnumerable<V1.ConditionExplanation> conditions, JsonSerializerOptions options) =>
        "[" + string.Join(",", conditions.Select(c => JsonSerializer.Serialize(EligibilityViews.Condition(c), options))) + "]";

    [Fact]
    public void Kept_condition_fragments_stay_within_their_bound()
    {
        var conditions = Enumerable.Range(0, EncodedConditionsConverter.Capacity + 100)
            .Select(i => Condition("criteria.all[0]", "scale", V1.Operator.Eq, Texts("small"), null, V1.Truth.Unknown, $"企业规模未提供 {Guid.NewGuid():N} {i}"))
            .ToArray();
        var view = new EligibilityView("91620102MA74HQ1XKE", "2026-12-01", 0, "0元",
            [new("lz-a", 1, "t", "unknown", null, null, null, ["scale"], [], new ConditionViews(conditions), "verified", [], null)], null);

        var written = GeneratedJson.Bytes(view, GatewayJsonContext.Default.EligibilityView);

        Assert.InRange(EncodedConditionsConverter.Count, 1, EncodedConditionsConverter.Capacity);
        using var document = JsonDocument.Parse(written);
        Assert.Equal(conditions.Length, document.RootElement.GetProperty("items")[0].GetProperty("conditions").GetArrayLength());
    }
}
