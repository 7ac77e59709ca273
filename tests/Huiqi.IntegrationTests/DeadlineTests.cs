using Grpc.Core;
using Huiqi.Contracts.V1;

namespace Huiqi.IntegrationTests;

/// <summary>The caller's deadline is honoured by the server: a stream the client stops reading ends there, and the server says so.</summary>
[Collection(RedisCollection.Name)]
public sealed class DeadlineTests(RedisFixture redis)
{
    [Fact]
    public async Task A_streaming_rpc_stops_working_when_the_callers_deadline_passes()
    {
        await redis.Server.StartAgainAsync();
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Demo:Seed"] = "true",
            ["Huiqi:Demo:Population"] = "6000",
            ["ConnectionStrings:Redis"] = redis.Server.ConnectionString,
        });
        using var channel = platform.Channel(platform.Token(("role", "admin"), ("sub", "ops")));
        var client = new EligibilityService.EligibilityServiceClient(channel);

        using var call = client.MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability", AsOf = "2026-06-01" },
            deadline: DateTime.UtcNow.AddMilliseconds(800));
        Assert.True(await call.ResponseStream.MoveNext());
        await Task.Delay(1500); // stop reading: the server fills the HTTP/2 window and waits, until the deadline
        var error = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext()) { } });
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);

        // The server's own count of the call: it saw the deadline (4) or the cancellation it causes (1), not success.
        // (The meter is process-wide, so lines from other tests' MatchPolicy calls may stand beside it.)
        var pattern = new System.Text.RegularExpressions.Regex("^huiqi_rpc_calls_total\\{.*rpc_grpc_status_code=\"(1|4)\".*MatchPolicy");
        string[] lines = [];
        for (var i = 0; i < 50 && !lines.Any(pattern.IsMatch); i++)
        {
            lines = (await platform.MetricsAsync()).Split('\n');
            await Task.Delay(100);
        }

        Assert.True(lines.Any(pattern.IsMatch), string.Join('\n', lines.Where(l => l.Contains("MatchPolicy", StringComparison.Ordinal))));
    }
}
