using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Huiqi.Domain.Common;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Serialization;
using Huiqi.Storage;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Data.Sqlite;

namespace Huiqi.IntegrationTests.Workflow;

/// <summary>
/// Exactly once, with a real crash: the platform process is killed with SIGKILL while it is creating the
/// entitlements of a policy just published over 100,000 enterprises, then started again on the same data.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const int Population = 100_000;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-crash-{Guid.NewGuid():N}");

    private const string PolicyJsonText = """
        {"id": "crash-test-award", "title": "稳岗奖励（崩溃恢复测试）", "issuer": "测试局", "jurisdiction": "620000",
         "criteria": {"all": [{"field": "employees", "op": "ge", "value": 20}, {"not": {"field": "dishonest", "op": "eq", "value": true}}]},
         "benefit": {"fixedFen": 1000000}, "oncePerEnterprise": true}
        """;

    public async Task InitializeAsync()
    {
        var store = new SqliteStore(new StorageOptions { DataDir = _dataDir }, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        var writer = new ProfileWriter(store, TimeProvider.System, [], FactAuthority.None);
        foreach (var chunk in new PopulationGenerator(41).Generate(Population).Chunk(20_000))
        {
            await writer.WriteAsync([.. chunk.Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "crash-test", CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Killed_mid_publish_and_restarted_nobody_is_doubled_and_nobody_is_missed()
    {
        var policy = PolicyJson.Parse(PolicyJsonText).Policy with { Status = PolicyStatus.Published };
        var today = Dates.TodayInChina();
        var expected = new PopulationGenerator(41).Generate(Population)
            .Where(p => PolicyEvaluator.Evaluate(policy, p, today).Status == EligibilityStatus.Eligible)
            .Select(p => p.Uscc).ToHashSet(StringComparer.Ordinal);
        Assert.InRange(expected.Count, 10_000, 95_000);

        // Small batches: many commits, so the kill lands between two of them.
        var settings = new Dictionary<string, string> { ["Huiqi__Workflow__BatchSize"] = "250" };
        long atKill;
        await using (var first = await PlatformProcess.StartGatewayAsync(_dataDir, settings))
        {
            await PublishAsync(first);
            atKill = await WaitForAsync(n => n > 0, TimeSpan.FromSeconds(60));
            first.KillHard();
            atKill = await CountAsync("SELECT COUNT(*) FROM entitlements");
        }

        Assert.True(atKill > 0 && atKill < expected.Count, $"the kill should land mid-way: {atKill} of {expected.Count} were created before it");

        await using (var second = await PlatformProcess.StartGatewayAsync(_dataDir, settings))
        {
            await WaitForAsync(n => n >= expected.Count, TimeSpan.FromSeconds(120));
            await Task.Delay(500); // anything extra would show up now
        }

        await using var connection = Open();
        var holders = (await connection.QueryAsync<string>("SELECT uscc FROM entitlements WHERE policy_id = 'crash-test-award'")).ToList();
        Assert.Equal(holders.Count, holders.Distinct().Count());
        Assert.True(expected.SetEquals(holders), $"expected {expected.Count} holders, found {holders.Count}");
        // Side effects exactly once too: one message and one audit record per entitlement.
        Assert.Equal(expected.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM notifications WHERE kind = 'new_entitlement'"));
        Assert.Equal(expected.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE what = 'entitlement.match'"));
        var store = new SqliteStore(new StorageOptions { DataDir = _dataDir }, TimeProvider.System);
        Assert.True((await AuditChain.VerifyAsync(store.ReadAuditAsync(CancellationToken.None))).Intact);
    }

    private static async Task PublishAsync(PlatformProcess gateway)
    {
        var token = await gateway.Http.PostAsJsonAsync("/v1/dev/token", new { role = "staff", jurisdiction = "620000", sub = "officer-crash" });
        token.EnsureSuccessStatusCode();
        gateway.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        (await gateway.Http.PostAsync("/v1/policies", new StringContent(PolicyJsonText, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await gateway.Http.PostAsync("/v1/policies/crash-test-award/publish", null)).EnsureSuccessStatusCode();
    }

    private SqliteConnection Open() => new($"Data Source={Path.Combine(_dataDir, "huiqi.db")};Mode=ReadOnly;Pooling=False");

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private async Task<long> WaitForAsync(Func<long, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long count = 0;
        while (DateTime.UtcNow < deadline)
        {
            count = await CountAsync("SELECT COUNT(*) FROM entitlements");
            if (done(count))
            {
                return count;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"still {count} entitlements after {timeout.TotalSeconds} s");
    }
}
