using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;

namespace Huiqi.Gateway.Auth;

/// <summary>
/// The gateway checks the token (same issuer, audience and keys as the backend) and the caller's role per route, as
/// in API.md's table; the backend then checks the resource itself (own enterprise, jurisdiction, partner scopes), and
/// the caller's token is passed on to it unchanged.
/// </summary>
public static class GatewayAuth
{
    public const string AnyRole = AuthExtensions.AnyRole;
    public const string Enterprise = "huiqi-enterprise";
    public const string Staff = "huiqi-staff-or-admin";
    public const string ProfileWriters = "huiqi-profile-writers";
    public const string EligibilityReaders = "huiqi-eligibility-readers";

    /// <summary>Who may read the profile's field catalogue: every role that reads or writes profiles (a partner only with a profiles scope).</summary>
    public const string FieldReaders = "huiqi-field-readers";

    public static IHostApplicationBuilder AddGatewayAuth(this IHostApplicationBuilder builder)
    {
        builder.AddHuiqiAuthentication();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Enterprise, p => p.RequireRole(Roles.Enterprise).RequireClaim(ClaimNames.Uscc))
            .AddPolicy(Staff, p => p.RequireRole(Roles.Staff, Roles.Admin))
            .AddPolicy(ProfileWriters, p => p.RequireRole(Roles.Partner, Roles.Staff, Roles.Admin))
            .AddPolicy(EligibilityReaders, p => p.RequireRole(Roles.Partner, Roles.Staff, Roles.Admin))
            .AddPolicy(FieldReaders, p => p.RequireAssertion(context => new Caller(context.User) is var caller
                && (caller.IsEnterprise || caller.IsStaff || caller.IsAdmin || caller.HasScope(Scopes.ProfilesRead) || caller.HasScope(Scopes.ProfilesWrite))));
        return builder;
    }
}
