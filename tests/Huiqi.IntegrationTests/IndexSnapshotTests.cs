using System.Net.Http.Json;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Storage.Matching;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests;

/// <summary>
/// The index snapshot on the embedded store (docs/eligibility.md, "Snapshot"): a restart is ready from it and catches
/// up with what changed meanwhile; a missing, damaged or foreign snapshot means a full load, never a wrong index.
/// </summary>
public sealed class IndexSnapshotTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"huiqi-snapshot-{Guid.NewGuid():N}");

    private Dictionary<string, string?> Settings(string dataDir, int population) => new()
    {
        ["Huiqi:DataDir"] = dataDir,
        ["Huiqi:Index:SnapshotPath"] = Path.Combine(_dir, "index.snapshot"),
        ["Huiqi:Demo:Seed"] = "true",
        ["Huiqi:Demo:Population"] = population.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private string SnapshotPath => Path.Combine(_dir, "index.snapshot");

    [Fact]
    public async Task A_restart_is_ready_from_the_snapshot_and_catches_up_with_what_changed_meanwhile()
    {
        var data = Path.Combine(_dir, "store");
        EnterpriseProfile added;
        await using (var first = await PlatformHost.StartAsync(Settings(data, 400)))
        {
            Assert.False(Sync(first).StartedFromSnapshot);
            await Eventually(() => File.Exists(SnapshotPath));
            // Written after the snapshot: only the change feed can bring it to the next start.
            added = new PopulationGenerator(77).Generate(1).Single() with { Uscc = Uscc.Complete("91620102MA01KQ771"), Employees = 42 };
            await first.BackendServices.GetRequiredService<ProfileWriter>().WriteAsync([new ProfileChange(added)], ProfileSource.PartnerFeed, "tax", CancellationToken.None);
        }

        await using var second = await PlatformHost.StartAsync(Settings(data, 400));
        var index = second.BackendServices.GetRequiredService<EligibilityIndex>();
        Assert.True(Sync(second).StartedFromSnapshot);
        Assert.Equal(42, index.GetProfile(added.Uscc)?.Employees);
        Assert.Equal(await second.BackendServices.GetRequiredService<IStore>().CountProfilesAsync(CancellationToken.None), index.Count);
        Assert.Equal(401 + 1, index.Count); // the demo population, the showcase enterprise and the one added

        // And it answers as a loaded one does: an enterprise's list through the gateway.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me/eligibility");
        request.Headers.Authorization = new("Bearer", second.Token(("role", "enterprise"), ("uscc", added.Uscc)));
        using var response = await second.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_snapshot_written_by_one_process_answers_in_the_next()
    {
        // Two operating-system processes, as a restarted container: anything the writer kept that only holds within
        // its own process (a hash seeded per process placed the USCC table's entries) shows here and nowhere else.
        var settings = new Dictionary<string, string>
        {
            ["Huiqi__Demo__Seed"] = "true",
            ["Huiqi__Demo__Population"] = "300",
            ["Huiqi__Index__SnapshotPath"] = SnapshotPath,
        };
        var data = Path.Combine(_dir, "store");
        await using (var first = await PlatformProcess.StartGatewayAsync(data, settings))
        {
            await Eventually(() => File.Exists(SnapshotPath));
        }

        var written = File.GetLastWriteTimeUtc(SnapshotPath);
        await using var second = await PlatformProcess.StartGatewayAsync(data, settings);
        var token = await (await second.Http.PostAsJsonAsync("/v1/dev/token", new { role = "enterprise", uscc = Huiqi.Storage.Demo.DemoSeeder.ShowcaseUscc }))
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me/eligibility");
        request.Headers.Authorization = new("Bearer", token.GetProperty("token").GetString());
        using var response = await second.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await Task.Delay(1000);
        Assert.Equal(written, File.GetLastWriteTimeUtc(SnapshotPath)); // started from it: a full load would have written a new one
    }

    [Fact]
    public async Task A_damaged_snapshot_means_a_full_load()
    {
        var data = Path.Combine(_dir, "store");
        await using (var first = await PlatformHost.StartAsync(Settings(data, 300)))
        {
            await Eventually(() => File.Exists(SnapshotPath));
        }

        var bytes = await File.ReadAllBytesAsync(SnapshotPath);
        bytes[^100] ^= 0x40; // one bit deep in the payload
        await File.WriteAllBytesAsync(SnapshotPath, bytes);

        await using var second = await PlatformHost.StartAsync(Settings(data, 300));
        Assert.False(Sync(second).StartedFromSnapshot);
        Assert.Equal(300 + 1, second.BackendServices.GetRequiredService<EligibilityIndex>().Count); // and the showcase
    }

    [Fact]
    public async Task A_snapshot_of_another_database_or_a_missing_one_means_a_full_load()
    {
        await using (var first = await PlatformHost.StartAsync(Settings(Path.Combine(_dir, "a"), 300)))
        {
            Assert.False(Sync(first).StartedFromSnapshot); // none yet
            await Eventually(() => File.Exists(SnapshotPath));
        }

        // The same demo data seeded into another database: same enterprises, same change numbers, another identity.
        // (Seeded first without a snapshot: an index written into during start-up never takes one.)
        var b = Settings(Path.Combine(_dir, "b"), 300);
        await using (await PlatformHost.StartAsync(new Dictionary<string, string?>(b) { ["Huiqi:Index:SnapshotPath"] = null }))
        {
        }

        await using var other = await PlatformHost.StartAsync(b);
        Assert.False(Sync(other).StartedFromSnapshot);
        Assert.Equal(await other.BackendServices.GetRequiredService<IStore>().CountProfilesAsync(CancellationToken.None),
            other.BackendServices.GetRequiredService<EligibilityIndex>().Count);
    }

    private static IndexSync Sync(PlatformHost host) => host.BackendServices.GetRequiredService<IndexSync>();

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
