using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Microsoft.AspNetCore.RateLimiting;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Two token buckets a request must both pass: one per signed-in user (its <c>sub</c>, or the enterprise's USCC) and
/// one per client address. A refusal is 429 with <c>Retry-After</c> and a problem body.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => UserOf(http) is { } user
                    ? RateLimitPartition.GetTokenBucketLimiter(user, _ => Bucket(options.PerUserPerSecond, options.PerUserBurst))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, IPAddress>(http =>
                    RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress ?? IPAddress.None, _ => Bucket(options.PerIpPerSecond, options.PerIpBurst))));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.Of(429, detail: $"请求过于频繁，请 {retryAfter} 秒后再试").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>Who the limit is per. The token is already validated by then: UseAuthentication runs first.</summary>
    private static string? UserOf(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true
            ? http.User.FindFirst(ClaimNames.Uscc)?.Value ?? http.User.FindFirst(ClaimNames.Subject)?.Value
            : null;

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
