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

        string metrics = "";
        for (var i = 0; i < 50 && !metrics.Contains("huiqi_rpc_calls", StringComparison.Ordinal); i++)
        {
            metrics = await platform.Http.GetStringAsync("/metrics");
            await Task.Delay(100);
        }

        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("huiqi_rpc_calls", StringComparison.Ordinal) && l.Contains("GetProfile", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains("rpc_grpc_status_code=\"5\"", line);
        Assert.Contains("http_server_request_duration_seconds", metrics);
    }
}
