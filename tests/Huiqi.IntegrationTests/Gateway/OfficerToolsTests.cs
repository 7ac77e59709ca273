using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Demo;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>What an officer sees before publishing: a new version compared with the one in force, and the static checks.</summary>
public sealed class OfficerToolsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static JsonObject Demo(string id) => JsonNode.Parse(PolicyJson.Serialize(DemoSeeder.Policies().First(d => d.Policy.Id == id)))!.AsObject();

    [Fact]
    public async Task A_stricter_version_loses_enterprises_and_money_and_agrees_with_two_dry_runs()
    {
        var f = fixture;
        var current = Demo("lz-employment-stability");
        var proposal = Demo("lz-employment-stability");
        // employees >= 10 → employees >= 50: the small firms drop out, the tiers stay.
        proposal["criteria"]!["all"]![1]!["value"] = 50;
        proposal["budgetFen"] = 1_000_000;

        var compare = await f.JsonAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare", f.Admin, proposal.ToJsonString());
        var before = await f.JsonAsync(HttpMethod.Post, "/v1/policies/dry-run", f.Admin, current.ToJsonString());
        var after = await f.JsonAsync(HttpMethod.Post, "/v1/policies/dry-run", f.Admin, proposal.ToJsonString());
        long N(JsonElement e, string name) => e.GetProperty(name).GetInt64();

        Assert.Equal(0, N(compare, "gained"));
        Assert.True(N(compare, "lost") > 0);
        Assert.Equal(N(before.GetProperty("counts"), "eligible"), N(compare, "eligibleBefore"));
        Assert.Equal(N(after.GetProperty("counts"), "eligible"), N(compare, "eligibleAfter"));
        Assert.Equal(N(compare, "eligibleBefore") - N(compare, "lost"), N(compare, "eligibleAfter"));
        Assert.Equal(N(before, "totalAmountFen"), N(compare, "totalBeforeFen"));
        Assert.Equal(N(after, "totalAmountFen"), N(compare, "totalAfterFen"));
        Assert.Equal(N(compare, "lost"), compare.GetProperty("byRegion").EnumerateArray().Sum(r => N(r, "lost")) + Unplaced());
        // 按比例核减: a budget of 1万元 against a larger total pays each the same share.
        Assert.Equal(1_000_000L * 10_000 / N(compare, "totalAfterFen"), compare.GetProperty("payableAfterBp").GetInt32());
        Assert.Equal(10_000, compare.GetProperty("payableBeforeBp").GetInt32());
        Assert.Equal("1万元", compare.GetProperty("budgetText").GetString());

        // Staff see regions of their own jurisdiction only; staff elsewhere see nothing.
        var staff = await f.JsonAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare", f.StaffIn, proposal.ToJsonString());
        Assert.All(staff.GetProperty("byRegion").EnumerateArray(), r => Assert.StartsWith("6201", r.GetProperty("key").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await f.SendAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare", f.StaffOut, proposal.ToJsonString())).StatusCode);

        long Unplaced()
        {
            var index = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Huiqi.Domain.Matching.EligibilityIndex>(f.Platform.BackendServices);
            var without = index.Compare(index.PolicyById["lz-employment-stability"], PolicyJson.Parse(proposal.ToJsonString()).Policy with { Status = Huiqi.Domain.Policies.PolicyStatus.Published },
                DateOnly.Parse(compare.GetProperty("asOf").GetString()!));
            return without.Lost - without.ByRegion.Sum(r => r.Lost);
        }
    }

    [Fact]
    public async Task Comparing_refuses_what_cannot_be_compared_in_words()
    {
        var f = fixture;
        var proposal = Demo("lz-employment-stability");
        var bad = await f.SendAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare", f.Admin, """{"title": 1}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.SendAsync(HttpMethod.Post, "/v1/policies/no-such-policy/compare", f.Admin, proposal.ToJsonString())).StatusCode);
        var other = Demo("lz-employment-stability");
        other["id"] = "lz-other-id";
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare", f.Admin, other.ToJsonString())).StatusCode);
        var past = await f.SendAsync(HttpMethod.Post, "/v1/policies/lz-employment-stability/compare?asOf=2019-01-01", f.Admin, proposal.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, past.StatusCode);
        Assert.Contains("policy.not_in_force", await past.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Checks_name_contradictions_and_untested_conditions_and_publish_carries_them_as_warnings()
    {
        var f = fixture;
        var draft = """
            {"id": "check-story", "title": "检查用政策", "issuer": "兰州市测试局", "jurisdiction": "620100",
             "criteria": {"all": [{"field": "employees", "op": "lt", "value": 10}, {"field": "employees", "op": "gt", "value": 50}]},
             "benefit": {"fixedFen": 100000},
             "examples": [{"name": "小", "profile": {"uscc": "91000000EXAMPLE00L", "employees": 5}, "asOf": "2026-06-01", "expect": "ineligible"}]}
            """;
        var check = await f.JsonAsync(HttpMethod.Post, "/v1/policies/check", f.StaffIn, draft);
        var codes = check.GetProperty("findings").EnumerateArray().Select(x => (x.GetProperty("code").GetString(), x.GetProperty("path").GetString())).ToList();
        Assert.Contains(("all.contradiction", "criteria"), codes);
        Assert.Contains(("examples.never_true", "criteria.all[1]"), codes);
        Assert.All(check.GetProperty("findings").EnumerateArray(), x => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", x.GetProperty("message").GetString()!));

        (await f.SendAsync(HttpMethod.Post, "/v1/policies", f.StaffIn, draft)).EnsureSuccessStatusCode();
        var published = await f.JsonAsync(HttpMethod.Post, "/v1/policies/check-story/publish", f.StaffIn, "{}");
        Assert.Equal("published", published.GetProperty("status").GetString());
        Assert.Contains(published.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "all.contradiction");

        // A rival in the same exclusion group whose criteria accept the same firms.
        var rival = Demo("lz-innovative-sme-award");
        rival["id"] = "check-rival";
        var overlap = await f.JsonAsync(HttpMethod.Post, "/v1/policies/check", f.StaffIn, rival.ToJsonString());
        Assert.Contains(overlap.GetProperty("findings").EnumerateArray(), x => x.GetProperty("code").GetString() == "exclusion.overlap"
            && x.GetProperty("message").GetString()!.Contains("lz-innovative-sme-award"));
    }

    [Fact]
    public async Task Criteria_text_is_read_as_typed_with_the_place_of_a_mistake()
    {
        var f = fixture;
        var ok = await f.JsonAsync(HttpMethod.Post, "/v1/policies/criteria-text", f.StaffIn, """{"text": "employees >= 10 and region under 620100"}""");
        Assert.True(ok.GetProperty("valid").GetBoolean());
        Assert.Equal("employees", ok.GetProperty("criteria").GetProperty("all")[0].GetProperty("field").GetString());
        Assert.Contains("兰州市", ok.GetProperty("description").GetString());

        var wrong = await f.JsonAsync(HttpMethod.Post, "/v1/policies/criteria-text", f.StaffIn, """{"text": "employees >= 10 and\nregion undr 620100"}""");
        Assert.False(wrong.GetProperty("valid").GetBoolean());
        Assert.Equal(2, wrong.GetProperty("line").GetInt32());
        Assert.True(wrong.GetProperty("column").GetInt32() > 1);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", wrong.GetProperty("message").GetString()!);

        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/policies/criteria-text", f.StaffIn, """{"text": 5}""")).StatusCode);
    }
}
