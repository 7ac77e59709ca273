using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Huiqi.IntegrationTests.Browser;

/// <summary>
/// A local OpenID Connect provider for the app's sign-in: discovery, keys (RS256), an authorization endpoint that signs
/// in one enterprise at once (no login form) and a token endpoint that checks the PKCE verifier (S256), the redirect
/// address and the client, and hands out each code once. Only what a public client's authorization-code flow needs.
/// </summary>
public sealed class OidcStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri, string ClientId)> _codes = new();

    private OidcStandIn(WebApplication app, RsaSecurityKey key) => (_app, _key) = (app, key);

    public string Authority => _app.Urls.First();

    /// <summary>The enterprise the authorization endpoint signs in.</summary>
    public required string Uscc { get; init; }

    /// <summary>Token requests refused, and why (a wrong verifier, a reused code…).</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public int TokensIssued;

    public static async Task<OidcStandIn> StartAsync(string uscc)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddCors(o => o.AddDefaultPolicy(p => p.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod()));
        var app = builder.Build();
        var provider = new OidcStandIn(app, new RsaSecurityKey(RSA.Create(2048)) { KeyId = "stand-in-1" }) { Uscc = uscc };
        app.UseCors();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Authority, ["jwks_uri"] = $"{provider.Authority}/jwks",
            ["authorization_endpoint"] = $"{provider.Authority}/authorize", ["token_endpoint"] = $"{provider.Authority}/token",
            ["response_types_supported"] = new[] { "code" }, ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(provider._key.Rsa.ExportParameters(false)) { KeyId = provider._key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/authorize", (HttpContext http) =>
        {
            var q = http.Request.Query;
            if (q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) || string.IsNullOrEmpty(q["redirect_uri"]))
            {
                return Results.BadRequest("authorization code with PKCE (S256) only");
            }

            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            provider._codes[code] = (q["code_challenge"]!, q["redirect_uri"]!, q["client_id"]!);
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
        });
        app.MapPost("/token", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            string Refuse(string why) { provider.Refusals.Enqueue(why); return why; }
            if (form["grant_type"] != "authorization_code" || !provider._codes.TryRemove(form["code"].ToString(), out var issued))
            {
                return Results.BadRequest(new { error = "invalid_grant", error_description = Refuse("unknown or used code") });
            }

            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
            if (challenge != issued.Challenge || form["redirect_uri"] != issued.RedirectUri || form["client_id"] != issued.ClientId)
            {
                return Results.BadRequest(new { error = "invalid_grant", error_description = Refuse("verifier, redirect or client does not match") });
            }

            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = provider.Authority,
                Audience = "huiqi-api",
                Expires = DateTime.UtcNow.AddMinutes(10),
                Subject = new ClaimsIdentity([new Claim("role", "enterprise"), new Claim("uscc", provider.Uscc), new Claim("sub", provider.Uscc)]),
                SigningCredentials = new SigningCredentials(provider._key, SecurityAlgorithms.RsaSha256),
            });
            Interlocked.Increment(ref provider.TokensIssued);
            return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 600 });
        });
        await app.StartAsync();
        return provider;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
