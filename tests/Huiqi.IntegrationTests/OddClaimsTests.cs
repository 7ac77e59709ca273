using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Contracts.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Huiqi.IntegrationTests;

/// <summary>
/// Tokens correctly signed by the platform's own key whose claims are odd: missing, malformed, repeated, a catch-all
/// jurisdiction, a role sent as an array. Each is refused at authentication (401 / UNAUTHENTICATED) on both faces,
/// never read as "no filter"; the development token route will not mint them either.
/// </summary>
public sealed class OddClaimsTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;

    public async Task InitializeAsync() => _platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["Gateway:RateLimit:Enabled"] = "false" });

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    /// <summary>A token signed with the platform's key, whose claims are exactly these (a value may be an array).</summary>
    private string Signed(Dictionary<string, object> claims)
    {
        var options = _platform.BackendServices.GetRequiredService<AuthOptions>();
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(options.SigningKey!)), SecurityAlgorithms.HmacSha256),
        });
    }

    public static TheoryData<string, Dictionary<string, object>> OddTokens => new()
    {
        { "staff without a jurisdiction", new() { ["role"] = "staff", ["sub"] = "officer" } },
        { "staff with a prefix for a jurisdiction", new() { ["role"] = "staff", ["sub"] = "officer", ["jurisdiction"] = "6201" } },
        { "staff with punctuation for a jurisdiction", new() { ["role"] = "staff", ["sub"] = "officer", ["jurisdiction"] = "%%%%%%" } },
        { "staff governing everything with 000000", new() { ["role"] = "staff", ["sub"] = "officer", ["jurisdiction"] = "000000" } },
        { "staff with two jurisdictions", new() { ["role"] = "staff", ["sub"] = "officer", ["jurisdiction"] = new[] { "620100", "620400" } } },
        { "a role array granting admin", new() { ["role"] = new[] { "enterprise", "admin" }, ["uscc"] = "91620102MA01KP0011", ["sub"] = "x" } },
        { "an unknown role", new() { ["role"] = "superuser", ["sub"] = "x" } },
        { "no role at all", new() { ["sub"] = "x" } },
        { "an enterprise without a uscc", new() { ["role"] = "enterprise" } },
        { "an enterprise with a malformed uscc", new() { ["role"] = "enterprise", ["uscc"] = "not-a-uscc" } },
        { "an enterprise with two usccs", new() { ["role"] = "enterprise", ["uscc"] = new[] { "91620102MA01KP0011", "91620102MA01KP002X" } } },
        { "a partner without a sub", new() { ["role"] = "partner", ["scope"] = "profiles:write profiles:read" } },
        { "an admin without a sub", new() { ["role"] = "admin" } },
    };

    [Theory]
    [MemberData(nameof(OddTokens))]
    public async Task A_token_with_odd_claims_is_refused_on_both_faces(string attack, Dictionary<string, object> claims)
    {
        var token = Signed(claims);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/entitlements") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var json = await _platform.Http.SendAsync(request);
        Assert.True(HttpStatusCode.Unauthorized == json.StatusCode, $"{attack}: JSON answered {(int)json.StatusCode}");
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);

        using var channel = _platform.Channel(token);
        var entitlements = new EntitlementService.EntitlementServiceClient(channel);
        var listed = await Assert.ThrowsAsync<RpcException>(async () => await entitlements.ListEntitlementsAsync(new ListEntitlementsRequest()));
        Assert.True(StatusCode.Unauthenticated == listed.StatusCode, $"{attack}: ListEntitlements answered {listed.StatusCode}");
        var matched = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new EligibilityService.EligibilityServiceClient(channel).MatchPolicy(new MatchPolicyRequest { PolicyId = "any", PageSize = 1 });
            await call.ResponseStream.MoveNext();
        });
        Assert.True(StatusCode.Unauthenticated == matched.StatusCode, $"{attack}: MatchPolicy answered {matched.StatusCode}");
    }

    [Fact]
    public async Task The_development_token_route_refuses_to_mint_what_authentication_would_refuse()
    {
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { role = "staff", sub = "o" }, "jurisdiction"),
            (new { role = "staff", jurisdiction = "000000" }, "jurisdiction"),
            (new { role = "staff", jurisdiction = "6201" }, "jurisdiction"),
            (new { role = "enterprise", uscc = "bad" }, "uscc"),
            (new { role = "root" }, "role"),
        })
        {
            using var response = await _platform.Http.PostAsJsonAsync("/v1/dev/token", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{JsonSerializer.Serialize(body)}: {(int)response.StatusCode} {text}");
            Assert.Equal(field, JsonDocument.Parse(text).RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
        }

        using var fine = await _platform.Http.PostAsJsonAsync("/v1/dev/token", new { role = "staff", jurisdiction = "620100" });
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }
}
