using Huiqi.Storage.Demo;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Huiqi.Storage;

/// <summary>
/// Runs before anything reads the store: applies the schema migrations and, when asked (the embedded default),
/// loads the demo data into an empty store. A store that cannot be reached yet is retried rather than crashing
/// the process, so readiness can say what is wrong.
/// </summary>
public sealed class StoreInitializer(IStore store, StorageOptions options, DemoSeeder seeder, StoreReady ready, ILogger<StoreInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var applied = await store.MigrateAsync(stoppingToken);
                if (applied > 0)
                {
                    logger.LogInformation("applied {Count} schema migration(s) to the {Provider} store", applied, store.Provider);
                }

                if (options.SeedDemoData)
                {
                    await seeder.SeedIfEmptyAsync(options.DemoPopulation, stoppingToken);
                }

                ready.Set();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "the {Provider} store is not usable yet; retrying in {Delay}", store.Provider, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}

/// <summary>Completes once the schema is current (and the demo data loaded, when asked). Has no dependencies, so readers can wait on it.</summary>
public sealed class StoreReady
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _ready.Task;

    public void Set() => _ready.TrySetResult();
}
