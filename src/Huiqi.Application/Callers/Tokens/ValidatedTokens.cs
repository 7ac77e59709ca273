using Huiqi.Application.Callers;
using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;

namespace Huiqi.Application.Callers.Tokens;

/// <summary>
/// Bearer tokens this host has fully validated (signature, issuer, audience, lifetime, claims), by their exact text,
/// until they expire and for at most <see cref="MaxAge"/>: a phone's next request with the same token costs a lookup
/// instead of a parse and a signature check. A token is only found here if that exact string passed validation, so
/// nothing forged or altered can match; an entry is never used past the token's own expiry. Bounded in count (the
/// least recently used are dropped first under pressure). Why hand-written: JwtBearer has no cache of its results.
/// </summary>
public sealed class ValidatedTokens(TimeProvider clock) : IDisposable
{
    /// <summary>How long a validation result is reused at most (a signing key rotated out stops working within this).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 20_000 });

    public bool TryGet(string token, out ClaimsPrincipal principal)
    {
        if (_cache.TryGetValue(token, out Entry? entry) && entry is not null && clock.GetUtcNow() < entry.Expires)
        {
            principal = entry.Principal;
            return true;
        }

        principal = null!;
        return false;
    }

    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset tokenExpires)
    {
        var now = clock.GetUtcNow();
        var expires = tokenExpires < now + MaxAge ? tokenExpires : now + MaxAge;
        if (expires > now)
        {
            _cache.Set(token, new Entry(principal, expires), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = expires - now });
        }
    }

    public void Dispose() => _cache.Dispose();

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Expires);
}
