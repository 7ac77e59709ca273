using System.Text.Json;
using Huiqi.Backend.Auth;
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
        if (errors.Count == 0)
        {
            if (role is null || !Roles.All.Contains(role))
            {
                errors.Add(new FieldError("role", "role.invalid", $"角色应为：{string.Join("、", Roles.All)}"));
            }
            else if (role == Roles.Enterprise && !(uscc is not null && Uscc.IsValid(uscc)))
            {
                errors.Add(new FieldError("uscc", "uscc.invalid", "企业角色需要有效的统一社会信用代码"));
            }
            else if (role == Roles.Staff && !(jurisdiction is not null && Codes.IsRegionCode(jurisdiction)))
            {
                errors.Add(new FieldError("jurisdiction", "jurisdiction.invalid", "工作人员角色需要6位行政区划代码"));
            }
        }

        JsonBody.ThrowIfAny(errors);
        var claims = new Dictionary<string, string> { [ClaimNames.Role] = role!, [ClaimNames.Subject] = sub ?? (role == Roles.Enterprise ? uscc! : $"dev-{role}") };
        if (role == Roles.Enterprise) { claims[ClaimNames.Uscc] = uscc!; }
        if (role == Roles.Staff) { claims[ClaimNames.Jurisdiction] = jurisdiction!; }
        if (role == Roles.Partner && scope is not null) { claims[ClaimNames.Scope] = scope; }
        var token = issuer.Issue(claims);
        return TypedResults.Ok(new DevTokenView(token, clock.GetUtcNow() + options.DevTokenLifetime));
    }
}
