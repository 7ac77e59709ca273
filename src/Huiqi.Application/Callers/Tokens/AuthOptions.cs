using Huiqi.Application.Callers;
namespace Huiqi.Application.Callers.Tokens;

/// <summary>
/// Bound from the <c>Auth</c> section. Keys come from configuration (<c>Auth:SigningKey</c>, HS256) or an OIDC
/// authority (<c>Auth:Authority</c>, its JWKS); never from code. The development key lives only in
/// <c>appsettings.Development.json</c>.
/// </summary>
public sealed record AuthOptions
{
    public string Issuer { get; init; } = "huiqi";
    public string Audience { get; init; } = "huiqi-api";
    public string? SigningKey { get; init; }
    public string? Authority { get; init; }
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan DevTokenLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>The client id the phone app signs in with at <see cref="Authority"/> (authorization code + PKCE, a public client).</summary>
    public string AppClientId { get; init; } = "huiqi-app";
}
