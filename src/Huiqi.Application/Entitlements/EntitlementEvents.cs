using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Huiqi.Storage.Cache;
using StackExchange.Redis;

namespace Huiqi.Application.Entitlements;

/// <summary>Something happened to an entitlement (and/or a message was sent): ids only, the store has the rest.</summary>
public sealed record EntitlementChanged(string Uscc, string PolicyId, string? EntitlementId, string? NotificationId);

/// <summary>
/// Live changes for watchers (WatchEntitlements, the gateway's SSE route), in this instance and across instances
/// over Redis pub/sub. Only ids travel; a watcher reads the rows from the store. A watcher that falls far behind
/// loses the oldest events, never the data: the inbox and the entitlements are stored.
/// </summary>
public sealed class EntitlementEvents(RedisConnection redis, ILogger<EntitlementEvents> logger) : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("huiqi:entitlements");

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<Watcher, byte> _watchers = new();

    private sealed record Watcher(string? Uscc, string? PolicyId, Channel<EntitlementChanged> Events);

    private sealed record Message(string From, IReadOnlyList<EntitlementChanged> Changes);

    /// <summary>
    /// Watches one enterprise or one policy: registered when this returns (so a caller can say "accepted" knowing no
    /// change after that point is missed), read until the caller stops; disposing it unregisters.
    /// </summary>
    public Subscription Subscribe(string? uscc, string? policyId)
    {
        var watcher = new Watcher(uscc, policyId, System.Threading.Channels.Channel.CreateBounded<EntitlementChanged>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true }));
        _watchers[watcher] = 0;
        return new Subscription(watcher.Events.Reader, () => _watchers.TryRemove(watcher, out _));
    }

    /// <summary>A registered watch: its changes in order, until disposed.</summary>
    public sealed class Subscription(ChannelReader<EntitlementChanged> changes, Action unregister) : IDisposable
    {
        public IAsyncEnumerable<EntitlementChanged> ReadAllAsync(CancellationToken cancellationToken) => changes.ReadAllAsync(cancellationToken);

        public void Dispose() => unregister();
    }

    /// <summary>Tells this instance's watchers and, through Redis, the other instances'.</summary>
    public async Task PublishAsync(IReadOnlyList<EntitlementChanged> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        Deliver(changes);
        if (redis.Multiplexer is not { IsConnected: true } multiplexer)
        {
            return;
        }

        try
        {
            // Large batches (a policy published over many enterprises) go in slices to keep messages small.
            foreach (var slice in changes.Chunk(2_000))
            {
                await multiplexer.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(new Message(_instance, slice)));
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "entitlement events not sent to other instances; their watchers read the inbox on reconnect");
        }
    }

    private void Deliver(IEnumerable<EntitlementChanged> changes)
    {
        if (_watchers.IsEmpty)
        {
            return;
        }

        foreach (var change in changes)
        {
            foreach (var watcher in _watchers.Keys)
            {
                if ((watcher.Uscc is not null && watcher.Uscc == change.Uscc) || (watcher.PolicyId is not null && watcher.PolicyId == change.PolicyId))
                {
                    watcher.Events.Writer.TryWrite(change);
                }
            }
        }
    }

    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.Multiplexer is { } multiplexer)
        {
            _ = SubscribeUntilDoneAsync(multiplexer, _stopping.Token);
        }

        return Task.CompletedTask;
    }

    /// <summary>Keeps trying while Redis is unreachable; once subscribed, StackExchange.Redis re-subscribes after reconnects by itself.</summary>
    private async Task SubscribeUntilDoneAsync(IConnectionMultiplexer multiplexer, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(Channel, (_, value) =>
                {
                    var message = JsonSerializer.Deserialize<Message>(value.ToString());
                    if (message is not null && message.From != _instance)
                    {
                        Deliver(message.Changes);
                    }
                });
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "not subscribed to entitlement events from other instances yet (Redis unavailable); retrying");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }
}
