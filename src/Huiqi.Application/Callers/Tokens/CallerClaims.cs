using Huiqi.Application.Callers;
using System.Security.Claims;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;

namespace Huiqi.Application.Callers.Tokens;

/// <summary>
/// The claims a token must carry (API.md's table), checked once, when the token is validated, for every face:
/// exactly one <c>role</c> of the four; an enterprise exactly one valid <c>uscc</c>; staff exactly one
/// <c>jurisdiction</c> that is a known region code (so no rule downstream meets a missing, malformed or catch-all
/// one such as <c>000000</c>); staff, partners and admins exactly one <c>sub</c> (it names who wrote a fact). A claim
/// sent twice, or as an array, is refused too: the token is refused (401 / UNAUTHENTICATED), failing closed.
/// </summary>
public static class CallerClaims
{
    /// <summary>The first problem with the claims, or null when the caller is well-formed.</summary>
    public static FieldError? Problem(IEnumerable<Claim> claims)
    {
        var byType = claims.GroupBy(c => c.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList(), StringComparer.Ordinal);
        foreach (var name in (string[])[ClaimNames.Role, ClaimNames.Uscc, ClaimNames.Jurisdiction, ClaimNames.Subject, ClaimNames.Scope])
        {
            if (byType.TryGetValue(name, out var values) && values.Count > 1)
            {
                return new FieldError(name, "claim.repeated", $"令牌中的 {name} 只能有一个值");
            }
        }

        string? One(string name) => byType.TryGetValue(name, out var values) ? values[0] : null;
        var role = One(ClaimNames.Role);
        if (role is null || !Roles.All.Contains(role))
        {
            return new FieldError(ClaimNames.Role, "claim.role", $"令牌的角色应为：{string.Join("、", Roles.All)}");
        }

        if (role == Roles.Enterprise && !(One(ClaimNames.Uscc) is { } uscc && Uscc.IsValid(uscc)))
        {
            return new FieldError(ClaimNames.Uscc, "claim.uscc", "企业令牌需要有效的统一社会信用代码");
        }

        if (role == Roles.Staff && !(One(ClaimNames.Jurisdiction) is { } jurisdiction && Codes.Regions.ContainsKey(jurisdiction)))
        {
            return new FieldError(ClaimNames.Jurisdiction, "claim.jurisdiction", "工作人员令牌需要已知的6位行政区划代码作为管辖范围");
        }

        if (role != Roles.Enterprise && string.IsNullOrWhiteSpace(One(ClaimNames.Subject)))
        {
            return new FieldError(ClaimNames.Subject, "claim.sub", "令牌需要标明调用者（sub）");
        }

        return null;
    }
}
