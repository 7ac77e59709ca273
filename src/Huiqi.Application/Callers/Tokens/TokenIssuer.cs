using Huiqi.Application.Callers;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Huiqi.Application.Callers.Tokens;

/// <summary>Mints HS256 tokens with the configured key: the development token route and tests. Production tokens come from the identity provider.</summary>
public sealed class TokenIssuer(AuthOptions options, TimeProvider clock)
{
    public string Issue(IReadOnlyDictionary<string, string> claims, TimeSpan? lifetime = null)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("no signing key is configured (Auth:SigningKey)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? options.DevTokenLifetime),
            Subject = new ClaimsIdentity(claims.Select(c => new Claim(c.Key, c.Value))),
            SigningCredentials = new SigningCredentials(AuthExtensions.KeyOf(options.SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
