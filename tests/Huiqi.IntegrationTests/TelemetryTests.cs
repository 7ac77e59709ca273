using Grpc.Core;
using Huiqi.Contracts.V1;

namespace Huiqi.IntegrationTests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Every_rpc_is_counted_by_method_and_status_on_the_prometheus_endpoint()
    {
        await using var platform = await PlatformHost.StartAsync();
        using var channel = platform.Channel(platform.Token(("role", "admin"), ("sub", "ops")));
        var client = new EnterpriseService.EnterpriseServiceClient(channel);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.GetProfileAsync(new GetProfileRequest { Uscc = "91350100M000100Y43" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);

        // The meter is process-wide: other tests' GetProfile calls may stand beside this one, with other statuses.
        var pattern = new System.Text.RegularExpressions.Regex("^huiqi_rpc_calls_total\\{.*rpc_grpc_status_code=\"5\".*GetProfile");
        var metrics = "";
        for (var i = 0; i < 50 && !metrics.Split('\n').Any(pattern.IsMatch); i++)
        {
            metrics = await platform.MetricsAsync();
            await Task.Delay(100);
        }

        Assert.Contains(metrics.Split('\n'), pattern.IsMatch);
        Assert.Contains("http_server_request_duration_seconds", metrics);
    }

    [Fact]
    public async Task Metrics_are_not_served_to_anyone_on_the_public_listener()
    {
        await using var platform = await PlatformHost.StartAsync();

        using var pub = await platform.Http.GetAsync("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, pub.StatusCode);
        Assert.DoesNotContain("huiqi_", await pub.Content.ReadAsStringAsync());
        Assert.Contains("http_server_request_duration_seconds", await platform.MetricsAsync());
    }
}
