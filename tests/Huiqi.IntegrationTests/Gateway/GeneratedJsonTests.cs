using System.Text.Json;
using Huiqi.Gateway;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Http;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>The answer routes' generated writer gives the very bytes the gateway's JSON options give (Chinese as text, nulls left out).</summary>
public sealed class GeneratedJsonTests
{
    [Fact]
    public void An_answer_written_by_the_generated_writer_is_byte_for_byte_the_options_own()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewayExtensions.ConfigureJson(options);
        var texts = new V1.ValueList();
        texts.Items.Add(new V1.Value { Text = "电子信息 \"引号\" \\ <b>&amp;</b> \u0001 😀" });
        texts.Items.Add(new V1.Value { Integer = -12_345_678_901 });
        texts.Items.Add(new V1.Value { Boolean = true });
        texts.Items.Add(new V1.Value { Date = "2024-02-29" });
        texts.Items.Add(new V1.Value());
        var cert = new V1.CertPredicate { Kind = "high_tech", Level = "national", ObtainedWithinMonths = 36 };
        ConditionView[] conditions =
        [
            new("criteria.all[0]", "region", "under", new ExpectedOperands(texts, null, AsList: false), "620102", "true", "所在地区 城关区，要求在甘肃省范围内：满足", "partner_feed", "partner:market-regulation"),
            new("criteria.all[1]", "tech_domains", "has_any", new ExpectedOperands(texts, null, AsList: true), null, "unknown", "高新技术领域 未提供：无法判断", null, null),
            new("criteria.all[2]", "certifications", "cert", new ExpectedOperands(null, cert, AsList: false), "high_tech/national", "false", "资质 …：不满足", "staff", "staff:620100"),
            new("criteria.all[3]", "certifications", "cert", new ExpectedOperands(null, new V1.CertPredicate { Kind = "srdi" }, AsList: false), null, "unknown", "t", null, null),
            new("criteria.all[4]", "dishonest", "eq", null, "否", "true", "失信 否：满足", null, null),
            new("criteria.all[5]", "name", "in", new ExpectedOperands(new V1.ValueList(), null, AsList: false), null, "false", "x", null, null),
        ];
        AnswerView[] items =
        [
            new("lz-a", 3, "兰州高新区科技企业房租补贴", "eligible", 3_000_000, "3万元", null, [], [], conditions, "verified", [], null),
            new("lz-b", 1, "“专精特新”奖励", "excluded", 10_000_000, "10万元", "lz-a", [], ["rd_expense"], conditions[..2], "self_declared", ["rd_expense", "certifications"], "依据自报信息（研发费用、资质认定），待核验"),
            new("lz-c", 1, "t", "unknown", null, null, null, ["employees", "tech_domains"], [], [], "verified", [], null),
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

        Assert.Contains("兰州高新区科技企业房租补贴", System.Text.Encoding.UTF8.GetString(GeneratedJson.Bytes(views[0], GatewayJsonContext.Default.EligibilityView)));
    }

    /// <summary>
    /// A kept condition fragment is exactly what writing that condition gives: each answer's <c>conditions</c> is held to
    /// the same conditions written as a plain array (no fragments involved), cold, warm and warm again, for conditions
    /// that differ in one field only; and a writer with other settings never gets the relaxed fragments.
    /// </summary>
    [Fact]
    public void Kept_condition_fragments_are_the_bytes_the_condition_writes()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewayExtensions.ConfigureJson(options);
        V1.ValueList Texts(params string[] items)
        {
            var list = new V1.ValueList();
            foreach (var item in items) { list.Items.Add(new V1.Value { Text = item }); }
            return list;
        }

