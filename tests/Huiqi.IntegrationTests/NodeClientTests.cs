using System.Diagnostics;
using System.Text.Json;
using Huiqi.Domain.Matching;
using Huiqi.Storage.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests;

/// <summary>
/// A client nobody here wrote: Node's @grpc/grpc-js with @grpc/proto-loader loading protos/ (tests/node-client,
/// installed by test.sh with npm ci), calling three RPCs against the real backend.
/// </summary>
public sealed class NodeClientTests
{
    [Fact]
    public async Task Grpc_js_loading_the_protos_calls_the_backend()
    {
        var clientDir = FindClientDir();
        Assert.True(Directory.Exists(Path.Combine(clientDir, "node_modules", "@grpc", "grpc-js")),
            "tests/node-client/node_modules is missing: run ./test.sh (it runs npm ci there)");
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = "200" });
        var index = platform.BackendServices.GetRequiredService<EligibilityIndex>();
        var uscc = new Huiqi.Domain.Population.PopulationGenerator().Generate(1, Huiqi.Domain.Common.Dates.TodayInChina()).Single().Uscc;
        var token = platform.Token(("role", "partner"), ("sub", "node-client"), ("scope", "policies:read profiles:read eligibility:read"));

        var output = await RunNodeAsync(clientDir, $"127.0.0.1:{platform.BackendAddress.Port}", token, uscc);

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(DemoSeeder.Policies().Select(d => d.Policy.Id).Order(StringComparer.Ordinal), root.GetProperty("policies").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(uscc, root.GetProperty("profileUscc").GetString());
        Assert.Equal(index.GetProfile(uscc)!.Region, root.GetProperty("profileRegion").GetString());
        Assert.Equal(DemoSeeder.Policies().Count, root.GetProperty("answers").GetInt32());
        Assert.StartsWith("ELIGIBILITY_STATUS_", root.GetProperty("firstStatus").GetString());
        Assert.True(root.GetProperty("unauthenticated").GetBoolean());
    }

    private static async Task<string> RunNodeAsync(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("client.mjs");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node client failed: {await stderr}");
        return (await stdout).Trim();
    }

    private static string FindClientDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "node-client");
            if (File.Exists(Path.Combine(candidate, "client.mjs")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/node-client not found above the test binaries");
    }
}
