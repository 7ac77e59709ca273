using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Huiqi.Storage.Cache;

/// <summary>
/// Tells the other instances that the store changed, over Redis pub/sub. The message carries no data: a
/// listener catches up from the store's change feed, so a message lost while Redis was down loses nothing —
/// the periodic catch-up finds the change a little later.
/// </summary>
public sealed class ChangeFeed(RedisConnection redis, ILogger<ChangeFeed> logger)
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("huiqi:changes");

    public const string ProfilesChanged = "profiles", PoliciesChanged = "policies", CacheGenerationChanged = "generation";

    public async Task PublishAsync(string what)
    {
        if (redis.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            // Fire and forget: the writer never waits on Redis, and a notice sent while the connection is being
            // re-established waits in StackExchange.Redis's backlog instead of being dropped (dropped only if Redis
            // stays away past the timeout — then the others' polling finds the change).
            await multiplexer.GetSubscriber().PublishAsync(Channel, what, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "change notice not sent; other instances will catch up by polling");
        }
    }

    /// <summary>Subscribes when Redis is configured; StackExchange.Redis re-subscribes by itself after a reconnect.</summary>
    public async Task<bool> SubscribeAsync(Action<string> onMessage)
    {
        if (redis.Multiplexer is not { } multiplexer)
        {
            return false;
        }

        try
        {
            await multiplexer.GetSubscriber().SubscribeAsync(Channel, (_, message) => onMessage(message.ToString()));
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogDebug(ex, "not subscribed to change notices yet");
            return false;
        }
    }
}
