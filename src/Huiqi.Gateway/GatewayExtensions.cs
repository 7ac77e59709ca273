using Huiqi.Backend;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Health;

namespace Huiqi.Gateway;

public static class GatewayExtensions
{
    public static WebApplicationBuilder AddHuiqiGateway(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddSingleton(options);
        builder.WebHost.UseUrls(options.Listen);

        var endpoint = new BackendEndpoint();
        builder.Services.AddSingleton(endpoint);
        if (options.HostsBackend)
        {
            // Registered before the web server starts, so the backend is up before the first request.
            builder.Services.AddHostedService<EmbeddedBackend>();
        }
        else
        {
            endpoint.Set(new Uri(options.BackendAddress!));
        }

        builder.Services.AddBackendClients(options);
        builder.AddHuiqiTelemetry();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication MapHuiqiGateway(this WebApplication app)
    {
        app.MapReadiness();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
