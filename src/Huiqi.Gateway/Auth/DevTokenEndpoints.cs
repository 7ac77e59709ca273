using System.Text.Json;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Auth;

/// <summary>
/// POST /v1/dev/token: mints a token with the configured development key. Mapped only in the Development
/// environment; anywhere else the route does not exist (404) and tokens come from the identity provider.
/// </summary>
public static class DevTokenEndpoints
{
    public sealed record DevTokenBody(string Role, string? Uscc, string? Jurisdiction, string? Scope, string? Sub);

    public sealed record DevTokenView(string Token, DateTimeOffset ExpiresAt);

    public static RouteGroupBuilder MapDevTokens(this RouteGroupBuilder v1, IHostEnvironment environment)
    {
        if (environment.IsDevelopment())
        {
            v1.MapPost("/dev/token", IssueAsync).WithName("DevToken").WithTags("development").AllowAnonymous()
                .Accepts<DevTokenBody>("application/json").WithSummary("（仅开发环境）签发测试令牌");
        }

        return v1;
    }

    private static async Task<Ok<DevTokenView>> IssueAsync(HttpContext http, TokenIssuer issuer, AuthOptions options, TimeProvider clock)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "role", "uscc", "jurisdiction", "scope", "sub");
        var errors = new List<FieldError>();
        var role = JsonBody.OptionalString(root, "role", errors);
        var uscc = JsonBody.OptionalString(root, "uscc", errors);
        var jurisdiction = JsonBody.OptionalString(root, "jurisdiction", errors);
        var scope = JsonBody.OptionalString(root, "scope", errors);
        var sub = JsonBody.OptionalString(root, "sub", errors);
        JsonBody.ThrowIfAny(errors);
        var claims = new Dictionary<string, string> { [ClaimNames.Role] = role ?? "" };
        var subject = sub ?? (role == Roles.Enterprise ? uscc : $"dev-{role}");
        if (subject is not null) { claims[ClaimNames.Subject] = subject; }
        if (role == Roles.Enterprise && uscc is not null) { claims[ClaimNames.Uscc] = uscc; }
        if (role == Roles.Staff && jurisdiction is not null) { claims[ClaimNames.Jurisdiction] = jurisdiction; }
        if (role == Roles.Partner && scope is not null) { claims[ClaimNames.Scope] = scope; }

        // What production would refuse is not minted here either: the same check as at authentication.
        if (CallerClaims.Problem(claims.Select(c => new System.Security.Claims.Claim(c.Key, c.Value))) is { } problem)
        {
            throw new InvalidInputException([problem]);
        }

        var token = issuer.Issue(claims);
        return TypedResults.Ok(new DevTokenView(token, clock.GetUtcNow() + options.DevTokenLifetime));
    }
}
