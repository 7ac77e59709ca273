using System.Net;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// Every JSON route × every kind of caller (API.md's "who" column): allowed callers are never refused (401/403) and
/// never get a 5xx; everyone else gets 403 — including the wrong enterprise and staff of another jurisdiction — and a
/// caller without a token gets 401. Refusals are problem+json with a stable code.
/// </summary>
public sealed class GatewayAuthorizationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private sealed record Case(string Method, string Path, string? Body, params string[] Allowed);

    private const string DraftBody = """
        {"id": "matrix-draft", "title": "授权矩阵测试政策", "issuer": "兰州市测试局", "jurisdiction": "620100",
         "criteria": {"field": "employees", "op": "ge", "value": 10}, "benefit": {"fixedFen": 100000}}
        """;

    /// <summary>A policy's own document as a proposal (same jurisdiction and id).</summary>
    private string ProposalOf(string id) => Huiqi.Domain.Serialization.PolicyJson.Serialize(
        Huiqi.Storage.Demo.DemoSeeder.Policies().FirstOrDefault(d => d.Policy.Id == id) ?? throw new InvalidOperationException($"{id} is not a demo policy"));

    [Fact]
    public async Task Every_route_refuses_every_caller_the_spec_does_not_name()
    {
        var f = fixture;
        var e = f.EntitlementOfA;
        var profileOfA = ProfileJson.Serialize(f.Platform.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(f.A)!);
        var nameOfA = System.Text.Json.JsonSerializer.Serialize(f.Platform.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(f.A)!.Name);
        string[] anyRole = ["A", "B", "staff-in", "staff-out", "partner", "admin"];
        // Two entitlements of A resting on claims (TRUST.md §4), one to verify and one to reject.
        var store = f.Platform.BackendServices.GetRequiredService<Huiqi.Storage.Store.IStore>();
        var now = DateTimeOffset.UtcNow;
        var toVerify = e with { Id = "ent-matrix-verify", Period = "matrix-verify", Status = Huiqi.Storage.Store.EntitlementStatus.AwaitingVerification, CreatedAt = now, UpdatedAt = now };
        var toReject = toVerify with { Id = "ent-matrix-reject", Period = "matrix-reject" };
        await store.ApplyAsync([new(Create: toVerify), new(Create: toReject)], CancellationToken.None);
        string[] enterprises = ["A", "B"];
        Case[] cases =
        [
            new("GET", "/v1/policies", null, anyRole),
            new("GET", "/v1/fields", null, anyRole),
            new("GET", $"/v1/policies/{f.LanzhouPolicy}", null, anyRole),
            new("POST", "/v1/policies", DraftBody, "staff-in", "admin"),
            new("PUT", "/v1/policies/matrix-draft", DraftBody.Replace("授权矩阵测试政策", "授权矩阵测试政策（改）"), "staff-in", "admin"),
            new("POST", "/v1/policies/dry-run", DraftBody, "staff-in", "admin"),
            new("POST", "/v1/policies/check", DraftBody, "staff-in", "admin"),
            new("POST", "/v1/policies/criteria-text", """{"text": "employees >= 10"}""", "staff-in", "staff-out", "admin"),
            new("POST", $"/v1/policies/{f.LanzhouPolicy}/compare", ProposalOf(f.LanzhouPolicy), "staff-in", "admin"),
            new("POST", "/v1/policies/matrix-draft/publish", null, "staff-in", "admin"),
            new("GET", $"/v1/policies/{f.LanzhouPolicy}/matches?limit=5", null, "staff-in", "staff-out", "admin"),
            new("GET", $"/v1/policies/{f.LanzhouPolicy}/versions", null, "staff-in", "staff-out", "admin"),
            new("GET", $"/v1/policies/{f.LanzhouPolicy}/statistics", null, "staff-in", "admin"),
            new("POST", "/v1/policies/matrix-draft/retire", """{"reason": "测试"}""", "staff-in", "admin"),
            new("PUT", $"/v1/enterprises/{f.A}", profileOfA, "staff-in", "partner", "admin"),
            new("GET", $"/v1/enterprises/{f.A}", null, "A", "staff-in", "partner", "admin"),
            new("GET", $"/v1/enterprises/{f.A}/eligibility", null, "staff-in", "partner", "admin"),
            new("GET", "/v1/me", null, enterprises),
            new("PATCH", "/v1/me", $$"""{"name": {{nameOfA}}}""", enterprises),
            new("GET", "/v1/me/eligibility", null, enterprises),
            new("GET", $"/v1/me/eligibility/{f.LanzhouPolicy}", null, enterprises),
            new("POST", "/v1/me/eligibility/what-if?limit=5", """{"employees": 60}""", enterprises),
            new("GET", "/v1/me/entitlements", null, enterprises),
            new("POST", $"/v1/me/entitlements/{e.Id}/confirm", "{}", "A"),
            new("POST", $"/v1/me/entitlements/{e.Id}/object", """{"reason": "测试异议"}""", "A"),
            new("GET", "/v1/me/notifications", null, enterprises),
            new("POST", "/v1/me/notifications/read", """{"ids": []}""", enterprises),
            new("GET", "/v1/home", null, enterprises),
            new("GET", $"/v1/entitlements?policyId={e.PolicyId}", null, "staff-in", "staff-out", "admin"),
            new("POST", "/v1/entitlements/approve", $$"""{"policyId": "{{e.PolicyId}}", "entitlementIds": ["{{e.Id}}"]}""", "staff-in", "admin"),
            new("POST", $"/v1/entitlements/{e.Id}/disburse", """{"paymentReference": "PAY-MATRIX-1"}""", "staff-in", "admin"),
            new("POST", "/v1/entitlements/disburse", $$"""{"policyId": "{{e.PolicyId}}", "payments": [{"entitlementId": "{{e.Id}}", "paymentReference": "PAY-MATRIX-1"}]}""", "staff-in", "admin"),
            new("POST", $"/v1/entitlements/{e.Id}/resolve", """{"uphold": false, "resolution": "测试"}""", "staff-in", "admin"),
            new("GET", "/v1/me/notifications/stream", null, enterprises),
            new("GET", "/v1/verifications", null, "staff-in", "staff-out", "admin"),
            new("GET", "/v1/audit/verify", null, "staff-in", "staff-out", "admin"),
            new("POST", $"/v1/verifications/{toVerify.Id}/verify", """{"evidenceReference": "证书 GR2026-1"}""", "staff-in", "admin"),
            new("POST", $"/v1/verifications/{toReject.Id}/reject", """{"reason": "材料不符"}""", "staff-in", "admin"),
            new("POST", "/v1/me/corrections", """{"field": "name", "value": "兰州矩阵更名有限公司", "reason": "已更名"}""", enterprises),
        ];
        var callers = new (string Name, string? Token)[]
        {
            ("anonymous", null), ("B", f.TokenB), ("staff-out", f.StaffOut), ("partner", f.Partner), ("partner-none", f.PartnerNoScope),
            ("A", f.TokenA), ("staff-in", f.StaffIn), ("admin", f.Admin),
        };

        var wrong = new List<string>();
        foreach (var c in cases)
        {
            foreach (var (name, token) in callers)
            {
                using var response = await f.SendAsync(new HttpMethod(c.Method), c.Path, token, c.Body);
                var status = (int)response.StatusCode;
                var allowed = c.Allowed.Contains(name);
                var ok = name == "anonymous" ? status == 401
                    : allowed ? status is not (401 or 403) && status < 500
                    : status == 403;
                if (!ok)
                {
                    var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "(stream)" : await response.Content.ReadAsStringAsync();
                    wrong.Add($"{c.Method} {c.Path} as {name}: {status} {body[..Math.Min(200, body.Length)]}");
                }
                else if (status is 401 or 403)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Expired_forged_and_foreign_tokens_are_401_with_a_problem()
    {
        var f = fixture;
        var issuer = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        string Sign(string key, string audience = "huiqi-api", DateTime? expires = null) => issuer.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "huiqi",
            Audience = audience,
            NotBefore = (expires ?? DateTime.UtcNow.AddHours(1)).AddHours(-2),
            Expires = expires ?? DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["role"] = "admin", ["sub"] = "x" },
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(key)), "HS256"),
        });
        const string devKey = "huiqi-development-signing-key-not-for-production-0123456789";
        var tokens = new[]
        {
            Sign(devKey, expires: DateTime.UtcNow.AddMinutes(-5)),            // expired (beyond the 60 s skew)
            Sign("someone-elses-signing-key-that-is-long-enough-000"),         // forged
            Sign(devKey, audience: "another-api"),                             // another audience
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJyb2xlIjoiYWRtaW4iLCJzdWIiOiJ4IiwiaXNzIjoiaHVpcWkiLCJhdWQiOiJodWlxaS1hcGkifQ.", // alg none
        };
        var valid = Sign(devKey);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Get, "/v1/policies", valid)).StatusCode); // the same, valid
        // A valid token is reused by its exact text: the same token with its signature altered is not the same token.
        tokens = [.. tokens, valid[..^4] + (valid.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"), valid + "x"];
        foreach (var token in tokens)
        {
            using var response = await f.SendAsync(HttpMethod.Get, "/v1/policies", token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
            Assert.Equal("未登录或登录已失效", problem.GetProperty("title").GetString());
        }
    }
}
