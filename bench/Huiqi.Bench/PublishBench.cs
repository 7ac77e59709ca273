using System.Diagnostics;
using Huiqi.Application.Entitlements;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Text;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Huiqi.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Huiqi.Bench;

/// <summary>
/// `-- publish --data-dir DIR [--count 1000000] [--provider postgres]` (issue 7): one policy published over the whole
/// population, about 100,000 of them eligible — the time until every entitlement exists (with its message and its
/// audit record), plus the requests for missing facts sent to the unknown ones. PostgreSQL is started from the
/// machine's packages on a free port (as the tests do). Prints name=value lines.
/// </summary>
internal static class PublishBench
{
    public static async Task RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args, new Dictionary<string, string>
        {
            ["--data-dir"] = "Huiqi:DataDir",
            ["--provider"] = "Huiqi:Store:Provider",
            ["--count"] = "Bench:Count",
        }).Build();
        var count = configuration.GetValue("Bench:Count", 1_000_000);
        PostgresServer? postgres = null;
        var settings = new Dictionary<string, string?>();
        if (configuration["Huiqi:Store:Provider"] == "postgres")
        {
            postgres = await PostgresServer.StartAsync();
            settings["ConnectionStrings:Postgres"] = postgres.ConnectionString;
        }

        await using var _ = postgres;
        var services = new ServiceCollection().AddLogging()
            .AddHuiqiStorage(new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
        var store = services.GetRequiredService<IStore>();
        await store.MigrateAsync(CancellationToken.None);
        Console.WriteLine($"provider={store.Provider}");

        if (await store.CountProfilesAsync(CancellationToken.None) < count)
        {
            var importer = new ProfileImporter(new ProfileWriter(store, TimeProvider.System, [], FactAuthority.None));
            var rows = new PopulationGenerator().Generate(count).Select((p, i) => new ImportRow(i + 1, p, [])).ToAsyncEnumerable();
            var summary = await importer.ImportAsync(rows, ProfileSource.PartnerFeed, "bench", 20_000);
            Console.WriteLine($"import_s={summary.Elapsed.TotalSeconds:0.0}");
        }

        var index = new EligibilityIndex();
        await foreach (var stored in store.StreamProfilesAsync(0, CancellationToken.None))
        {
            index.Upsert(stored.Profile);
        }

        index.Rebalance();
        Console.WriteLine($"enterprises={index.Count}");

        // The employees threshold that makes about 100,000 (a tenth) eligible.
        var today = Dates.TodayInChina();
        var runId = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        Policy PolicyWith(int employees) => new()
        {
            Id = $"bench-publish-{runId}",
            Status = PolicyStatus.Published,
            Title = "稳岗扩岗奖励（基准测试）",
            Jurisdiction = "620000",
            Criteria = CriteriaText.Parse($"employees >= {employees} and not dishonest = true"),
            Benefit = new FixedBenefit(2_000_000),
            OncePerEnterprise = true,
        };
        var policy = new[] { 20, 50, 100, 150, 200, 300, 500, 1000 }.Select(PolicyWith)
            .MinBy(p => { using var r = index.MatchPolicy(p, today); return Math.Abs(r.EligibleCount - index.Count / 10); })!;
        index.SetPolicies([policy]);
        using (var result = index.MatchPolicy(policy, today))
        {
            Console.WriteLine($"policy={CriteriaText.Print(policy.Criteria)} eligible={result.EligibleCount} unknown={result.UnknownCount}");
        }

        var events = new EntitlementEvents(new RedisConnection(new StorageOptions(), NullLogger<RedisConnection>.Instance), NullLogger<EntitlementEvents>.Instance);
        var workflow = new EntitlementWorkflow(store, index, events, new WorkflowOptions(), TimeProvider.System, NullLogger<EntitlementWorkflow>.Instance);
        var watch = Stopwatch.StartNew();
        var created = await workflow.ReconcilePolicyAsync(policy, CancellationToken.None);
        watch.Stop();
        Console.WriteLine($"entitlements_created={created.Created} missing_fact_requests={created.Asked}");
        Console.WriteLine($"publish_all_entitlements_s={watch.Elapsed.TotalSeconds:0.0}");
        Console.WriteLine($"entitlements_per_s={created.Created / watch.Elapsed.TotalSeconds:0}");
    }
}
