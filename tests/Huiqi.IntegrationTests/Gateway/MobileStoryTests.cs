using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Huiqi.Domain.Profiles;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>The enterprise owner's phone, end to end over the JSON gateway with the real backend behind it.</summary>
public sealed class MobileStoryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>Values an owner can type for each fact a policy may ask for (JSON member → value).</summary>
    private static readonly Dictionary<string, object> Fillable = new()
    {
        ["employees"] = 60, ["annualRevenue"] = 3_000_000_000L, ["rdExpense"] = 300_000_000L, ["establishedOn"] = "2019-05-20",
        ["taxCredit"] = "A", ["dishonest"] = false, ["scale"] = "small", ["ownership"] = "private", ["listingBoard"] = "neeq",
        ["zone"] = "lanzhou-hitech", ["industry"] = "C3911", ["techDomains"] = new[] { "electronic_info" }, ["tags"] = Array.Empty<string>(),
    };

    private static readonly Dictionary<string, string> MemberOf = new()
    {
        ["employees"] = "employees", ["annual_revenue"] = "annualRevenue", ["rd_expense"] = "rdExpense", ["established_on"] = "establishedOn",
        ["tax_credit"] = "taxCredit", ["dishonest"] = "dishonest", ["scale"] = "scale", ["ownership"] = "ownership", ["listing_board"] = "listingBoard",
        ["zone"] = "zone", ["industry"] = "industry", ["tech_domains"] = "techDomains", ["tags"] = "tags",
    };

    [Fact]
    public async Task What_if_answers_with_hypothetical_facts_and_stores_nothing()
    {
        var f = fixture;
        var uscc = Uscc.Complete("91620102MA01KP00W");
        (await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", f.Admin,
            """{"name": "兰州计算器科技有限公司", "region": "620102", "employees": 12, "taxCredit": "A", "dishonest": false, "certifications": []}""")).EnsureSuccessStatusCode();
        var token = f.Platform.Token(("role", "enterprise"), ("uscc", uscc), ("sub", uscc));
        var before = await f.JsonAsync(HttpMethod.Get, "/v1/me", token);
        // The workflow answers the new enterprise in the background: its own entitlement first, so that what is counted
        // below is what the what-if calls could add, not the PUT's work arriving late.
        await EventuallyAsync(async () => (await f.JsonAsync(HttpMethod.Get, "/v1/me/entitlements", token)).GetProperty("items").EnumerateArray()
            .FirstOrDefault(e => e.GetProperty("policyId").GetString() == "lz-employment-stability"));
        var entitlementsBefore = (await f.JsonAsync(HttpMethod.Get, "/v1/me/entitlements", token)).GetProperty("items").GetArrayLength();
        static JsonElement Item(JsonElement list, string id) => list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("policyId").GetString() == id);

        // 稳岗返还 pays by employees in tiers: 12 people → 1万元; with 60 → 3万元.
        var now = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility?limit=100", token);
        Assert.Equal(1_000_000, Item(now, "lz-employment-stability").GetProperty("amountFen").GetInt64());
        var whatIf = await f.JsonAsync(HttpMethod.Post, "/v1/me/eligibility/what-if?limit=100", token, """{"employees": 60}""");
        var stability = Item(whatIf, "lz-employment-stability");
        Assert.Equal("eligible", stability.GetProperty("status").GetString());
        Assert.Equal(3_000_000, stability.GetProperty("amountFen").GetInt64());
        Assert.Equal(now.GetProperty("eligibleTotalFen").GetInt64() + 2_000_000, whatIf.GetProperty("eligibleTotalFen").GetInt64());
        var employees = stability.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("field").GetString() == "employees");
        Assert.Equal("60", employees.GetProperty("actual").GetString());
        Assert.False(employees.TryGetProperty("source", out _)); // a hypothetical value has no source
        // Clearing a fact: the answer waits for it.
        var cleared = Item(await f.JsonAsync(HttpMethod.Post, "/v1/me/eligibility/what-if?limit=100", token, """{"employees": null}"""), "lz-employment-stability");
        Assert.Equal("unknown", cleared.GetProperty("status").GetString());
        Assert.Equal(["employees"], cleared.GetProperty("missingFields").EnumerateArray().Select(m => m.GetString()!));

        // Nothing stored, nothing triggered.
        Assert.Equal(before.GetRawText(), (await f.JsonAsync(HttpMethod.Get, "/v1/me", token)).GetRawText());
        Assert.Equal(1_000_000, Item(await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility?limit=100", token), "lz-employment-stability").GetProperty("amountFen").GetInt64());
        Assert.Equal(entitlementsBefore, (await f.JsonAsync(HttpMethod.Get, "/v1/me/entitlements", token)).GetProperty("items").GetArrayLength());

        // Bad input is named by member, and is a 400, never a 5xx.
        foreach (var (body, field) in new[] { ("""{"employees": "很多"}""", "employees"), ("""{"taxCredit": "Z"}""", "taxCredit"), ("""{"shoeSize": 42}""", "shoeSize"), ("{}", "$"), ("[1]", "$") })
        {
            var response = await f.SendAsync(HttpMethod.Post, "/v1/me/eligibility/what-if", token, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        }
    }

    [Fact]
    public async Task An_owner_opens_the_app_fills_in_a_missing_fact_and_sees_the_answer_change()
    {
        var f = fixture;
        // A newly registered firm the partner feed knows little about.
        var uscc = Uscc.Complete("91620102MA01KP001");
        (await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", f.Admin, """{"name": "兰州故事科技有限公司", "region": "620102", "certifications": []}""")).EnsureSuccessStatusCode();

        // 1. a token (development: the dev token route)
        var minted = await f.Platform.Http.PostAsJsonAsync("/v1/dev/token", new { role = "enterprise", uscc });
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var token = (await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        // 2. home
        var home = await f.JsonAsync(HttpMethod.Get, "/v1/home", token);
        Assert.Equal(uscc, home.GetProperty("enterprise").GetProperty("uscc").GetString());
        Assert.Equal("城关区", home.GetProperty("enterprise").GetProperty("regionName").GetString());
        Assert.True(home.GetProperty("needsInfoCount").GetInt32() > 0);

        // 3. its eligibility: an answer that waits only for facts the owner can give
        var eligibility = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility", token);
        var waiting = eligibility.GetProperty("items").EnumerateArray()
            .First(a => a.GetProperty("status").GetString() == "unknown"
                && a.GetProperty("missingFields").EnumerateArray().All(m => MemberOf.ContainsKey(m.GetString()!)));
        var policyId = waiting.GetProperty("policyId").GetString()!;
        var missing = waiting.GetProperty("missingFields").EnumerateArray().Select(m => m.GetString()!).ToList();

        // 4. one explanation, condition by condition
        var explained = await f.JsonAsync(HttpMethod.Get, $"/v1/me/eligibility/{policyId}", token);
        Assert.Equal("unknown", explained.GetProperty("status").GetString());
        var conditions = explained.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Contains(conditions, c => c.GetProperty("result").GetString() == "unknown" && missing.Contains(c.GetProperty("field").GetString()!));
        Assert.All(conditions, c => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", c.GetProperty("text").GetString()!));

        // 5. fill in the missing facts
        var patch = JsonSerializer.Serialize(missing.ToDictionary(m => MemberOf[m], m => Fillable[MemberOf[m]]));
        var patched = await f.JsonAsync(HttpMethod.Patch, "/v1/me", token, patch);
        Assert.All(missing, m => Assert.Equal("self_declared", patched.GetProperty("provenance").GetProperty(MemberOf[m]).GetProperty("source").GetString()));

        // 6. the answer is no longer unknown
        var after = await f.JsonAsync(HttpMethod.Get, $"/v1/me/eligibility/{policyId}", token);
        Assert.NotEqual("unknown", after.GetProperty("status").GetString());
        Assert.Empty(after.GetProperty("missingFields").EnumerateArray());
        // and the list the phone read before (kept briefly in the gateway's answer cache) shows it at once too
        var list = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility", token);
        var item = list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("policyId").GetString() == policyId);
        Assert.Equal(after.GetProperty("status").GetString(), item.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_newly_eligible_owner_is_told_over_server_sent_events_and_sees_the_entitlement()
    {
        var f = fixture;
        var policy = """
            {"id": "sse-jobs-award", "title": "稳岗扩岗奖励（测试）", "issuer": "兰州市人社局", "jurisdiction": "620100",
             "criteria": {"all": [{"field": "region", "op": "under", "value": "620100"}, {"field": "employees", "op": "ge", "value": 100}]},
             "benefit": {"fixedFen": 5000000}}
            """;
        await f.PublishAsync(policy);
        var uscc = Uscc.Complete("91620102MA01KP002");
        (await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", f.Partner, """{"name": "兰州事件测试有限公司", "region": "620102", "employees": 5}""")).EnsureSuccessStatusCode();
        var token = f.Platform.Token(("role", "enterprise"), ("uscc", uscc));

        using var stream = await f.SendAsync(HttpMethod.Get, "/v1/me/notifications/stream", token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        // 人社's feed (the owner of employees, TRUST.md §1) says the firm has grown: no claim, so straight to 公示.
        var hrSocial = f.Platform.Token(("role", "partner"), ("sub", "hr-social"), ("scope", "profiles:write"));
        (await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", hrSocial, """{"name": "兰州事件测试有限公司", "region": "620102", "employees": 150}""")).EnsureSuccessStatusCode();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        JsonElement? told = null;
        string? eventName = null;
        while (told is null && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) { eventName = line[7..]; }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "notification")
            {
                var data = JsonDocument.Parse(line[6..]).RootElement;
                if (data.GetProperty("notification").GetProperty("kind").GetString() == "new_entitlement")
                {
                    told = data.Clone();
                }
            }
        }

        Assert.Equal("sse-jobs-award", told!.Value.GetProperty("notification").GetProperty("policyId").GetString());
        var entitlements = await f.JsonAsync(HttpMethod.Get, "/v1/me/entitlements", token);
        var entitlement = Assert.Single(entitlements.GetProperty("items").EnumerateArray());
        Assert.Equal((5_000_000, "5万元"), (entitlement.GetProperty("amountFen").GetInt64(), entitlement.GetProperty("amountText").GetString()));

        // confirm it from the phone, with a receiving account
        var confirmed = await f.JsonAsync(HttpMethod.Post, $"/v1/me/entitlements/{entitlement.GetProperty("id").GetString()}/confirm", token, """{"receivingAccount": "6222 0200 0000 0001"}""");
        Assert.Equal("confirmed", confirmed.GetProperty("status").GetString());
        var inbox = await f.JsonAsync(HttpMethod.Get, "/v1/me/notifications?unreadOnly=true", token);
        Assert.True(inbox.GetProperty("unreadCount").GetInt64() >= 1);
        var marked = await f.JsonAsync(HttpMethod.Post, "/v1/me/notifications/read", token, "{}");
        Assert.True(marked.GetProperty("marked").GetInt64() >= 1);
        Assert.Equal(0, (await f.JsonAsync(HttpMethod.Get, "/v1/home", token)).GetProperty("unreadCount").GetInt64());

        // staff see it in the policy's statistics
        var statistics = await f.JsonAsync(HttpMethod.Get, "/v1/policies/sse-jobs-award/statistics", f.StaffIn);
        Assert.Equal(1, statistics.GetProperty("total").GetProperty("confirmed").GetProperty("count").GetInt64());
        var chengguan = statistics.GetProperty("byRegion").EnumerateArray().Single(r => r.GetProperty("key").GetString() == "620102");
        Assert.Equal(("城关区", 1L), (chengguan.GetProperty("label").GetString(), chengguan.GetProperty("confirmed").GetProperty("count").GetInt64()));
        Assert.Equal(statistics.GetProperty("total").GetProperty("matched").GetProperty("count").GetInt64(),
            statistics.GetProperty("byRegion").EnumerateArray().Sum(r => r.GetProperty("matched").GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task An_owner_whose_amount_waits_for_a_figure_is_asked_for_it_and_then_sees_the_amount()
    {
        var f = fixture;
        var policy = """
            {"id": "story-rd-rate", "title": "研发投入补助（测试）", "issuer": "兰州市科技局", "jurisdiction": "620100",
             "criteria": {"all": [{"field": "region", "op": "under", "value": "620100"}, {"field": "employees", "op": "ge", "value": 10}]},
             "benefit": {"rate": {"field": "rd_expense", "bp": 1000, "capFen": 50000000}}}
            """;
        await f.PublishAsync(policy);
        var uscc = Uscc.Complete("91620102MA01KP004");
        (await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", f.Partner, """{"name": "兰州研发测试有限公司", "region": "620102", "employees": 20}""")).EnsureSuccessStatusCode();
        var token = f.Platform.Token(("role", "enterprise"), ("uscc", uscc));

        // Eligible, the amount unknown: the answer names the figure, and so does the entitlement's message.
        var before = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility/story-rd-rate", token);
        Assert.Equal("eligible", before.GetProperty("status").GetString());
        Assert.False(before.TryGetProperty("amountFen", out _)); // optional members are left out when absent
        Assert.Equal(["rd_expense"], before.GetProperty("amountMissingFields").EnumerateArray().Select(m => m.GetString()));
        var all = (await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility?limit=100", token)).GetProperty("items").EnumerateArray().ToList();
        var needsInfo = all.Count(a => a.GetProperty("status").GetString() == "unknown" || a.GetProperty("amountMissingFields").GetArrayLength() > 0);
        Assert.Equal(needsInfo, (await f.JsonAsync(HttpMethod.Get, "/v1/home", token)).GetProperty("needsInfoCount").GetInt32()); // whether, or how much
        var hello = await EventuallyAsync(async () => (await f.JsonAsync(HttpMethod.Get, "/v1/me/notifications?limit=100", token)).GetProperty("items").EnumerateArray()
            .FirstOrDefault(n => n.GetProperty("kind").GetString() == "new_entitlement" && n.GetProperty("policyId").GetString() == "story-rd-rate"));
        Assert.Equal(["rd_expense"], hello.GetProperty("missingFields").EnumerateArray().Select(m => m.GetString()));

        // The owner gives it: the answer has its amount at once — resting on the owner's own figure (TRUST.md §3) — and the
        // entitlement follows it, waiting for the figure to be checked before 公示; the owner is told both.
        (await f.SendAsync(HttpMethod.Patch, "/v1/me", token, """{"rdExpense": 300000000}""")).EnsureSuccessStatusCode();
        var after = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility/story-rd-rate", token);
        Assert.Equal((30_000_000L, "30万元"), (after.GetProperty("amountFen").GetInt64(), after.GetProperty("amountText").GetString()));
        Assert.Empty(after.GetProperty("amountMissingFields").EnumerateArray());
        Assert.Equal(("self_declared", "rd_expense"), (after.GetProperty("basis").GetString(), after.GetProperty("claims").EnumerateArray().Single().GetString()));
        Assert.Contains("研发费用", after.GetProperty("basisText").GetString());
        var entitlement = await EventuallyAsync(async () => (await f.JsonAsync(HttpMethod.Get, "/v1/me/entitlements", token)).GetProperty("items").EnumerateArray()
            .FirstOrDefault(e => e.GetProperty("policyId").GetString() == "story-rd-rate" && e.TryGetProperty("amountFen", out _)));
        Assert.Equal((30_000_000L, "awaiting_verification", "self_declared"),
            (entitlement.GetProperty("amountFen").GetInt64(), entitlement.GetProperty("status").GetString(), entitlement.GetProperty("basis").GetString()));
        var told = await EventuallyAsync(async () => (await f.JsonAsync(HttpMethod.Get, "/v1/me/notifications?limit=100", token)).GetProperty("items").EnumerateArray()
            .FirstOrDefault(n => n.GetProperty("kind").GetString() == "verification" && n.GetProperty("policyId").GetString() == "story-rd-rate"));
        Assert.Contains("30万元", told.GetProperty("body").GetString());
        Assert.Contains("核验", told.GetProperty("body").GetString());
    }

    /// <summary>The workflow runs in the background: poll (up to 20 s) until the phone would see it.</summary>
    private static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement>> read)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await read() is { ValueKind: not JsonValueKind.Undefined } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the workflow did not get there within 20 s");
    }
}
