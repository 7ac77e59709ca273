using System.Diagnostics;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;
using Huiqi.Storage;
using Huiqi.Storage.Matching;
using Microsoft.Extensions.Logging.Abstractions;

namespace Huiqi.Bench;

/// <summary>
/// `-- snapshot [count] [--dir DIR]`: the index snapshot at scale — build an index of <c>count</c> enterprises, write its
/// snapshot (IndexSnapshots, as an instance does), then load it into an empty index as a restart does (header,
/// checksum over the whole file, arrays) and check it answers as the original. Prints build, write, load, file size.
/// </summary>
internal static class SnapshotBench
{
    private static bool DropPageCache()
    {
        try
        {
            using (var sync = Process.Start("sync"))
            {
                sync?.WaitForExit();
            }

            File.WriteAllText("/proc/sys/vm/drop_caches", "1");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1_000_000;
        var dir = args.Arg("--dir", Path.GetTempPath());
        var path = Path.Combine(dir, $"huiqi-bench-{Environment.ProcessId}.snapshot");
        var snapshots = new IndexSnapshots(new StorageOptions { IndexSnapshotPath = path }, NullLogger<IndexSnapshots>.Instance);
        const string identity = "0123456789abcdef0123456789abcdef";
        try
        {
            Console.WriteLine($"machine={Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
            var watch = Stopwatch.StartNew();
            var built = EligibilityIndex.Build(new PopulationGenerator().Generate(count), Workload.Policies());
            Console.WriteLine($"enterprises={count} build_s={watch.Elapsed.TotalSeconds:0.00}");

            watch.Restart();
            var bytes = snapshots.WriteAsync(built, identity, position: count, CancellationToken.None).GetAwaiter().GetResult();
            Console.WriteLine($"snapshot_write_s={watch.Elapsed.TotalSeconds:0.00} snapshot_bytes={bytes} bytes_per_enterprise={bytes / (double)count:0}");

            // The restart: a fresh machine would not have the file in the page cache. As root the cache is dropped first,
            // so the figure includes reading the disk; otherwise it says so.
            var cold = DropPageCache();
            Console.WriteLine($"page_cache_dropped={cold.ToString().ToLowerInvariant()}");
            var loaded = new EligibilityIndex();
            loaded.SetPolicies(Workload.Policies());
            watch.Restart();
            var position = snapshots.TryLoad(loaded, identity, storePosition: count);
            Console.WriteLine($"snapshot_load_s={watch.Elapsed.TotalSeconds:0.00} loaded={position is not null} enterprises_loaded={loaded.Count}");

            var policy = Workload.Measured(Workload.Policies());
            using var a = built.MatchPolicy(policy, Workload.AsOf);
            using var b = loaded.MatchPolicy(policy, Workload.AsOf);
            var agree = position == count && loaded.Count == built.Count && a.EligibleCount == b.EligibleCount && a.UnknownCount == b.UnknownCount;
            Console.WriteLine($"agree={agree.ToString().ToLowerInvariant()} measured_policy_eligible={b.EligibleCount}");
            return agree ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
