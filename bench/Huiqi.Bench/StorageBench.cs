using System.Diagnostics;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.Bench;

/// <summary>
/// `-- storage --data-dir DIR --redis HOST:PORT [--provider postgres --postgres CS]`: one profile read from the
/// store against the same read through the cache (Redis hit, and memory hit), in one run, as name=value lines.
/// </summary>
internal static class StorageBench
{
    public static async Task RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args, new Dictionary<string, string>
        {
            ["--data-dir"] = "Huiqi:DataDir",
            ["--provider"] = "Huiqi:Store:Provider",
            ["--postgres"] = "ConnectionStrings:Postgres",
            ["--redis"] = "ConnectionStrings:Redis",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddHuiqiStorage(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<IStore>();
        var cache = services.GetRequiredService<ProfileCache>();
        var memory = services.GetRequiredService<IMemoryCache>();
        await store.MigrateAsync(CancellationToken.None);

        var usccs = new List<string>();
        await foreach (var stored in store.StreamProfilesAsync(0, CancellationToken.None))
        {
            if (usccs.Count < 20_000)
            {
                usccs.Add(stored.Profile.Uscc);
            }
        }

        var sample = usccs.OrderBy(u => u.GetHashCode()).Take(5_000).ToArray();
        Console.WriteLine($"provider={store.Provider}");
        Console.WriteLine($"profiles_in_store={await store.CountProfilesAsync(CancellationToken.None)}");

        var storeUs = await TimeAsync(sample, u => store.GetProfileAsync(u, CancellationToken.None));
        foreach (var uscc in sample)
        {
            await cache.GetAsync(uscc, CancellationToken.None); // fills L1 and L2
        }

        await Task.Delay(500); // L2 writes are fire-and-forget
        var redisUs = await TimeAsync(sample, u =>
        {
            memory.Remove("profile:" + u); // force the Redis level
            return cache.GetAsync(u, CancellationToken.None);
        });
        var memoryUs = await TimeAsync(sample, u => cache.GetAsync(u, CancellationToken.None));

        Console.WriteLine($"store_read_us={storeUs:0.0}");
        Console.WriteLine($"cached_read_redis_us={redisUs:0.0}");
        Console.WriteLine($"cached_read_memory_us={memoryUs:0.00}");
        Console.WriteLine($"store_vs_redis_ratio={storeUs / redisUs:0.0}");
        Console.WriteLine($"store_vs_memory_ratio={storeUs / memoryUs:0}");
    }

    /// <summary>Median of three passes over the sample, µs per read.</summary>
    private static async Task<double> TimeAsync(string[] sample, Func<string, Task<StoredProfile?>> read)
    {
        var passes = new List<double>();
        for (var pass = 0; pass < 4; pass++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var uscc in sample)
            {
                if (await read(uscc) is null)
                {
                    throw new InvalidOperationException($"{uscc} not found");
                }
            }

            if (pass > 0) // the first pass warms up
            {
                passes.Add(watch.Elapsed.TotalMicroseconds / sample.Length);
            }
        }

        passes.Sort();
        return passes[1];
    }
}
