using System.Net;
using System.Security.Claims;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;

namespace Huiqi.IntegrationTests;

/// <summary>The reuse of validated tokens: never past the token's expiry or the cache's own limit, never for another string.</summary>
public sealed class ValidatedTokensTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly ClaimsPrincipal Someone = new(new ClaimsIdentity([new Claim("role", "admin"), new Claim("sub", "x")], "Bearer"));

    [Fact]
    public void A_validated_token_is_reused_until_it_expires_and_no_longer()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        using var tokens = new ValidatedTokens(clock);
        tokens.Add("token-a", Someone, clock.Now.AddSeconds(30));
        Assert.True(tokens.TryGet("token-a", out var principal));
        Assert.Same(Someone, principal);
        Assert.False(tokens.TryGet("token-a ", out _)); // another string, however close
        Assert.False(tokens.TryGet("token-b", out _));

        clock.Now = clock.Now.AddSeconds(30); // the token's own expiry
        Assert.False(tokens.TryGet("token-a", out _));
    }

    [Fact]
    public void A_long_lived_token_is_validated_again_after_the_cache_limit()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        using var tokens = new ValidatedTokens(clock);
        tokens.Add("token-a", Someone, clock.Now.AddHours(8));
        clock.Now += ValidatedTokens.MaxAge - TimeSpan.FromSeconds(1);
        Assert.True(tokens.TryGet("token-a", out _));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.False(tokens.TryGet("token-a", out _));
    }

    [Fact]
    public void An_expired_token_is_never_kept()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        using var tokens = new ValidatedTokens(clock);
        tokens.Add("token-a", Someone, clock.Now.AddSeconds(-1)); // accepted only within the clock skew: validated every time
        Assert.False(tokens.TryGet("token-a", out _));
    }
}
