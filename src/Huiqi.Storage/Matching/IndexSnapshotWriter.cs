using Huiqi.Domain.Matching;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Huiqi.Storage.Matching;

/// <summary>
/// Writes the index snapshot once the index is ready (unless it just came from the snapshot) and then every
/// <see cref="StorageOptions.IndexSnapshotInterval"/>. Writers of the index wait while it is copied out (about a second
/// per 5M enterprises here; docs/benchmarks.md); readers do not.
/// </summary>
public sealed class IndexSnapshotWriter(IndexSync sync, EligibilityIndex index, IndexSnapshots snapshots, IStore store, StorageOptions options,
    TimeProvider clock, ILogger<IndexSnapshotWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await sync.Loaded.WaitAsync(stoppingToken);
        string? identity = null;
        var due = sync.StartedFromSnapshot ? options.IndexSnapshotInterval : TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(due, clock, stoppingToken);
                identity ??= await store.IdentityAsync(stoppingToken);
                await snapshots.WriteAsync(index, identity, sync.Position, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                // A full disk, a read-only volume, the store away: the service goes on; the next start loads in full.
                logger.LogWarning(ex, "index snapshot not written");
            }

            due = options.IndexSnapshotInterval;
        }
    }
}
