using Dapper;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace Huiqi.IntegrationTests;

/// <summary>Two instances on one PostgreSQL and one Redis, all real; and Redis going away during a run.</summary>
[Collection(RedisCollection.Name)]
public sealed class MultiInstanceTests(RedisFixture redis, PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private async Task<string> FreshDatabaseAsync()
    {
        var database = $"multi_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(postgres.Server.ConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {database}");
        }

        return new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Database = database }.ToString();
    }

    private Dictionary<string, string?> Settings(string connectionString, double pollSeconds) => new()
    {
        ["Huiqi:Store:Provider"] = "postgres",
        ["ConnectionStrings:Postgres"] = connectionString,
        ["ConnectionStrings:Redis"] = redis.Server.ConnectionString,
        ["Huiqi:ChangeFeed:PollSeconds"] = pollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_change_in_one_instance_reaches_the_other_through_redis()
    {
        await redis.Server.StartAgainAsync();
        var database = await FreshDatabaseAsync();
        // Polling every 10 minutes: within this test only the Redis notice can bring the change across.
        await using var a = await PlatformHost.StartAsync(Settings(database, 600));
        await using var b = await PlatformHost.StartAsync(Settings(database, 600));
        await WaitForSubscribersAsync(2);
        var profile = new PopulationGenerator(3).Generate(1).Single() with { Employees = 10 };

        await Writer(a).WriteAsync([new ProfileChange(profile)], ProfileSource.PartnerFeed, "tax", CancellationToken.None);
        await Eventually(() => b.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(profile.Uscc)?.Employees == 10);
        var cachedInB = await b.BackendServices.GetRequiredService<ProfileCache>().GetAsync(profile.Uscc, CancellationToken.None);
        Assert.Equal(10, cachedInB!.Profile.Employees);

        await Writer(a).WriteAsync([new ProfileChange(profile with { Employees = 11 })], ProfileSource.PartnerFeed, "tax", CancellationToken.None);

        await Eventually(() => b.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(profile.Uscc)?.Employees == 11);
        await Eventually(async () => (await b.BackendServices.GetRequiredService<ProfileCache>().GetAsync(profile.Uscc, CancellationToken.None))!.Profile.Employees == 11);
    }

    [Fact]
    public async Task An_entitlement_change_in_one_instance_reaches_a_phone_listening_on_the_other()
    {
        await redis.Server.StartAgainAsync();
        var database = await FreshDatabaseAsync();
        await using var a = await PlatformHost.StartAsync(Settings(database, 1));
        await using var b = await PlatformHost.StartAsync(Settings(database, 1));
        await Eventually(async () =>
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
            return await connection.GetSubscriber().PublishAsync(Huiqi.Application.Entitlements.EntitlementEvents.Channel, "{\"From\":\"probe\",\"Changes\":[]}") >= 2;
        });
        var staff = a.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer"));
        var policy = """
            {"id": "multi-award", "title": "跨实例测试奖励", "issuer": "兰州市测试局", "jurisdiction": "620100",
             "criteria": {"field": "employees", "op": "ge", "value": 10}, "benefit": {"fixedFen": 1000000}}
            """;
        (await SendAsync(a, HttpMethod.Post, "/v1/policies", staff, policy)).EnsureSuccessStatusCode();
        (await SendAsync(a, HttpMethod.Post, "/v1/policies/multi-award/publish", staff)).EnsureSuccessStatusCode();
        var uscc = Uscc.Complete("91620102MA01KP009");
        (await SendAsync(a, HttpMethod.Put, $"/v1/enterprises/{uscc}", staff, """{"name": "跨实例测试公司", "region": "620102", "employees": 30}""")).EnsureSuccessStatusCode();
        var store = a.BackendServices.GetRequiredService<IStore>();
        // Settled first (created and in 公示), so that afterwards only the confirmation in instance a changes anything.
        await Eventually(async () => (await store.ListEntitlementsAsync(uscc, null, CancellationToken.None)) is [{ Status: EntitlementStatus.Publicized }]);
        var entitlement = (await store.ListEntitlementsAsync(uscc, null, CancellationToken.None)).Single();
        var owner = a.Token(("role", "enterprise"), ("uscc", uscc));

        // The phone listens on instance b ...
        using var stream = await SendAsync(b, HttpMethod.Get, "/v1/me/notifications/stream", owner);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        // ... and confirms through instance a.
        (await SendAsync(a, HttpMethod.Post, $"/v1/me/entitlements/{entitlement.Id}/confirm", owner, "{}")).EnsureSuccessStatusCode();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(entitlement.Id) && line.Contains("\"status\":\"confirmed\""))
            {
                return;
            }
        }

        Assert.Fail("instance b did not pass on the change made in instance a");
    }

    private static Task<HttpResponseMessage> SendAsync(PlatformHost host, HttpMethod method, string path, string token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task With_redis_down_reads_and_writes_go_on_and_redis_is_used_again_when_it_is_back()
    {
        await redis.Server.StartAgainAsync();
        var database = await FreshDatabaseAsync();
        await using var platform = await PlatformHost.StartAsync(Settings(database, 1));
        var cache = platform.BackendServices.GetRequiredService<ProfileCache>();
        var profile = new PopulationGenerator(4).Generate(1).Single() with { Employees = 1 };
        await Writer(platform).WriteAsync([new ProfileChange(profile)], ProfileSource.PartnerFeed, "tax", CancellationToken.None);
        Assert.Equal(1, (await cache.GetAsync(profile.Uscc, CancellationToken.None))!.Profile.Employees);
        await Eventually(async () => await CachedKeysAsync() > 0);

        await redis.Server.StopAsync();
        await Writer(platform).WriteAsync([new ProfileChange(profile with { Employees = 2 })], ProfileSource.PartnerFeed, "tax", CancellationToken.None);
        Assert.Equal(2, (await cache.GetAsync(profile.Uscc, CancellationToken.None))!.Profile.Employees);
        Assert.Equal(2, platform.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(profile.Uscc)!.Employees);

        await redis.Server.StartAgainAsync(); // an empty Redis on the same port, without restarting the platform
        await Eventually(async () =>
        {
            platform.BackendServices.GetRequiredService<Microsoft.Extensions.Caching.Memory.IMemoryCache>().Remove("profile:" + profile.Uscc);
            var read = await cache.GetAsync(profile.Uscc, CancellationToken.None);
            return read!.Profile.Employees == 2 && await CachedKeysAsync() > 0;
        });
    }

    private static ProfileWriter Writer(PlatformHost host) => host.BackendServices.GetRequiredService<ProfileWriter>();

    private async Task<long> CachedKeysAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        return (await connection.GetServers()[0].KeysAsync(pattern: "huiqi:profile:*").ToListAsync()).Count;
    }

    private async Task WaitForSubscribersAsync(int count)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        await Eventually(async () => await connection.GetSubscriber().PublishAsync(ChangeFeed.Channel, "ping") >= count);
    }

    private static Task Eventually(Func<bool> condition) => Eventually(() => Task.FromResult(condition()));

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 150; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the condition did not hold within 15 s");
    }
}