        var salt = Guid.NewGuid().ToString("N")[..8]; // other tests may have kept fragments already: these are new
        ConditionView[] conditions =
        [
            new("criteria.all[0]", "region", "under", new ExpectedOperands(Texts("620100"), null, false), "620171", "true", $"所在地区 兰州新区（620171）{salt}：满足", "partner_feed", "partner:market-regulation"),
            new("criteria.all[0]", "region", "under", new ExpectedOperands(Texts("620100"), null, false), "620171", "true", $"所在地区 兰州新区（620171）{salt}：满足", "partner_feed", "partner:tax"),
            new("criteria.all[0]", "region", "under", new ExpectedOperands(Texts("620000"), null, false), "620171", "true", $"所在地区 兰州新区（620171）{salt}：满足", "partner_feed", "partner:market-regulation"),
            new("criteria.all[1]", "tags", "has_any", new ExpectedOperands(Texts("绿色工厂", "\"引号\" <b>"), null, true), "新开办,绿色工厂", "true", $"企业标签 \u0001 😀 {salt}", "self_declared", null),
            new("criteria.all[1]", "tags", "has_any", new ExpectedOperands(Texts("绿色工厂", "\"引号\" <b>"), null, false), "新开办,绿色工厂", "true", $"企业标签 \u0001 😀 {salt}", "self_declared", null),
            new("criteria.all[2]", "annual_revenue", "lt", new ExpectedOperands(new V1.ValueList { Items = { new V1.Value { Integer = 2_000_000_000 } } }, null, false), "123456789", "true", $"营业收入 {salt}", "partner_feed", "partner:tax"),
            new("criteria.all[3]", "certifications", "cert", new ExpectedOperands(null, new V1.CertPredicate { Kind = "high_tech", Level = "national" }, false), null, "unknown", $"资质 {salt}", null, null),
            new("criteria.all[4]", "dishonest", "eq", null, "否", "false", $"失信 否 {salt}", "staff", "staff:620100"),
        ];
        Assert.True(EncodedConditionsConverter.WorthKeeping(conditions[0]));
        Assert.False(EncodedConditionsConverter.WorthKeeping(conditions[5])); // a revenue: nearly always new
        var view = new EligibilityView("91620102MA74HQ1XKE", "2026-12-01", 0, "0元",
            [new("lz-a", 1, "t", "eligible", null, null, null, [], [], conditions, "verified", [], null),
             new("lz-b", 1, "t", "eligible", null, null, null, [], [], [.. conditions.Reverse()], "verified", [], null)], null);

        for (var round = 0; round < 3; round++)
        {
            foreach (var written in new[] { GeneratedJson.Bytes(view, GatewayJsonContext.Default.EligibilityView), JsonSerializer.SerializeToUtf8Bytes(view, options) })
            {
                using var document = JsonDocument.Parse(written);
                var items = document.RootElement.GetProperty("items");
                Assert.Equal(JsonSerializer.Serialize<IReadOnlyList<ConditionView>>(conditions, options), items[0].GetProperty("conditions").GetRawText());
                Assert.Equal(JsonSerializer.Serialize<IReadOnlyList<ConditionView>>(conditions.Reverse().ToArray(), options), items[1].GetProperty("conditions").GetRawText());
            }
        }

        // Another encoder (Chinese as \uXXXX): written afresh, never from the relaxed fragments.
        var strict = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        strict.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
        var escaped = JsonSerializer.Serialize(view, strict);
        Assert.Contains("\\u6240\\u5728", escaped);
        Assert.Contains(JsonSerializer.Serialize<IReadOnlyList<ConditionView>>(conditions, strict), escaped);
    }

    [Fact]
    public void Kept_condition_fragments_stay_within_their_bound()
    {
        var conditions = Enumerable.Range(0, EncodedConditionsConverter.Capacity + 100)
            .Select(i => new ConditionView("criteria.all[0]", "scale", "eq", null, null, "unknown", $"企业规模未提供 {Guid.NewGuid():N} {i}", null, null))
            .ToArray();
        var view = new EligibilityView("91620102MA74HQ1XKE", "2026-12-01", 0, "0元",
            [new("lz-a", 1, "t", "unknown", null, null, null, ["scale"], [], conditions, "verified", [], null)], null);

        var written = GeneratedJson.Bytes(view, GatewayJsonContext.Default.EligibilityView);

        Assert.InRange(EncodedConditionsConverter.Count, 1, EncodedConditionsConverter.Capacity);
        using var document = JsonDocument.Parse(written);
        Assert.Equal(conditions.Length, document.RootElement.GetProperty("items")[0].GetProperty("conditions").GetArrayLength());
    }
}
