using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Huiqi.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Huiqi.IntegrationTests;

/// <summary>Keys from an OIDC authority's JWKS (a local stand-in provider): its RS256 tokens pass, anything else does not.</summary>
public sealed class OidcAuthorityTests
{
    [Fact]
    public async Task Tokens_signed_by_the_authoritys_keys_pass_and_others_are_refused()
    {
        using var providerKey = RSA.Create(2048);
        var signingKey = new RsaSecurityKey(providerKey) { KeyId = "provider-key-1" };
        await using var provider = await StartProviderAsync(signingKey);
        var authority = provider.Urls.First();

        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = authority,
            ["Auth:Issuer"] = authority,
            ["Auth:SigningKey"] = "",
        });

        string Token(SecurityKey key, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = authority,
            Audience = "huiqi-api",
            Expires = DateTime.UtcNow.AddMinutes(10),
            Subject = new ClaimsIdentity([new Claim("role", "admin"), new Claim("sub", "ops")]),
            SigningCredentials = new SigningCredentials(key, algorithm),
        });

        async Task<StatusCode> ListAsync(string token)
        {
            using var channel = platform.Channel(token);
            try
            {
                await new PolicyService.PolicyServiceClient(channel).ListPoliciesAsync(new ListPoliciesRequest());
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }

        using var strangerKey = RSA.Create(2048);
        Assert.Equal(StatusCode.OK, await ListAsync(Token(signingKey, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(StatusCode.Unauthenticated, await ListAsync(Token(new RsaSecurityKey(strangerKey) { KeyId = "provider-key-1" }, SecurityAlgorithms.RsaSha256)));
        Assert.Equal(StatusCode.Unauthenticated, await ListAsync(Token(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes("huiqi-development-signing-key-not-for-production-0123456789")), SecurityAlgorithms.HmacSha256)));
    }

    private static async Task<WebApplication> StartProviderAsync(RsaSecurityKey key)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
        {
            var issuer = $"{context.Request.Scheme}://{context.Request.Host}";
            return Results.Json(new Dictionary<string, string> { ["issuer"] = issuer, ["jwks_uri"] = $"{issuer}/jwks" });
        });
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        await app.StartAsync();
        return app;
    }
}
