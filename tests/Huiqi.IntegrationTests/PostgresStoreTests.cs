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

    [Fact]
    public async Task A_write_while_the_store_is_unreachable_fails_fast_as_503_not_as_a_server_fault()
    {
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Store:Provider"] = "postgres",
            ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={Huiqi.Testing.FreePort.Next()};Username=postgres;Database=none;Timeout=1",
        }, waitUntilReady: false);
        var admin = platform.Token(("role", "admin"), ("sub", "ops"));
        var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/enterprises/{Huiqi.Domain.Profiles.Uscc.Complete("91620102MA01WT009")}")
        {
            Content = new StringContent("""{"name": "存储故障测试有限公司", "region": "620102"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", admin);

        var asked = DateTime.UtcNow;
        using var response = await platform.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("store.unavailable", problem.GetProperty("code").GetString());
        Assert.True(DateTime.UtcNow - asked < TimeSpan.FromSeconds(5), "within the backend timeout");
    }
}
