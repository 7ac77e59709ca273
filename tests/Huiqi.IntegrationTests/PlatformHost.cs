using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Huiqi.Gateway;
using Huiqi.Gateway.Backend;
using Huiqi.Testing;

namespace Huiqi.IntegrationTests;

/// <summary>
/// The real platform as `dotnet run --project src/Huiqi.Gateway` starts it (gateway + embedded backend), on
/// OS-chosen loopback ports, with a private data folder and the given configuration on top.
/// </summary>
public sealed class PlatformHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;

    private PlatformHost(WebApplication app, string dataDir)
    {
        _app = app;
        _dataDir = dataDir;
        var metrics = app.Services.GetRequiredService<GatewayOptions>().MetricsListen;
        GatewayAddress = new Uri(app.Urls.First(u => new Uri(u).Port != new Uri(metrics).Port));
        MetricsAddress = new Uri(metrics);
        Http = new HttpClient { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri GatewayAddress { get; }

    /// <summary>The gateway's Prometheus port (<c>Gateway:MetricsListen</c>), apart from the public listener.</summary>
    public Uri MetricsAddress { get; }

    public Task<string> MetricsAsync() => Http.GetStringAsync(new Uri(MetricsAddress, "/metrics"));

    public Uri BackendAddress => _app.Services.GetRequiredService<BackendEndpoint>().Address;

    public HttpClient Http { get; }

    /// <summary>The gateway's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The embedded backend's services (store, index, cache).</summary>
    public IServiceProvider BackendServices =>
        _app.Services.GetRequiredService<Huiqi.Gateway.Backend.EmbeddedBackend>().Services!;

    /// <summary>Starts the platform; with <paramref name="waitUntilReady"/>, returns once /readyz says the index is loaded.</summary>
    public static async Task<PlatformHost> StartAsync(IDictionary<string, string?>? settings = null, string environment = "Development", bool waitUntilReady = true)
    {
        // The metrics port is picked free a moment before it is bound; a test beside this one (a browser, another host)
        // can take it in between. Then the platform starts again on another port rather than failing the test.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, environment, waitUntilReady);
            }
            catch (IOException ex) when (attempt < 3 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    private static async Task<PlatformHost> StartOnceAsync(IDictionary<string, string?>? settings, string environment, bool waitUntilReady)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-test-{Guid.NewGuid():N}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Listen"] = "http://127.0.0.1:0",
            ["Gateway:MetricsListen"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Gateway:EmbeddedBackendListen"] = "http://127.0.0.1:0",
            ["Huiqi:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Huiqi:Demo:Seed"] = "false",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddHuiqiGateway();
        var app = builder.Build();
        app.MapHuiqiGateway();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var host = new PlatformHost(app, dataDir);
        if (waitUntilReady)
        {
            await host.WaitUntilReadyAsync();
        }

        return host;
    }

    /// <summary>A token signed with the platform's (development) key.</summary>
    public string Token(params (string Claim, string Value)[] claims) =>
        BackendServices.GetRequiredService<Huiqi.Application.Callers.Tokens.TokenIssuer>().Issue(claims.ToDictionary(c => c.Claim, c => c.Value));

    /// <summary>A gRPC channel to the backend that sends <paramref name="token"/> on every call (none when null).</summary>
    public Grpc.Net.Client.GrpcChannel Channel(string? token)
    {
        var options = new Grpc.Net.Client.GrpcChannelOptions();
        if (token is not null)
        {
            options.Credentials = Grpc.Core.ChannelCredentials.Create(Grpc.Core.ChannelCredentials.Insecure,
                Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
                {
                    metadata.Add("Authorization", $"Bearer {token}");
                    return Task.CompletedTask;
                }));
            options.UnsafeUseInsecureChannelCallCredentials = true; // loopback h2c in tests
        }

        return Grpc.Net.Client.GrpcChannel.ForAddress(BackendAddress, options);
    }

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var response = await Http.GetAsync("/readyz");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the platform did not become ready in 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
