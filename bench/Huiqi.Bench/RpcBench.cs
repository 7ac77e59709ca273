using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Huiqi.Backend;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Bench.Echo;
using Huiqi.Domain.Common;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Bench;

/// <summary>
/// `-- rpc [--seconds N] [--concurrency N] [--connections N]`: the backend's gRPC port straight, without the
/// gateway. A child process hosts the backend's own pipeline (AddHuiqiBackend / MapHuiqiBackend: JWT, interceptors,
/// telemetry, the demo population of 10,000 and its policies) plus this bench's EchoService behind the same
/// authorization; this process is the load client (HTTP/2, several connections, many concurrent calls), all on the
/// same cores. Printed in one run: requests/s and p99 for Echo, Health/Check with a token, MatchEnterprise without
/// and with conditions over 1,000 enterprises in turn, and each ratio to Echo.
/// </summary>
public static class RpcBench
{
    private const string DevKey = "huiqi-development-signing-key-not-for-production-0123456789";

    public static async Task RunAsync(string[] args)
    {
        var seconds = args.IntArg("--seconds", 10);
        var concurrency = args.IntArg("--concurrency", 128);
        var connections = args.IntArg("--connections", 16);
        var port = args.IntArg("--port", 15181);
        var data = Directory.CreateTempSubdirectory("huiqi-rpc-bench-");
        var server = StartServer(port, data.FullName);
        try
        {
            var address = new Uri($"http://127.0.0.1:{port}");
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, MaxConnectionsPerServer = connections },
                MaxReceiveMessageSize = 16 * 1024 * 1024,
            });
            var token = new TokenIssuer(new AuthOptions { SigningKey = DevKey }, TimeProvider.System)
                .Issue(new Dictionary<string, string> { ["role"] = "admin", ["sub"] = "bench" });
            var headers = new Metadata { { "authorization", $"Bearer {token}" } };
            var health = new Grpc.Health.V1.Health.HealthClient(channel);
            for (var i = 0; i < 240 && !await ReadyAsync(health); i++)
            {
                await Task.Delay(500);
            }

            var eligibility = new V1.EligibilityService.EligibilityServiceClient(channel);
            var policies = new V1.PolicyService.PolicyServiceClient(channel);
            var echo = new EchoService.EchoServiceClient(channel);
            var usccs = await UsccsAsync(eligibility, headers, 1000);
            Console.WriteLine($"machine={Environment.ProcessorCount} cores, .NET {Environment.Version}; server=child process (Server GC), enterprises={usccs.Length}, concurrency={concurrency} over up to {connections} HTTP/2 connections, {seconds} s each");

            var asOf = Dates.Format(Dates.TodayInChina());
            Func<long, Task>[] warm = [n => echo.EchoAsync(new EchoMessage { Uscc = usccs[n % usccs.Length] }, headers).ResponseAsync,
                n => eligibility.MatchEnterpriseAsync(new V1.MatchEnterpriseRequest { Uscc = usccs[n % usccs.Length], AsOf = asOf, IncludeConditions = true }, headers).ResponseAsync];
            foreach (var call in warm)
            {
                await LoadAsync(call, concurrency, 5); // tiered JIT
            }

            var echoRate = await ReportAsync("echo", n => echo.EchoAsync(new EchoMessage { Uscc = usccs[n % usccs.Length], AsOf = asOf }, headers).ResponseAsync, concurrency, seconds, null);
            await ReportAsync("health_check_with_token", n => health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), headers).ResponseAsync, concurrency, seconds, echoRate);
            await ReportAsync("match_enterprise", n => eligibility.MatchEnterpriseAsync(new V1.MatchEnterpriseRequest { Uscc = usccs[n % usccs.Length], AsOf = asOf }, headers).ResponseAsync, concurrency, seconds, echoRate);
            await ReportAsync("match_enterprise_with_conditions", n => eligibility.MatchEnterpriseAsync(new V1.MatchEnterpriseRequest { Uscc = usccs[n % usccs.Length], AsOf = asOf, IncludeConditions = true }, headers).ResponseAsync, concurrency, seconds, echoRate);
            await ReportAsync("list_policies", n => policies.ListPoliciesAsync(new V1.ListPoliciesRequest(), headers).ResponseAsync, concurrency, seconds, echoRate);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            data.Delete(recursive: true);
        }
    }

    /// <summary>The child process: the backend pipeline with the echo service, until killed.</summary>
    public static async Task ServeAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Huiqi:DataDir"] = args.Arg("--data-dir", ""),
            ["Huiqi:Demo:Seed"] = "true",
            ["Auth:SigningKey"] = DevKey,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenForGrpc(new Uri($"http://127.0.0.1:{args.IntArg("--port", 15181)}")));
        builder.AddHuiqiBackend();
        var app = builder.Build();
        app.MapHuiqiBackend();
        app.MapGrpcService<EchoHandler>().RequireAuthorization(AuthExtensions.AnyRole);
        await app.RunAsync();
    }

    private sealed class EchoHandler : EchoService.EchoServiceBase
    {
        public override Task<EchoMessage> Echo(EchoMessage request, ServerCallContext context) => Task.FromResult(request);
    }

    private static Process StartServer(int port, string dataDir)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The bench itself runs with workstation GC; the server runs as the product's hosts do (Server GC, no DATAS).
        foreach (var a in (string[])[typeof(RpcBench).Assembly.Location, "rpc-serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir])
        {
            start.ArgumentList.Add(a);
        }

        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) != "dotnet")
        {
            start.ArgumentList.RemoveAt(0); // an apphost: the assembly is implied
        }

        start.Environment["DOTNET_gcServer"] = "1";
        start.Environment["DOTNET_GCDynamicAdaptationMode"] = "0";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { Console.Error.WriteLine($"[server] {line}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> ReadyAsync(Grpc.Health.V1.Health.HealthClient health)
    {
        try
        {
            var reply = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            return reply.Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static async Task<string[]> UsccsAsync(V1.EligibilityService.EligibilityServiceClient eligibility, Metadata headers, int count)
    {
        using var call = eligibility.MatchPolicy(new V1.MatchPolicyRequest { PolicyId = "lz-utilities-subsidy", PageSize = count }, headers);
        var usccs = new List<string>();
        await foreach (var match in call.ResponseStream.ReadAllAsync())
        {
            usccs.Add(match.Uscc);
        }

        return [.. usccs];
    }

    private static async Task<double> ReportAsync(string name, Func<long, Task> call, int concurrency, int seconds, double? echoRate)
    {
        var (rate, p99, failed) = await LoadAsync(call, concurrency, seconds);
        var ratio = echoRate is { } e ? $" ratio_to_echo={rate / e:F2}" : "";
        Console.WriteLine($"{name}: requests_per_s={rate:F0} p99_ms={p99:F2} failed={failed}{ratio}");
        return rate;
    }

    /// <summary><paramref name="concurrency"/> loops calling back to back for <paramref name="seconds"/>; every latency kept.</summary>
    private static async Task<(double Rate, double P99Ms, long Failed)> LoadAsync(Func<long, Task> call, int concurrency, int seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        long counter = 0, failed = 0;
        var latencies = new List<long>[concurrency];
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<long>(1 << 14);
            while (Stopwatch.GetTimestamp() < until)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await call(Interlocked.Increment(ref counter));
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref failed);
                }

                mine.Add(Stopwatch.GetTimestamp() - t0);
            }
        }));
        var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var p99 = all.Length == 0 ? 0 : all[(int)(all.Length * 0.99)] * 1000.0 / Stopwatch.Frequency;
        return (all.Length / elapsed, p99, failed);
    }
}
