using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Huiqi.Gateway.Health;

namespace Huiqi.IntegrationTests;

/// <summary>HTTP to the gateway → gRPC health on the backend → a real Redis, stopped and started during the test.</summary>
[Collection(RedisCollection.Name)]
public sealed class ReadinessTests(RedisFixture redis)
{
    [Fact]
    public async Task Readyz_tells_the_truth_when_redis_stops_and_comes_back()
    {
        await redis.Server.StartAgainAsync();
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.Server.ConnectionString,
        });

        var up = await WaitForRedisAsync(platform, "up");
        Assert.Equal(HttpStatusCode.OK, up.Status);
        Assert.Equal(new ReadinessEndpoints.Readiness("ready", "up", "up", "up", "up"), up.Body);

        await redis.Server.StopAsync();
        var degraded = await WaitForRedisAsync(platform, "degraded");
        Assert.Equal(HttpStatusCode.OK, degraded.Status);
        Assert.Equal(new ReadinessEndpoints.Readiness("degraded", "up", "up", "up", "degraded"), degraded.Body);

        // Back without a restart of the platform.
        await redis.Server.StartAgainAsync();
        var again = await WaitForRedisAsync(platform, "up");
        Assert.Equal("ready", again.Body.Status);
    }

    [Fact]
    public async Task Readyz_says_redis_is_not_configured_in_the_embedded_default()
    {
        await using var platform = await PlatformHost.StartAsync();

        var response = await platform.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ReadinessEndpoints.Readiness("ready", "up", "up", "up", "not_configured"),
            await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Readiness>());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_backend_cannot_be_reached()
    {
        var closedPort = Huiqi.Testing.FreePort.Next();
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:BackendAddress"] = $"http://127.0.0.1:{closedPort}",
        }, waitUntilReady: false);

        var response = await platform.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Readiness>();
        Assert.Equal("unavailable", body!.Status);
        Assert.Equal("down", body.Backend);
    }

    [Fact]
    public async Task Healthz_answers_while_the_process_lives()
    {
        await using var platform = await PlatformHost.StartAsync();

        var response = await platform.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alive", (await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Liveness>())!.Status);
    }

    private static async Task<(HttpStatusCode Status, ReadinessEndpoints.Readiness Body)> WaitForRedisAsync(PlatformHost platform, string expected)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var response = await platform.Http.GetAsync("/readyz");
            var body = await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Readiness>();
            if (body!.Redis == expected || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                return (response.StatusCode, body);
            }

            await Task.Delay(200);
        }
    }
}
