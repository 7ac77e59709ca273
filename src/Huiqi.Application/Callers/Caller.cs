using System.Security.Claims;
using Huiqi.Domain.Evaluation;

namespace Huiqi.Application.Callers;

/// <summary>Who is calling, read from the validated token's claims, with the resource rules of API.md.</summary>
public sealed class Caller(ClaimsPrincipal user)
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClaimsPrincipal, Caller> Read = new();

    /// <summary>
    /// The caller a principal names, read once per principal: a validated token's principal is reused for as long as
    /// the token is (<see cref="Tokens.ValidatedTokens"/>), so an enterprise's next request does not read its claims again.
    /// </summary>
    public static Caller Of(ClaimsPrincipal user) => Read.GetValue(user, static u => new Caller(u));

    public string Role { get; } = user.FindFirst(ClaimNames.Role)?.Value ?? "";
    public string? Uscc { get; } = user.FindFirst(ClaimNames.Uscc)?.Value;
    public string? Jurisdiction { get; } = user.FindFirst(ClaimNames.Jurisdiction)?.Value;
    public string Subject { get; } = user.FindFirst(ClaimNames.Subject)?.Value ?? "";
    /// <summary>When the token expires (its <c>exp</c>); null when it does not say.</summary>
    public DateTimeOffset? ExpiresAt { get; } =
        long.TryParse(user.FindFirst("exp")?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;

    public IReadOnlySet<string> Scopes { get; } = (user.FindFirst(ClaimNames.Scope)?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    public bool IsAdmin => Role == Roles.Admin;
    public bool IsStaff => Role == Roles.Staff;
    public bool IsPartner => Role == Roles.Partner;
    public bool IsEnterprise => Role == Roles.Enterprise;

    public bool HasScope(string scope) => IsPartner && Scopes.Contains(scope);

    /// <summary>The enterprise itself.</summary>
    public bool Is(string uscc) => IsEnterprise && Uscc == uscc;

    /// <summary>Staff whose jurisdiction covers a region code (620100 covers 620102; 620000 covers all of Gansu).</summary>
    public bool Covers(string? region) =>
        IsStaff && Jurisdiction is { Length: 6 } jurisdiction && region is not null
        && CriteriaEvaluator.IsUnder(Domain.Criteria.FieldCatalog.Region, region, jurisdiction);

    /// <summary>The region-code prefix of staff's jurisdiction (620100 → 6201), for filtering rows in the store.</summary>
    public string? JurisdictionPrefix
    {
        get
        {
            if (!IsStaff || Jurisdiction is not { Length: 6 } code)
            {
                return null;
            }

            while (code.EndsWith("00", StringComparison.Ordinal))
            {
                code = code[..^2];
            }

            return code;
        }
    }

    /// <summary>Admin, or staff whose jurisdiction covers a policy's jurisdiction.</summary>
    public bool Governs(string policyJurisdiction) => IsAdmin || Covers(policyJurisdiction);

    /// <summary>Who to record as the author of a change.</summary>
    public string Name => IsEnterprise ? $"enterprise:{Uscc}" : $"{Role}:{Subject}";
}
