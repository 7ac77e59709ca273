using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Huiqi.Storage.Cache;

/// <summary>
/// One multiplexer per process. Redis is a cache, not the truth: the connection is made without aborting on
/// failure, so the process starts with Redis down and StackExchange.Redis reconnects by itself when it is back.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<ConnectionMultiplexer>? _multiplexer;

    public RedisConnection(StorageOptions options, ILogger<RedisConnection> logger)
    {
        if (string.IsNullOrWhiteSpace(options.RedisConfiguration))
        {
            return;
        }

        var configuration = ConfigurationOptions.Parse(options.RedisConfiguration);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 2000);
        _multiplexer = new Lazy<ConnectionMultiplexer>(() =>
        {
            var multiplexer = ConnectionMultiplexer.Connect(configuration);
            multiplexer.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({FailureType}); serving from the store", e.FailureType);
            multiplexer.ConnectionRestored += (_, _) => logger.LogInformation("Redis connection restored");
            return multiplexer;
        });
    }

    public bool IsConfigured => _multiplexer is not null;

    /// <summary>The multiplexer, or null when Redis is not configured.</summary>
    public IConnectionMultiplexer? Multiplexer => _multiplexer?.Value;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { IsValueCreated: true })
        {
            await _multiplexer.Value.DisposeAsync();
        }
    }
}
