using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Huiqi.Domain.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// TRUST.md as the stories of its issue, through the JSON routes of the embedded platform with the shipped demo
/// mapping of owners (tax-bureau, market-regulation, science-dept, hr-social): claims wait for verification before
/// money, a claim cannot undo a department's fact, feeds confirm or contradict claims, corrections go through staff.
/// Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class TrustStoryTests : IAsyncLifetime
{
    private const string Lanzhou = "620102";

    protected PlatformHost Platform { get; private set; } = null!;

    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    public async Task InitializeAsync()
    {
        var settings = await StoreSettingsAsync();
        settings["Gateway:RateLimit:Enabled"] = "false";
        settings["Gateway:AnswerCacheSeconds"] = "0";
        Platform = await PlatformHost.StartAsync(settings);
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();

    private string Feed(string partner) => Platform.Token(("role", "partner"), ("sub", partner), ("scope", "profiles:write profiles:read"));

    private string Owner(string uscc) => Platform.Token(("role", "enterprise"), ("uscc", uscc), ("sub", uscc));

    private string Officer => Platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer-lz"));

    private string OfficerElsewhere => Platform.Token(("role", "staff"), ("jurisdiction", "620400"), ("sub", "officer-by"));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Platform.Http.SendAsync(request);
    }

    private async Task<JsonElement> JsonAsync(HttpMethod method, string path, string token, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await SendAsync(method, path, token, json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task PublishAsync(string id, string criteria, string benefit, long? budgetFen = null)
    {
        var budget = budgetFen is { } b ? $", \"budgetFen\": {b}" : "";
        await JsonAsync(HttpMethod.Post, "/v1/policies", Officer,
            $$"""{"id": "{{id}}", "title": "测试政策 {{id}}", "issuer": "兰州市测试局", "jurisdiction": "620100", "criteria": {{criteria}}, "benefit": {{benefit}}{{budget}}}""", expected: HttpStatusCode.Created);
        await JsonAsync(HttpMethod.Post, $"/v1/policies/{id}/publish", Officer);
    }

    /// <summary>A firm as the register (market-regulation) and the tax bureau know it.</summary>
    private async Task<string> FirmAsync(int n, long revenueFen = 20_000_000_00)
    {
        var uscc = Uscc.Complete($"91620102MA02TR{n:D3}");
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", Feed("market-regulation"),
            $$"""{"name": "兰州核验测试{{n}}有限公司", "region": "{{Lanzhou}}", "establishedOn": "2019-05-01", "dishonest": false}""");
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", Feed("tax-bureau"), $$"""{"annualRevenue": {{revenueFen}}, "taxCredit": "A"}""");
        return uscc;
    }

    private async Task<JsonElement> EntitlementAsync(string uscc, string policyId, Func<JsonElement, bool> until)
    {
        for (var i = 0; i < 200; i++)
        {
            var items = (await JsonAsync(HttpMethod.Get, "/v1/me/entitlements", Owner(uscc))).GetProperty("items").EnumerateArray();
            if (items.FirstOrDefault(e => e.GetProperty("policyId").GetString() == policyId) is { ValueKind: JsonValueKind.Object } found && until(found))
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no entitlement of {uscc} for {policyId} in the expected state within 20 s");
    }

    private static string Status(JsonElement e) => e.GetProperty("status").GetString()!;

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    private const string SixCertifications = """
        {"certifications": [
            {"kind": "little_giant", "level": "national", "obtainedOn": "2025-03-01"},
            {"kind": "srdi", "level": "provincial", "obtainedOn": "2024-06-01"},
            {"kind": "innovative_sme", "level": "provincial", "obtainedOn": "2023-06-01"},
            {"kind": "high_tech", "level": "national", "obtainedOn": "2025-11-01", "expiresOn": "2028-10-31"},
            {"kind": "tech_sme", "obtainedOn": "2025-04-01"},
            {"kind": "prov_tech_innovative", "level": "provincial", "obtainedOn": "2025-01-01"}],
         "rdExpense": 900000000}
        """;

    /// <summary>
    /// Two owners who claim the very same certificate get one shared explanation of it (the same sentence), yet each
    /// answer names its own claimant as the value's source, in the list and in the single answer, in either order.
    /// </summary>
    [Fact]
    public async Task Two_owners_claiming_the_same_certificate_each_see_their_own_claim_as_its_source()
    {
        await PublishAsync("tr-same-claim", """{"cert": {"kind": "little_giant", "level": "national"}}""", """{"fixedFen": 50000000}""");
        string[] owners = [await FirmAsync(11), await FirmAsync(12)];
        foreach (var uscc in owners)
        {
            await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(uscc), SixCertifications);
        }

        string? text = null;
        foreach (var uscc in (string[])[.. owners, .. owners.Reverse()])
        {
            var single = await JsonAsync(HttpMethod.Get, "/v1/me/eligibility/tr-same-claim", Owner(uscc));
            var listed = (await JsonAsync(HttpMethod.Get, "/v1/me/eligibility", Owner(uscc))).GetProperty("items").EnumerateArray()
                .Single(a => a.GetProperty("policyId").GetString() == "tr-same-claim");
            foreach (var answer in new[] { single, listed })
            {
                var cert = answer.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("field").GetString() == "certifications");
                Assert.Equal(("self_declared", $"enterprise:{uscc}"), (cert.GetProperty("source").GetString(), cert.GetProperty("sourceBy").GetString()));
                text ??= cert.GetProperty("text").GetString();
                Assert.Equal(text, cert.GetProperty("text").GetString());
            }
        }
    }

    [Fact]
    public async Task Six_claimed_certifications_create_nothing_in_publicity_or_approvable_until_an_officer_verifies_them_then_it_pays()
    {
        await PublishAsync("tr-giant", """{"cert": {"kind": "little_giant", "level": "national"}}""", """{"fixedFen": 50000000}""");
        var claimant = await FirmAsync(1);
        var fromFeeds = await FirmAsync(2);
        // The other firm's certificate comes from 科技厅's feed: nothing to check.
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{fromFeeds}", Feed("science-dept"),
            """{"certifications": [{"kind": "little_giant", "level": "national", "obtainedOn": "2025-03-01"}]}""");

        // The owner declares six certifications and a large R&D expense from the phone.
        var patched = await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(claimant), SixCertifications);
        Assert.Equal("self_declared", patched.GetProperty("provenance").GetProperty("certifications").GetProperty("source").GetString());

        // The answer says it rests on the claim, and which condition's value came from whom.
        var answer = await JsonAsync(HttpMethod.Get, "/v1/me/eligibility/tr-giant", Owner(claimant));
        Assert.Equal(("eligible", "self_declared"), (answer.GetProperty("status").GetString(), answer.GetProperty("basis").GetString()));
        Assert.Equal(["certifications"], answer.GetProperty("claims").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("资质", answer.GetProperty("basisText").GetString());
        var cert = answer.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("field").GetString() == "certifications");
        Assert.Equal(("self_declared", $"enterprise:{claimant}"), (cert.GetProperty("source").GetString(), cert.GetProperty("sourceBy").GetString()));

        // The entitlement waits for verification; the one from feeds goes straight to 公示.
        var waiting = await EntitlementAsync(claimant, "tr-giant", _ => true);
        Assert.Equal(("awaiting_verification", "self_declared"), (Status(waiting), waiting.GetProperty("basis").GetString()));
        var verified = await EntitlementAsync(fromFeeds, "tr-giant", e => Status(e) == "publicized");
        Assert.Equal("verified", verified.GetProperty("basis").GetString());
        var id = waiting.GetProperty("id").GetString()!;

        // Nothing of it can be approved or paid, and a batch approval leaves it out, saying so.
        await JsonAsync(HttpMethod.Post, $"/v1/me/entitlements/{verified.GetProperty("id").GetString()}/confirm", Owner(fromFeeds), "{}");
        var named = await JsonAsync(HttpMethod.Post, "/v1/entitlements/approve", Officer, $$"""{"policyId": "tr-giant", "entitlementIds": ["{{id}}"]}""", expected: HttpStatusCode.Conflict);
        Assert.Equal("entitlement.unverified", Code(named));
        var batch = await JsonAsync(HttpMethod.Post, "/v1/entitlements/approve", Officer, """{"policyId": "tr-giant"}""");
        Assert.Equal([verified.GetProperty("id").GetString()], batch.GetProperty("approved").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal([id], batch.GetProperty("waitingForVerification").EnumerateArray().Select(e => e.GetString()));
        var pay = await JsonAsync(HttpMethod.Post, $"/v1/entitlements/{id}/disburse", Officer, """{"paymentReference": "PAY-TR-1"}""", expected: HttpStatusCode.Conflict);
        Assert.Equal("entitlement.unverified", Code(pay));
        var statistics = await JsonAsync(HttpMethod.Get, "/v1/policies/tr-giant/statistics", Officer);
        var held = statistics.GetProperty("total").GetProperty("awaitingVerification");
        Assert.Equal((1, 50_000_000), (held.GetProperty("count").GetInt64(), held.GetProperty("amountFen").GetInt64()));

        // The officer's queue shows exactly the claim it rests on, with its value; an officer elsewhere sees nothing and may not decide.
        var queue = await JsonAsync(HttpMethod.Get, "/v1/verifications?kind=entitlement", Officer);
        var item = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        var claim = item.GetProperty("claims").EnumerateArray().Single();
        Assert.Equal("certifications", claim.GetProperty("field").GetString());
        Assert.Equal(6, claim.GetProperty("value").GetArrayLength());
        Assert.Contains("专精特新", claim.GetProperty("valueText").GetString());
        Assert.Empty((await JsonAsync(HttpMethod.Get, "/v1/verifications", OfficerElsewhere)).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/v1/verifications/{id}/verify", OfficerElsewhere, """{"evidenceReference": "x"}""")).StatusCode);
        var noEvidence = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/verify", Officer, "{}", expected: HttpStatusCode.BadRequest);
        Assert.Equal("evidenceReference", noEvidence.GetProperty("errors")[0].GetProperty("field").GetString());

        // Verified with the certificate's number: the claim is a staff fact now, and the entitlement goes to 公示, then to payment.
        var decided = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/verify", Officer, """{"evidenceReference": "工信部公告 2025 第 12 号"}""");
        Assert.Contains(Status(decided.GetProperty("entitlement")), new[] { "matched", "publicized" });
        var provenance = (await JsonAsync(HttpMethod.Get, "/v1/me", Owner(claimant))).GetProperty("provenance").GetProperty("certifications");
        Assert.Equal(("staff", "staff:officer-lz", "工信部公告 2025 第 12 号", true),
            (provenance.GetProperty("source").GetString(), provenance.GetProperty("by").GetString(), provenance.GetProperty("reference").GetString(), provenance.GetProperty("authoritative").GetBoolean()));
        Assert.Equal("verified", (await JsonAsync(HttpMethod.Get, "/v1/me/eligibility/tr-giant", Owner(claimant))).GetProperty("basis").GetString());
        var publicized = await EntitlementAsync(claimant, "tr-giant", e => Status(e) == "publicized");
        await JsonAsync(HttpMethod.Post, $"/v1/me/entitlements/{id}/confirm", Owner(claimant), "{}");
        var approved = await JsonAsync(HttpMethod.Post, "/v1/entitlements/approve", Officer, $$"""{"policyId": "tr-giant", "entitlementIds": ["{{id}}"]}""");
        Assert.Equal(50_000_000, approved.GetProperty("approvedTotalFen").GetInt64());
        Assert.Equal("disbursed", Status(await JsonAsync(HttpMethod.Post, $"/v1/entitlements/{id}/disburse", Officer, """{"paymentReference": "PAY-TR-1"}""")));
        Assert.Equal("verified", publicized.GetProperty("basis").GetString());

        // The owner was told, the decision is in the hash chain with the claim's values, and the verified fact now stands against a new claim.
        var inbox = (await JsonAsync(HttpMethod.Get, "/v1/me/notifications?limit=100", Owner(claimant))).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(inbox, n => n.GetProperty("kind").GetString() == "verification" && n.GetProperty("title").GetString()!.StartsWith("核验通过", StringComparison.Ordinal));
        var audit = await Platform.BackendServices.GetRequiredService<IStore>().ReadAuditAsync(CancellationToken.None).ToListAsync();
        var verify = audit.Single(r => r.Entry.What == "entitlement.verify");
        Assert.Equal("staff:officer-lz", verify.Entry.Who);
        Assert.Contains("little_giant", verify.Entry.Detail);
        Assert.Contains("工信部公告 2025 第 12 号", verify.Entry.Detail);
        Assert.True((await AuditChain.VerifyAsync(Platform.BackendServices.GetRequiredService<IStore>().ReadAuditAsync(CancellationToken.None))).Intact);
        var again = await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(claimant), """{"certifications": []}""", expected: HttpStatusCode.Conflict);
        Assert.Equal("fact.authoritative", Code(again));
    }

    [Fact]
    public async Task A_claim_cannot_undo_a_dishonest_record_a_region_cannot_be_declared_and_a_refused_patch_writes_nothing()
    {
        await PublishAsync("tr-honest", """{"not": {"field": "dishonest", "op": "eq", "value": true}}""", """{"fixedFen": 1000000}""");
        var uscc = await FirmAsync(3);
        await EntitlementAsync(uscc, "tr-honest", e => Status(e) == "publicized");

        // 市场监管 lists the firm as seriously dishonest: the entitlement is revoked.
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{uscc}", Feed("market-regulation"),
            $$"""{"name": "兰州核验测试3有限公司", "region": "{{Lanzhou}}", "establishedOn": "2019-05-01", "dishonest": true}""");
        await EntitlementAsync(uscc, "tr-honest", e => Status(e) == "revoked");
        var before = await JsonAsync(HttpMethod.Get, "/v1/me", Owner(uscc));

        // The owner cannot declare itself honest again, nor move itself to another region.
        var honest = await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(uscc), """{"dishonest": false}""", expected: HttpStatusCode.BadRequest);
        Assert.Equal(("fact.not_declarable", "dishonest"), (Code(honest), honest.GetProperty("errors")[0].GetProperty("field").GetString()));
        var moved = await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(uscc), """{"region": "620402"}""", expected: HttpStatusCode.BadRequest);
        Assert.Equal(("fact.not_declarable", "region"), (Code(moved), moved.GetProperty("errors")[0].GetProperty("field").GetString()));

        // A claim over the tax bureau's figure is refused whole, naming the field and its source; the other field is not written either.
        var revenue = await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(uscc), """{"annualRevenue": 100, "employees": 30}""", expected: HttpStatusCode.Conflict);
        Assert.Equal("fact.authoritative", Code(revenue));
        var error = revenue.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal("annualRevenue", error.GetProperty("field").GetString());
        Assert.Contains("tax-bureau", error.GetProperty("message").GetString());
        var after = await JsonAsync(HttpMethod.Get, "/v1/me", Owner(uscc));
        Assert.Equal(before.GetRawText(), after.GetRawText());
        Assert.Equal("revoked", Status(await EntitlementAsync(uscc, "tr-honest", _ => true)));

        // The previous value (false, from market-regulation) is in the audit trail.
        var audit = await Platform.BackendServices.GetRequiredService<IStore>().ReadAuditAsync(CancellationToken.None).ToListAsync();
        var write = audit.Last(r => r.Entry.What == "profile.write" && r.Entry.Subject == uscc);
        Assert.Contains("\"field\":\"dishonest\",\"before\":false", write.Entry.Detail);
    }

    [Fact]
    public async Task The_owner_feed_confirming_a_claim_verifies_it_by_itself_and_one_contradicting_it_revokes()
    {
        await PublishAsync("tr-rd", """{"field": "rd_expense", "op": "ge", "value": 100000000}""", """{"rate": {"field": "rd_expense", "bp": 1000, "capFen": 50000000}}""");
        var confirmed = await FirmAsync(4);
        var contradicted = await FirmAsync(5);
        await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(confirmed), """{"rdExpense": 200000000}""");
        await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(contradicted), """{"rdExpense": 300000000}""");
        Assert.Equal("awaiting_verification", Status(await EntitlementAsync(confirmed, "tr-rd", _ => true)));
        Assert.Equal("awaiting_verification", Status(await EntitlementAsync(contradicted, "tr-rd", _ => true)));

        // 税务's feed says the same figure: verified by the field's owner, on to 公示 with no officer involved.
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{confirmed}", Feed("tax-bureau"), """{"annualRevenue": 2000000000, "taxCredit": "A", "rdExpense": 200000000}""");
        var through = await EntitlementAsync(confirmed, "tr-rd", e => Status(e) == "publicized");
        Assert.Equal(("verified", 20_000_000), (through.GetProperty("basis").GetString(), through.GetProperty("amountFen").GetInt64()));
        var source = (await JsonAsync(HttpMethod.Get, "/v1/me", Owner(confirmed))).GetProperty("provenance").GetProperty("rdExpense");
        Assert.Equal(("partner_feed", "partner:tax-bureau"), (source.GetProperty("source").GetString(), source.GetProperty("by").GetString()));

        // 税务's feed says much less: no longer eligible, revoked as any profile change would.
        await JsonAsync(HttpMethod.Put, $"/v1/enterprises/{contradicted}", Feed("tax-bureau"), """{"annualRevenue": 2000000000, "taxCredit": "A", "rdExpense": 10000000}""");
        Assert.Equal("revoked", Status(await EntitlementAsync(contradicted, "tr-rd", e => Status(e) == "revoked")));
        Assert.Empty((await JsonAsync(HttpMethod.Get, "/v1/verifications", Officer)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_rejected_claim_revokes_and_tells_the_owner_while_the_claim_stays_a_claim()
    {
        await PublishAsync("tr-giant-2", """{"cert": {"kind": "little_giant"}}""", """{"fixedFen": 30000000}""");
        var uscc = await FirmAsync(6);
        await JsonAsync(HttpMethod.Patch, "/v1/me", Owner(uscc), SixCertifications);
        var id = (await EntitlementAsync(uscc, "tr-giant-2", e => Status(e) == "awaiting_verification")).GetProperty("id").GetString()!;

        var noReason = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/reject", Officer, "{}", expected: HttpStatusCode.BadRequest);
        Assert.Equal("reason", noReason.GetProperty("errors")[0].GetProperty("field").GetString());
        var rejected = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/reject", Officer, """{"reason": "工信部名单中无该企业"}""");
        Assert.Equal("revoked", Status(rejected.GetProperty("entitlement")));
        var twice = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/reject", Officer, """{"reason": "again"}""", expected: HttpStatusCode.Conflict);
        Assert.Equal("entitlement.state", Code(twice));

        Assert.Equal("self_declared", (await JsonAsync(HttpMethod.Get, "/v1/me", Owner(uscc))).GetProperty("provenance").GetProperty("certifications").GetProperty("source").GetString());
        var told = (await JsonAsync(HttpMethod.Get, "/v1/me/notifications?limit=100", Owner(uscc))).GetProperty("items").EnumerateArray()
            .Single(n => n.GetProperty("title").GetString()!.StartsWith("核验未通过", StringComparison.Ordinal));
        Assert.Contains("工信部名单中无该企业", told.GetProperty("body").GetString());
        var audit = await Platform.BackendServices.GetRequiredService<IStore>().ReadAuditAsync(CancellationToken.None).ToListAsync();
        Assert.Contains("工信部名单中无该企业", audit.Single(r => r.Entry.What == "entitlement.reject").Entry.Detail);

        // The daily pass does not bring it back on the same claim.
        await Platform.BackendServices.GetRequiredService<Huiqi.Application.Entitlements.EntitlementWorkflow>().ReconcileAllAsync(CancellationToken.None);
        Assert.Equal("revoked", Status(await EntitlementAsync(uscc, "tr-giant-2", _ => true)));
    }

    [Fact]
    public async Task A_correction_request_goes_through_the_same_queue_and_an_accepted_one_becomes_a_staff_fact()
    {
        var uscc = await FirmAsync(7, revenueFen: 50_000_000_00);

        // A self-declared field needs no request; a partner's needs one, with a reason.
        var notNeeded = await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc), """{"field": "employees", "value": 12, "reason": "人数有误"}""", expected: HttpStatusCode.BadRequest);
        Assert.Equal("correction.not_needed", Code(notNeeded));
        var badValue = await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc), """{"field": "annualRevenue", "value": "三千万", "reason": "x"}""", expected: HttpStatusCode.BadRequest);
        Assert.Equal("value", badValue.GetProperty("errors")[0].GetProperty("field").GetString());
        var request = await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc),
            """{"field": "annualRevenue", "value": 3000000000, "reason": "税务数据为合并报表口径，本企业单体收入为3000万元"}""", expected: HttpStatusCode.Created);
        Assert.Equal(("pending", 5_000_000_000L, "partner:tax-bureau"),
            (request.GetProperty("status").GetString(), request.GetProperty("currentValue").GetInt64(), request.GetProperty("current").GetProperty("by").GetString()));
        var retried = await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc),
            """{"field": "annualRevenue", "value": 3000000000, "reason": "税务数据为合并报表口径，本企业单体收入为3000万元"}""", expected: HttpStatusCode.Created);
        Assert.Equal(request.GetProperty("id").GetString(), retried.GetProperty("id").GetString());
        var id = request.GetProperty("id").GetString()!;

        // Staff of another jurisdiction neither see nor decide it.
        Assert.Empty((await JsonAsync(HttpMethod.Get, "/v1/verifications?kind=correction", OfficerElsewhere)).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/v1/verifications/{id}/verify", OfficerElsewhere, """{"evidenceReference": "x"}""")).StatusCode);
        var item = (await JsonAsync(HttpMethod.Get, "/v1/verifications?kind=correction", Officer)).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((id, "correction", 3_000_000_000L), (item.GetProperty("id").GetString(), item.GetProperty("kind").GetString(), item.GetProperty("correction").GetProperty("proposedValue").GetInt64()));

        // Accepted: the value changes, as a staff fact with the evidence; the owner is told; decided once only.
        var accepted = await JsonAsync(HttpMethod.Post, $"/v1/verifications/{id}/verify", Officer, """{"evidenceReference": "税务局情况说明 2026-118 号"}""");
        Assert.Equal("accepted", accepted.GetProperty("correction").GetProperty("status").GetString());
        var profile = await JsonAsync(HttpMethod.Get, "/v1/me", Owner(uscc));
        Assert.Equal(3_000_000_000L, profile.GetProperty("annualRevenue").GetInt64());
        var fact = profile.GetProperty("provenance").GetProperty("annualRevenue");
        Assert.Equal(("staff", "税务局情况说明 2026-118 号"), (fact.GetProperty("source").GetString(), fact.GetProperty("reference").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/v1/verifications/{id}/reject", Officer, """{"reason": "x"}""")).StatusCode);

        // Another, refused: the value stays.
        var same = await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc), """{"field": "taxCredit", "value": "A", "reason": "应为A级"}""", expected: HttpStatusCode.BadRequest);
        Assert.Equal(("correction.unchanged", "value"), (Code(same), same.GetProperty("errors")[0].GetProperty("field").GetString()));
        var refusedId = (await JsonAsync(HttpMethod.Post, "/v1/me/corrections", Owner(uscc), """{"field": "name", "value": "兰州新名称有限公司", "reason": "已更名"}""", expected: HttpStatusCode.Created))
            .GetProperty("id").GetString()!;
        await JsonAsync(HttpMethod.Post, $"/v1/verifications/{refusedId}/reject", Officer, """{"reason": "登记机关尚未核准变更"}""");
        Assert.Equal("兰州核验测试7有限公司", (await JsonAsync(HttpMethod.Get, "/v1/me", Owner(uscc))).GetProperty("name").GetString());
        var inbox = (await JsonAsync(HttpMethod.Get, "/v1/me/notifications?limit=100", Owner(uscc))).GetProperty("items").EnumerateArray().Select(n => n.GetProperty("title").GetString()).ToList();
        Assert.Contains(inbox, t => t!.StartsWith("更正申请已受理", StringComparison.Ordinal));
        Assert.Contains(inbox, t => t!.StartsWith("更正申请未通过", StringComparison.Ordinal));
        var audit = await Platform.BackendServices.GetRequiredService<IStore>().ReadAuditAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(["correction.request", "correction.accept", "correction.request", "correction.refuse"],
            audit.Where(r => r.Entry.What.StartsWith("correction.", StringComparison.Ordinal)).Select(r => r.Entry.What));
    }
}

public sealed class SqliteTrustStoryTests : TrustStoryTests
{
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresTrustStoryTests(PostgresFixture postgres) : TrustStoryTests
{
    protected override async Task<Dictionary<string, string?>> StoreSettingsAsync()
    {
        var database = $"trust_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(postgres.Server.ConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {database}");
        }

        return new Dictionary<string, string?>
        {
            ["Huiqi:Store:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Database = database }.ToString(),
        };
    }
}
