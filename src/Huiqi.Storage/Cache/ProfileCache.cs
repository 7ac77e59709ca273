using System.Text.Json;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Huiqi.Storage.Cache;

/// <summary>
/// Profile reads through two cache levels: this process's memory (L1, short-lived) and Redis (L2, shared).
/// The store stays the truth: with Redis down every read goes to the store. A write deletes the L2 entry and
/// the other instances drop their L1 entry when the change feed reaches them. If a delete could not reach
/// Redis, the first instance to see Redis again bumps the shared key generation, so no stale L2 entry is read.
/// (Why not HybridCache: it has no cross-instance L1 invalidation, which this needs anyway.)
/// </summary>
public sealed class ProfileCache : IProfileChangeListener
{
    private static readonly RedisKey GenerationKey = "huiqi:cache:generation";
    private static readonly TimeSpan L1Lifetime = TimeSpan.FromSeconds(30), L2Lifetime = TimeSpan.FromMinutes(10);
    private readonly IStore _store;
    private readonly IMemoryCache _memory;
    private readonly RedisConnection _redis;
    private readonly ChangeFeed _feed;
    private readonly ILogger<ProfileCache> _logger;
    private long _generation = -1;
    private volatile bool _missedDelete;

    public ProfileCache(IStore store, IMemoryCache memory, RedisConnection redis, ChangeFeed feed, ILogger<ProfileCache> logger)
    {
        (_store, _memory, _redis, _feed, _logger) = (store, memory, redis, feed, logger);
        if (redis.Multiplexer is { } multiplexer)
        {
            multiplexer.ConnectionRestored += (_, _) => _ = OnRedisBackAsync();
        }
    }

    public async Task<StoredProfile?> GetAsync(string uscc, CancellationToken cancellationToken)
    {
        if (_memory.TryGetValue(L1Key(uscc), out StoredProfile? cached))
        {
            return cached;
        }

        var database = await DatabaseAsync();
        if (database is not null)
        {
            try
            {
                var value = await database.StringGetAsync(L2Key(uscc));
                if (value.HasValue)
                {
                    var fromRedis = Decode(value.ToString());
                    _memory.Set(L1Key(uscc), fromRedis, L1Lifetime);
                    return fromRedis;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogDebug(ex, "Redis read failed; reading from the store");
            }
        }

        var stored = await _store.GetProfileAsync(uscc, cancellationToken);
        if (stored is not null)
        {
            _memory.Set(L1Key(uscc), stored, L1Lifetime);
            if (database is not null)
            {
                _ = database.StringSetAsync(L2Key(uscc), Encode(stored), L2Lifetime, flags: CommandFlags.FireAndForget);
            }
        }

        return stored;
    }

    /// <summary>Drops this process's copies (the change feed calls it for changes made elsewhere).</summary>
    public void Evict(IEnumerable<string> usccs)
    {
        foreach (var uscc in usccs)
        {
            _memory.Remove(L1Key(uscc));
        }
    }

    public async Task ProfilesChangedAsync(IReadOnlyList<StoredProfile> written, CancellationToken cancellationToken)
    {
        Evict(written.Select(w => w.Profile.Uscc));
        var database = await DatabaseAsync();
        if (database is null)
        {
            _missedDelete = _redis.IsConfigured;
            return;
        }

        try
        {
            await database.KeyDeleteAsync([.. written.Select(w => L2Key(w.Profile.Uscc))]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _missedDelete = true;
            _logger.LogWarning(ex, "could not drop {Count} cached profiles from Redis; the cache generation will move on when Redis is back", written.Count);
        }
    }

    /// <summary>Another instance moved the generation on.</summary>
    public void GenerationChanged() => Interlocked.Exchange(ref _generation, -1);

    private async Task OnRedisBackAsync()
    {
        Interlocked.Exchange(ref _generation, -1);
        if (!_missedDelete || _redis.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _generation, await multiplexer.GetDatabase().StringIncrementAsync(GenerationKey));
            _missedDelete = false;
            await _feed.PublishAsync(ChangeFeed.CacheGenerationChanged);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogWarning(ex, "could not move the cache generation on");
        }
    }

    private async Task<IDatabase?> DatabaseAsync()
    {
        if (_redis.Multiplexer is not { IsConnected: true } multiplexer)
        {
            return null;
        }

        var database = multiplexer.GetDatabase();
        if (Interlocked.Read(ref _generation) < 0)
        {
            try
            {
                var value = await database.StringGetAsync(GenerationKey);
                Interlocked.Exchange(ref _generation, value.HasValue ? (long)value : 0);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogDebug(ex, "Redis unavailable");
                return null;
            }
        }

        return database;
    }

    private static string L1Key(string uscc) => "profile:" + uscc;

    private RedisKey L2Key(string uscc) => $"huiqi:profile:{Interlocked.Read(ref _generation)}:{uscc}";

    private static string Encode(StoredProfile stored) => JsonSerializer.Serialize(new CachedProfile(
        ProfileJson.Serialize(stored.Profile), RowCodec.ProvenanceJson(stored.Provenance), stored.Fingerprint, stored.UpdatedAt.ToUnixTimeMilliseconds(), stored.ChangeSeq));

    private static StoredProfile Decode(string json)
    {
        var cached = JsonSerializer.Deserialize<CachedProfile>(json)!;
        return RowCodec.Profile(cached.Profile, cached.Provenance, cached.Fingerprint, cached.UpdatedAt, cached.ChangeSeq);
    }

    private sealed record CachedProfile(string Profile, string Provenance, string Fingerprint, long UpdatedAt, long ChangeSeq);
}
