using System.Diagnostics;
using Huiqi.Testing;

namespace Huiqi.IntegrationTests;

/// <summary>
/// A deployable as a real operating-system process, for what an in-process host cannot show: being killed with
/// SIGKILL and started again, or the production shape (a standalone backend and a gateway, each from its own build
/// output, configured only through environment variables as deploy/ does it).
/// </summary>
public sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;

    private PlatformProcess(Process process, string name, Uri address)
    {
        _process = process;
        _name = name;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The HTTP address the process listens on (the gateway's JSON port; the backend's gRPC port).</summary>
    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>A project's own build output, same configuration as these tests: tests/X/bin/Release/net10.0 → src/P/bin/Release/net10.0.</summary>
    public static string BuildOutputOf(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "src", project, "bin", output.Parent!.Name, output.Name);
    }

    /// <summary>The platform as <c>dotnet run --project src/Huiqi.Gateway</c> runs it (gateway + embedded backend), on SQLite in <paramref name="dataDir"/>.</summary>
    public static Task<PlatformProcess> StartGatewayAsync(string dataDir, IDictionary<string, string>? settings = null)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Gateway__Listen"] = address.ToString().TrimEnd('/'),
            ["Gateway__MetricsListen"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Gateway__EmbeddedBackendListen"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Huiqi__DataDir"] = dataDir,
            ["Huiqi__Demo__Seed"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return StartAsync("Huiqi.Gateway", address, environment, readyPath: "/readyz");
    }

    /// <summary>Starts <paramref name="project"/>'s build output with only <paramref name="environment"/> as configuration; with <paramref name="readyPath"/>, returns once it answers 200 there.</summary>
    public static async Task<PlatformProcess> StartAsync(string project, Uri address, IDictionary<string, string> environment, string? readyPath)
    {
        var directory = BuildOutputOf(project);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(directory, $"{project}.dll")])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {project}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new PlatformProcess(process, project, address);
        if (readyPath is not null)
        {
            await host.WaitUntilReadyAsync(readyPath);
        }

        return host;
    }

    private async Task WaitUntilReadyAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with {_process.ExitCode}");
            }

            try
            {
                if ((await Http.GetAsync(path)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{_name} did not become ready in 90 s");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash or an OOM kill.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
