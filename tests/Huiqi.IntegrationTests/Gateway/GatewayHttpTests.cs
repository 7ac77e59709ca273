using System.Net;
using System.Text;
using System.Text.Json;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>What a phone, a browser build of the app and a careless client see at the HTTP level.</summary>
public sealed class GatewayHttpTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("title").GetString()!);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("detail").GetString()!);
        Assert.StartsWith("urn:huiqi:problem:", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()));
        return problem;
    }

    private static List<(string Field, string Code)> Errors(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("code").GetString()!))];

    [Fact]
    public async Task Bad_bodies_are_400_naming_the_field_and_nothing_is_written()
    {
        var f = fixture;
        var path = $"/v1/enterprises/{f.A}";
        var before = await f.JsonAsync(HttpMethod.Get, path, f.Admin);

        var malformed = await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, """{"name": "未闭合"""), HttpStatusCode.BadRequest);
        Assert.Equal("json.malformed", malformed.GetProperty("code").GetString());

        var unknown = await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, """{"name": "甲", "registeredCapital": 5}"""), HttpStatusCode.BadRequest);
        Assert.Contains(("registeredCapital", "json.unknown_member"), Errors(unknown));

        var wrongTypes = await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, """{"employees": "很多", "dishonest": "否"}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["dishonest", "employees"], Errors(wrongTypes).Select(e => e.Field).Order());
        var badValues = await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, """{"region": "兰州", "employees": -3, "scale": "huge"}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["employees", "region", "scale"], Errors(badValues).Select(e => e.Field).Order());

        var otherUscc = await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, $$"""{"uscc": "{{f.B}}"}"""), HttpStatusCode.BadRequest);
        Assert.Contains(Errors(otherUscc), e => e.Field == "uscc");

        await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, null), HttpStatusCode.BadRequest);
        await ProblemAsync(await f.SendAsync(HttpMethod.Put, path, f.Admin, null, r => r.Content = new StringContent("name=甲", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(await f.SendAsync(HttpMethod.Patch, "/v1/me", f.TokenA, "{}"), HttpStatusCode.BadRequest);

        var badPolicy = """
            {"title": "坏政策", "issuer": "测试", "jurisdiction": "620100",
             "criteria": {"all": [{"field": "employees", "op": "ge", "value": 10}, {"field": "employees", "op": "has_any", "values": [1]}]},
             "benefit": {"fixedFen": -5}}
            """;
        var invalid = await ProblemAsync(await f.SendAsync(HttpMethod.Post, "/v1/policies", f.StaffIn, badPolicy), HttpStatusCode.BadRequest);
        Assert.Contains(Errors(invalid), e => e.Field.StartsWith("criteria.all[1]", StringComparison.Ordinal));

        var badQuery = await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/policies?limit=lots&asOf=2026-02-30&status=gone", f.TokenA), HttpStatusCode.BadRequest);
        Assert.Equal(["asOf", "limit", "status"], Errors(badQuery).Select(e => e.Field).Order()); // every bad parameter at once
        var badDate = await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/me/eligibility?asOf=2026-02-30", f.TokenA), HttpStatusCode.BadRequest);
        Assert.Contains(Errors(badDate), e => e.Field == "asOf");
        var badStatus = await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/policies?techDomain=quantum", f.TokenA), HttpStatusCode.BadRequest);
        Assert.Contains(Errors(badStatus), e => e.Field == "techDomain");
        await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/me/eligibility?cursor=not-a-cursor", f.TokenA), HttpStatusCode.BadRequest);

        var after = await f.JsonAsync(HttpMethod.Get, path, f.Admin);
        Assert.Equal(before.GetProperty("updatedAt").GetString(), after.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task A_policy_says_how_often_it_pays_and_an_unknown_recurrence_is_named()
    {
        var f = fixture;
        const string Body = """
            {"id": "http-yearly", "title": "每年一次的测试政策", "issuer": "兰州市测试局", "jurisdiction": "620100",
             "criteria": {"field": "employees", "op": "ge", "value": 10}, "benefit": {"fixedFen": 100000}, "recurrence": "yearly"}
            """;
        var created = await f.JsonAsync(HttpMethod.Post, "/v1/policies", f.StaffIn, Body);
        Assert.Equal("yearly", created.GetProperty("recurrence").GetString());
        Assert.Equal("yearly", (await f.JsonAsync(HttpMethod.Get, "/v1/policies/http-yearly/versions", f.StaffIn)).GetProperty("items")[0].GetProperty("recurrence").GetString());

        var monthly = await ProblemAsync(await f.SendAsync(HttpMethod.Post, "/v1/policies", f.StaffIn, Body.Replace("http-yearly", "http-monthly").Replace("\"yearly\"", "\"monthly\"")), HttpStatusCode.BadRequest);
        Assert.Equal(("recurrence", "policy.recurrence"), (Assert.Single(Errors(monthly)).Field, Errors(monthly)[0].Code));
    }

    [Fact]
    public async Task A_bad_payment_file_is_refused_naming_each_bad_line()
    {
        var f = fixture;
        var e = f.EntitlementOfA;
        var body = $$"""
            {"policyId": "{{e.PolicyId}}", "payments": [
              {"entitlementId": "{{e.Id}}", "paymentReference": "PAY-1"},
              {"entitlementId": "{{e.Id}}", "paymentReference": "PAY-2"},
              {"entitlementId": "ent-x", "paymentReference": "", "bank": "?"},
              7]}
            """;
        var problem = await ProblemAsync(await f.SendAsync(HttpMethod.Post, "/v1/entitlements/disburse", f.StaffIn, body), HttpStatusCode.BadRequest);
        Assert.Equal(
            [("payments[1].entitlementId", "duplicate"), ("payments[2].bank", "json.unknown_member"), ("payments[2].paymentReference", "required"), ("payments[3]", "json.type")],
            Errors(problem).Order());
        var empty = await ProblemAsync(await f.SendAsync(HttpMethod.Post, "/v1/entitlements/disburse", f.StaffIn, $$"""{"policyId": "{{e.PolicyId}}", "payments": []}"""), HttpStatusCode.BadRequest);
        Assert.Equal(("payments", "payments.count"), Assert.Single(Errors(empty)));
        // Refused as a whole: not one line of it was recorded.
        var stored = await f.Platform.BackendServices.GetRequiredService<Huiqi.Storage.Store.IStore>().GetEntitlementAsync(e.Id, CancellationToken.None);
        Assert.DoesNotContain(stored!.PaymentReference, new[] { "PAY-1", "PAY-2" });
    }

    [Fact]
    public async Task Odd_requests_get_a_4xx_naming_what_is_wrong_never_a_5xx()
    {
        var f = fixture;
        (HttpMethod Method, string Path, string Token, string? Body, string? Field)[] odd =
        [
            (HttpMethod.Get, "/v1/enterprises/abc", f.Admin, null, "uscc"),
            (HttpMethod.Get, "/v1/policies/%20", f.Admin, null, null),
            (HttpMethod.Get, "/v1/me/eligibility/no-such-policy", f.TokenA, null, null),
            (HttpMethod.Post, "/v1/entitlements/approve", f.Admin, """{"policyId": "no-such-policy"}""", null),
            (HttpMethod.Post, "/v1/me/entitlements/x/confirm", f.TokenA, "[]", "$"),
            (HttpMethod.Put, "/v1/policies/x", f.Admin, """{"criteria": {"all": "x"}}""", "criteria.all"),
            (HttpMethod.Get, "/v1/policies?cursor=!!!", f.Admin, null, "cursor"),
            (HttpMethod.Get, $"/v1/policies/{f.LanzhouPolicy}/matches?status=weird", f.Admin, null, "status"),
            (HttpMethod.Get, $"/v1/policies/{f.LanzhouPolicy}/matches?cursor=zzz", f.Admin, null, "cursor"),
            (HttpMethod.Get, "/v1/entitlements?cursor=zzz", f.Admin, null, "cursor"),
            (HttpMethod.Get, "/v1/me/notifications?cursor=zzz", f.TokenA, null, "cursor"),
            (HttpMethod.Patch, "/v1/me", f.TokenA, """{"certifications": [{"kind": "x"}]}""", null),
            (HttpMethod.Get, "/v1/policies?region=abc", f.Admin, null, "region"),
            (HttpMethod.Get, $"/v1/policies/{f.LanzhouPolicy}?version=0", f.Admin, null, "version"),
            (HttpMethod.Post, $"/v1/policies/{f.LanzhouPolicy}/publish", f.Admin, """{"version": "x"}""", "version"),
            (HttpMethod.Post, "/v1/entitlements/x/resolve", f.Admin, """{"uphold": "yes", "resolution": ""}""", "uphold"),
            (HttpMethod.Post, "/v1/dev/token", f.Admin, """{"role": "enterprise", "uscc": "bad"}""", "uscc"),
        ];
        foreach (var (method, path, token, body, field) in odd)
        {
            using var response = await f.SendAsync(method, path, token, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path}: {(int)response.StatusCode} {text}");
            if (field is not null)
            {
                Assert.Contains(Errors(JsonDocument.Parse(text).RootElement), e => e.Field.StartsWith(field, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_an_unknown_route_is_a_problem_404()
    {
        var f = fixture;
        var huge = $$"""{"name": "{{new string('甲', 300_000)}}"}""";
        // Expect: 100-continue, as a careful client sends a large body: the gateway answers 413 before any of it is sent
        // (without it, the answer races the upload and the client may see its pipe broken instead).
        await ProblemAsync(await f.SendAsync(HttpMethod.Put, $"/v1/enterprises/{f.A}", f.Admin, huge, r => r.Headers.ExpectContinue = true), HttpStatusCode.RequestEntityTooLarge);
        await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/nothing-here", f.Admin), HttpStatusCode.NotFound);
        var missing = await ProblemAsync(await f.SendAsync(HttpMethod.Get, "/v1/policies/no-such-policy", f.Admin), HttpStatusCode.NotFound);
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_published_policy_not_in_force_on_the_date_asked_matches_no_one_and_says_so()
    {
        var f = fixture;
        // ELIGIBILITY.md §6: the demo's 水电气 subsidy is in force in 2026 only; on a date before that nothing matches.
        const string policy = "lz-utilities-subsidy";
        var before = await f.JsonAsync(HttpMethod.Get, $"/v1/policies/{policy}/matches?asOf=2020-06-01&status=eligible", f.StaffIn);
        Assert.Empty(before.GetProperty("items").EnumerateArray());
        Assert.False(before.GetProperty("inForce").GetBoolean());
        Assert.Contains("2020-06-01", before.GetProperty("note").GetString());
        var own = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility?asOf=2020-06-01", f.TokenA);
        Assert.DoesNotContain(own.GetProperty("items").EnumerateArray(), a => a.GetProperty("policyId").GetString() == policy);

        var today = await f.JsonAsync(HttpMethod.Get, $"/v1/policies/{policy}/matches?status=eligible&limit=5", f.StaffIn);
        Assert.True(today.GetProperty("inForce").GetBoolean());
        Assert.NotEmpty(today.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_dry_run_of_a_draft_that_starts_later_is_evaluated_on_the_day_it_starts()
    {
        var f = fixture;
        const string draft = """
            {"id": "dry-later", "title": "稍后生效的政策", "issuer": "兰州市测试局", "jurisdiction": "620100", "effectiveFrom": "2031-01-01",
             "criteria": {"field": "age_months", "op": "ge", "value": 120}, "benefit": {"fixedFen": 100000}}
            """;
        var byDefault = await f.JsonAsync(HttpMethod.Post, "/v1/policies/dry-run", f.StaffIn, draft);
        var onThatDay = await f.JsonAsync(HttpMethod.Post, "/v1/policies/dry-run?asOf=2031-01-01", f.StaffIn, draft);
        var today = await f.JsonAsync(HttpMethod.Post, $"/v1/policies/dry-run?asOf={DateTime.UtcNow.AddHours(8):yyyy-MM-dd}", f.StaffIn, draft);
        Assert.Equal(onThatDay.GetProperty("counts").GetRawText(), byDefault.GetProperty("counts").GetRawText());
        Assert.NotEqual(today.GetProperty("counts").GetRawText(), byDefault.GetProperty("counts").GetRawText()); // firms age by 2031
    }

    [Fact]
    public async Task Money_is_fen_with_a_display_text_and_dates_are_plain()
    {
        var policy = await fixture.JsonAsync(HttpMethod.Get, "/v1/policies/lz-hightech-first-award", fixture.TokenA);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", policy.GetProperty("effectiveFrom").GetString()!);
        Assert.Equal(JsonValueKind.Object, policy.GetProperty("criteria").ValueKind);
        Assert.False(string.IsNullOrEmpty(policy.GetProperty("criteriaText").GetString()));
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", policy.GetProperty("criteriaDescription").GetString()!);

        var eligibility = await fixture.JsonAsync(HttpMethod.Get, "/v1/me/eligibility", fixture.TokenA);
        var eligible = eligibility.GetProperty("items").EnumerateArray().First(i => i.GetProperty("status").GetString() == "eligible" && i.TryGetProperty("amountFen", out _));
        var fen = eligible.GetProperty("amountFen").GetInt64();
        Assert.Equal(Domain.Explanation.Money.Format(fen), eligible.GetProperty("amountText").GetString());
        Assert.EndsWith("元", eligibility.GetProperty("eligibleTotalText").GetString());
    }

    [Fact]
    public async Task Lists_page_with_an_opaque_cursor_and_unchanged_answers_are_304()
    {
        var f = fixture;
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await f.JsonAsync(HttpMethod.Get, $"/v1/policies?limit=4{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}", f.TokenA);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        var all = await f.JsonAsync(HttpMethod.Get, "/v1/policies?limit=200", f.TokenA);
        Assert.Equal(all.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());

        var eligibilityPages = new List<string>();
        cursor = null;
        do
        {
            var page = await f.JsonAsync(HttpMethod.Get, $"/v1/me/eligibility?limit=5{(cursor is null ? "" : $"&cursor={cursor}")}", f.TokenA);
            eligibilityPages.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("policyId").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        var whole = await f.JsonAsync(HttpMethod.Get, "/v1/me/eligibility", f.TokenA);
        Assert.Equal(whole.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("policyId").GetString()!), eligibilityPages);

        foreach (var path in new[] { "/v1/policies", "/v1/policies/lz-hightech-first-award" })
        {
            using var first = await f.SendAsync(HttpMethod.Get, path, f.TokenA);
            var etag = first.Headers.ETag!.Tag;
            using var again = await f.SendAsync(HttpMethod.Get, path, f.TokenA, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", etag));
            Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
            Assert.Empty(await again.Content.ReadAsByteArrayAsync());
            using var stale = await f.SendAsync(HttpMethod.Get, path, f.TokenA, configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"stale\""));
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        }
    }

    [Fact]
    public async Task Responses_are_compressed_and_cors_admits_only_the_configured_origin()
    {
        var f = fixture;
        foreach (var encoding in new[] { "br", "gzip" })
        {
            using var response = await f.SendAsync(HttpMethod.Get, "/v1/policies?limit=50", f.TokenA, configure: r => r.Headers.TryAddWithoutValidation("Accept-Encoding", encoding));
            Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
        }

        using var allowed = await f.SendAsync(HttpMethod.Options, "/v1/me", null, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Origin", "https://app.huiqi.example");
            r.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "PATCH");
            r.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "authorization,content-type");
        });
        Assert.Equal("https://app.huiqi.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using var foreign = await f.SendAsync(HttpMethod.Options, "/v1/me", null, configure: r =>
        {
            r.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
            r.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "PATCH");
        });
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_openapi_document_describes_routes_bodies_answers_and_the_bearer_scheme()
    {
        var document = await fixture.JsonAsync(HttpMethod.Get, "/openapi/v1.json", null);
        var paths = document.GetProperty("paths");
        foreach (var route in new[] { "/v1/policies", "/v1/policies/{id}", "/v1/me", "/v1/me/eligibility", "/v1/me/eligibility/{policyId}", "/v1/home",
                     "/v1/me/notifications/stream", "/v1/entitlements/approve", "/v1/enterprises/{uscc}", "/v1/dev/token", "/readyz" })
        {
            Assert.True(paths.TryGetProperty(route, out _), $"{route} is missing from the OpenAPI document");
        }

        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var patch = paths.GetProperty("/v1/me").GetProperty("patch");
        Assert.True(patch.TryGetProperty("security", out _));
        Assert.True(patch.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("AnswerView").GetProperty("properties").TryGetProperty("missingFields", out _));
        Assert.True(schemas.GetProperty("ProfileBody").GetProperty("properties").TryGetProperty("annualRevenue", out _));
        using var page = await fixture.SendAsync(HttpMethod.Get, "/api", null);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the browsable page, in Development
    }

    [Fact]
    public async Task Outside_development_the_dev_token_route_and_api_page_do_not_exist()
    {
        await using var production = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = "a-production-like-key-from-configuration-0123456789",
        }, environment: "Production");
        using var token = await production.Http.PostAsync("/v1/dev/token", new StringContent("""{"role": "admin"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, token.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await production.Http.GetAsync("/api")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await production.Http.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Too_many_requests_are_429_with_retry_after()
    {
        await using var limited = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:RateLimit:PerUserPerSecond"] = "1",
            ["Gateway:RateLimit:PerUserBurst"] = "3",
        });
        var token = limited.Token(("role", "enterprise"), ("uscc", Domain.Profiles.Uscc.Complete("91620102MA01KP003")));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 6; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/policies");
            request.Headers.Authorization = new("Bearer", token);
            var response = await limited.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.NotNull(refused);
        Assert.True(refused!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("rate_limited", (await ProblemAsync(refused, HttpStatusCode.TooManyRequests)).GetProperty("code").GetString());

        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(200)); // the bucket refills
        var later = new HttpRequestMessage(HttpMethod.Get, "/v1/policies");
        later.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await limited.Http.SendAsync(later)).StatusCode);
    }

    [Fact]
    public async Task A_dead_backend_is_a_fast_503_and_a_caller_deadline_is_a_504()
    {
        await using var orphan = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:BackendAddress"] = $"http://127.0.0.1:{FreePort.Next()}",
        }, waitUntilReady: false);
        var token = orphan.Services.GetRequiredService<TokenIssuer>().Issue(new Dictionary<string, string> { ["role"] = "admin", ["sub"] = "ops" });
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/policies");
        request.Headers.Authorization = new("Bearer", token);
        var started = DateTime.UtcNow;
        var response = await orphan.Http.SendAsync(request);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a dead backend must not hang the phone");
        Assert.Equal("unavailable", (await ProblemAsync(response, HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());

        // A backend that accepts the connection and never answers: the caller's own deadline (0.3 s) ends the wait with a 504.
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try { held.Add(await silent.AcceptTcpClientAsync()); } catch (Exception) { return; }
            }
        });
        try
        {
            await using var stuck = await PlatformHost.StartAsync(new Dictionary<string, string?>
            {
                ["Gateway:BackendAddress"] = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}",
            }, waitUntilReady: false);
            var late = new HttpRequestMessage(HttpMethod.Get, "/v1/policies");
            late.Headers.Authorization = new("Bearer", token);
            late.Headers.TryAddWithoutValidation("Request-Timeout", "0.3");
            var asked = DateTime.UtcNow;
            using var answer = await stuck.Http.SendAsync(late);
            Assert.Equal("deadline_exceeded", (await ProblemAsync(answer, HttpStatusCode.GatewayTimeout)).GetProperty("code").GetString());
            Assert.True(DateTime.UtcNow - asked < TimeSpan.FromSeconds(4), "the caller's deadline, not the gateway's, should end the wait");
        }
        finally
        {
            silent.Stop();
            held.ForEach(c => c.Dispose());
        }
    }
}
