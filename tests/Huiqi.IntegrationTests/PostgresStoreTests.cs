using System.Net;
using System.Net.Http.Json;
using Huiqi.Gateway.Health;

namespace Huiqi.IntegrationTests;

/// <summary>The platform on a real PostgreSQL store instead of the embedded SQLite file.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Readyz_reports_the_postgres_store_open()
    {
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Store:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = postgres.Server.ConnectionString,
        });

        var response = await platform.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ReadinessEndpoints.Readiness("ready", "up", "up", "up", "not_configured"),
            await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Readiness>());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_postgres_store_is_unreachable()
    {
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Store:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={Huiqi.Testing.FreePort.Next()};Username=postgres;Database=none;Timeout=1",
        }, waitUntilReady: false);

        var response = await platform.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<ReadinessEndpoints.Readiness>();
        Assert.Equal(("unavailable", "up", "down"), (body!.Status, body.Backend, body.Store));
    }
}
