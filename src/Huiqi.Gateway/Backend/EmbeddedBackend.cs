using Huiqi.Backend;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Huiqi.Gateway.Backend;

/// <summary>
/// The embedded default: the backend as a second web host inside the gateway's process, with its own services
/// and its own h2c port, so the gateway still talks to it over real gRPC.
/// </summary>
public sealed class EmbeddedBackend(IConfiguration configuration, IHostEnvironment environment, GatewayOptions options, BackendEndpoint endpoint) : IHostedService, IAsyncDisposable
{
    private WebApplication? _backend;

    /// <summary>The embedded backend's own services (for operators' tooling and tests); null until started.</summary>
    public IServiceProvider? Services => _backend?.Services;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment.EnvironmentName,
            ContentRootPath = environment.ContentRootPath,
            ApplicationName = typeof(BackendExtensions).Assembly.GetName().Name,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenForGrpc(new Uri(options.EmbeddedBackendListen)));
        builder.AddHuiqiBackend();

        _backend = builder.Build();
        _backend.MapHuiqiBackend();
        await _backend.StartAsync(cancellationToken);

        var address = _backend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Set(new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_backend is not null)
        {
            await _backend.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }
}
