using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Domain.Profiles;
using Huiqi.Testing;
using Npgsql;

namespace Huiqi.IntegrationTests;

/// <summary>
/// The production shape of deploy/compose.yaml, without containers: a standalone backend and a gateway, each started
/// from its own build output in the Production environment and configured only by the environment variables the
/// compose file sets, on a real PostgreSQL and Redis. What it proves: those keys are the ones the processes read,
/// nothing depends on development defaults, and a policy published through the gateway reaches an enterprise.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeploymentShapeTests(PostgresFixture postgres, RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string SigningKey = "deployment-shape-test-signing-key-0123456789";

    [Fact]
    public async Task A_standalone_backend_and_gateway_configured_as_compose_does_serve_the_whole_story()
    {
        var database = $"deploy_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(postgres.Server.ConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {database}");
        }

        // The owners of the profile fields, exactly as compose sets them (TRUST.md §1).
        var root = new DirectoryInfo(PlatformProcess.BuildOutputOf("Huiqi.Backend")).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var owners = File.ReadAllLines(Path.Combine(root, "deploy", "compose.yaml"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("Huiqi__Trust__Owners__", StringComparison.Ordinal))
            .Select(l => l.Split(':', 2)).ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim());
        Assert.NotEmpty(owners);
        var backendPort = FreePort.Next();
        var dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-deploy-{Guid.NewGuid():N}");
        var metrics = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var backendEnvironment = new Dictionary<string, string>(owners)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Backend__Listen"] = $"http://127.0.0.1:{backendPort}",
            ["Backend__MetricsListen"] = metrics.ToString().TrimEnd('/'),
            ["Huiqi__Store__Provider"] = "postgres",
            ["ConnectionStrings__Postgres"] = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Database = database }.ToString(),
            ["ConnectionStrings__Redis"] = redis.Server.ConnectionString,
            ["Auth__SigningKey"] = SigningKey,
            ["Huiqi__DataDir"] = dataDir, // nothing is written there on PostgreSQL; set so a stray write could not land in the build output
        };
        await using var backend = await PlatformProcess.StartAsync("Huiqi.Backend", new Uri($"http://127.0.0.1:{backendPort}"), backendEnvironment, readyPath: null);
        var gatewayAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var gateway = await PlatformProcess.StartAsync("Huiqi.Gateway", gatewayAddress, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Gateway__Listen"] = gatewayAddress.ToString().TrimEnd('/'),
            ["Gateway__MetricsListen"] = $"http://127.0.0.1:{FreePort.Next()}",
            // The name form a cluster uses for several replicas (deploy/k8s: a headless Service): resolved, round-robin.
            ["Gateway__BackendAddress"] = $"dns:///localhost:{backendPort}",
            ["ConnectionStrings__Redis"] = redis.Server.ConnectionString,
            ["Auth__SigningKey"] = SigningKey,
        }, readyPath: "/readyz"); // ready only once the backend (store, index) and Redis answer

        var tokens = new TokenIssuer(new AuthOptions { SigningKey = SigningKey }, TimeProvider.System);
        string Token(params (string, string)[] claims) => tokens.Issue(claims.ToDictionary(c => c.Item1, c => c.Item2));
        var staff = Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer-deploy"));
        var partner = Token(("role", "partner"), ("sub", "tax-bureau"), ("scope", "profiles:write profiles:read"));
        var uscc = Uscc.Complete("91620102MA01KP005");
        var enterprise = Token(("role", "enterprise"), ("uscc", uscc));

        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Http.PostAsJsonAsync("/v1/dev/token", new { role = "admin" })).StatusCode);
        var ready = await gateway.Http.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("up", ready.GetProperty("redis").GetString());

        await SendAsync(gateway, HttpMethod.Put, $"/v1/enterprises/{uscc}", partner, """{"name": "兰州部署测试有限公司", "region": "620102", "employees": 80}""");
        await SendAsync(gateway, HttpMethod.Post, "/v1/policies", staff, """
            {"id": "deploy-jobs-award", "title": "稳岗奖励（部署测试）", "issuer": "兰州市人社局", "jurisdiction": "620100",
             "criteria": {"all": [{"field": "region", "op": "under", "value": "620100"}, {"field": "employees", "op": "ge", "value": 50}]},
             "benefit": {"fixedFen": 3000000}}
            """);
        await SendAsync(gateway, HttpMethod.Post, "/v1/policies/deploy-jobs-award/publish", staff);

        var answer = JsonDocument.Parse(await SendAsync(gateway, HttpMethod.Get, "/v1/me/eligibility/deploy-jobs-award", enterprise)).RootElement;
        Assert.Equal(("eligible", 3_000_000L), (answer.GetProperty("status").GetString(), answer.GetProperty("amountFen").GetInt64()));
        JsonElement entitlement = default;
        for (var i = 0; i < 200 && entitlement.ValueKind == JsonValueKind.Undefined; i++)
        {
            var list = JsonDocument.Parse(await SendAsync(gateway, HttpMethod.Get, "/v1/me/entitlements", enterprise)).RootElement;
            entitlement = list.GetProperty("items").EnumerateArray().FirstOrDefault(e => e.GetProperty("policyId").GetString() == "deploy-jobs-award");
            await Task.Delay(entitlement.ValueKind == JsonValueKind.Undefined ? 100 : 0);
        }

        Assert.Equal(3_000_000L, entitlement.GetProperty("amountFen").GetInt64());
        await using (var store = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Database = database }.ToString()))
        {
            // The backend really keeps its data in PostgreSQL (not in a SQLite file it fell back to).
            Assert.Equal(1, await store.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM entitlements WHERE policy_id = 'deploy-jobs-award'"));
        }

        Assert.False(Directory.Exists(dataDir));
        // Operators see the RPCs and the 免申即享 steps on the backend's Prometheus port: here exactly one entitlement made.
        using var http = new HttpClient();
        var matched = new System.Text.RegularExpressions.Regex("^huiqi_workflow_steps_total\\{.*what=\"entitlement.match\".*\\} 1( |$)");
        var lines = Array.Empty<string>();
        for (var i = 0; i < 50 && !lines.Any(matched.IsMatch); i++)
        {
            lines = (await http.GetStringAsync(new Uri(metrics, "/metrics"))).Split('\n');
            await Task.Delay(lines.Any(matched.IsMatch) ? 0 : 100);
        }

        Assert.Contains(lines, l => l.StartsWith("huiqi_rpc_calls_total", StringComparison.Ordinal));
        Assert.Contains(lines, matched.IsMatch);
    }

    private static async Task<string> SendAsync(PlatformProcess gateway, HttpMethod method, string path, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await gateway.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {body}");
        return body;
    }
}
