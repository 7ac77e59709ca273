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
}
