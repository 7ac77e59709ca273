using Microsoft.Extensions.Caching.Hybrid;

namespace Huiqi.Gateway.Eligibility;

/// <summary>A serialized answer; never changed once built, so the cache hands out the same instance.</summary>
[System.ComponentModel.ImmutableObject(true)]
public sealed record CachedJson(byte[] Utf8);

/// <summary>
/// A short-lived cache of an enterprise's own eligibility answer in this gateway instance (HybridCache, in memory):
/// a phone that reopens its list within <see cref="GatewayOptions.AnswerCacheSeconds"/> does not cost a backend call.
/// What the enterprise changes through this gateway (PATCH /v1/me, PUT of its profile) and policy changes made
/// here evict at once; changes from elsewhere (partner feeds, other instances) show within that many seconds.
/// Only the enterprise's own answer is cached — it is keyed by the USCC in its validated token.
/// </summary>
public sealed class AnswerCache(HybridCache cache, GatewayOptions options)
{
    private const string AllTag = "answers";

    public bool Enabled => options.AnswerCacheSeconds > 0;

    public ValueTask<T> GetOrCreateAsync<T>(string uscc, string key, Func<CancellationToken, ValueTask<T>> create, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return create(cancellationToken);
        }

        var lifetime = TimeSpan.FromSeconds(options.AnswerCacheSeconds);
        return cache.GetOrCreateAsync($"answer:{uscc}:{key}", create,
            new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime }, [Tag(uscc), AllTag], cancellationToken);
    }

    public ValueTask ForgetAsync(string uscc) => Enabled ? cache.RemoveByTagAsync(Tag(uscc)) : ValueTask.CompletedTask;

    public ValueTask ForgetAllAsync() => Enabled ? cache.RemoveByTagAsync(AllTag) : ValueTask.CompletedTask;

    private static string Tag(string uscc) => $"uscc:{uscc}";
}
