namespace Huiqi.Application.Callers;

/// <summary>The claims of a caller's token (API.md's table): its role, and what a partner may do.</summary>
public static class Roles
{
    public const string Enterprise = "enterprise", Staff = "staff", Partner = "partner", Admin = "admin";

    public static readonly string[] All = [Enterprise, Staff, Partner, Admin];
}

public static class Scopes
{
    public const string ProfilesWrite = "profiles:write", ProfilesRead = "profiles:read", EligibilityRead = "eligibility:read", PoliciesRead = "policies:read";
}

public static class ClaimNames
{
    public const string Role = "role", Uscc = "uscc", Jurisdiction = "jurisdiction", Scope = "scope", Subject = "sub";
}
