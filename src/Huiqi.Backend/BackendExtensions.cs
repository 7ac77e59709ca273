using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Services;
using Huiqi.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Huiqi.Backend;

public static class BackendExtensions
{
    /// <summary>The backend's services: gRPC, reflection, health, storage.</summary>
    public static IHostApplicationBuilder AddHuiqiBackend(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddGrpc(options =>
        {
            options.Interceptors.Add<Telemetry.CallCounter>();   // outermost: sees the status the caller gets
            options.Interceptors.Add<Errors.ErrorInterceptor>();
            options.MaxReceiveMessageSize = 16 * 1024 * 1024;
            options.MaxSendMessageSize = 16 * 1024 * 1024;
            options.EnableDetailedErrors = builder.Environment.IsDevelopment();
        });
        services.AddGrpcReflection();
        builder.AddHuiqiAuthentication();
        builder.AddHuiqiTelemetry();
        services.AddHuiqiStorage(builder.Configuration);
        services.AddSingleton<Application.Policies.PolicyWorkflow>();
        services.AddSingleton<Application.Eligibility.EnterpriseAnswers>();
        services.AddSingleton<Application.Eligibility.PolicyReach>();
        services.AddSingleton<Application.Policies.PolicyReview>();
        services.AddSingleton<Application.Enterprises.EnterpriseProfiles>();
        services.AddSingleton<Application.Policies.PolicyCatalog>();
        var workflow = builder.Configuration.GetSection("Huiqi:Workflow").Get<Application.Entitlements.WorkflowOptions>() ?? new Application.Entitlements.WorkflowOptions();
        if (workflow.Validate() is [_, ..] problems)
        {
            throw new InvalidOperationException(string.Join(" ", problems)); // refuse to start rather than run 公示 on a wrong calendar
        }

        services.AddSingleton(workflow);
        services.AddSingleton<Application.Entitlements.EntitlementEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<Application.Entitlements.EntitlementEvents>());
        services.AddSingleton<Application.Entitlements.EntitlementWorkflow>();
        services.AddSingleton<Application.Entitlements.EntitlementScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<Application.Entitlements.EntitlementScheduler>());
        services.AddSingleton<Application.Verification.VerificationDesk>();
        services.AddSingleton(new Application.Entitlements.WatchLimits(builder.Configuration.GetValue("Backend:MaxWatchesPerCaller", 5)));

        var redisConfigured = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis"));
        services.AddGrpcHealthChecks(options =>
        {
            options.Services.Map("", result => result.Tags.Contains("ready"));
            options.Services.Map(BackendHealth.Store, result => result.Name == StorageServiceCollectionExtensions.StoreCheck);
            options.Services.Map(BackendHealth.Index, result => result.Name == StorageServiceCollectionExtensions.IndexCheck);
            if (redisConfigured)
            {
                options.Services.Map(BackendHealth.Redis, result => result.Name == StorageServiceCollectionExtensions.RedisCheck);
            }
        });
        return builder;
    }

    /// <summary>The five services of the contract, health and reflection.</summary>
    public static IEndpointRouteBuilder MapHuiqiBackend(this IEndpointRouteBuilder endpoints)
    {
        // Every huiqi.v1 RPC needs a valid token with a known role; each RPC then checks the resource (see Auth/Caller).
        endpoints.MapGrpcService<PolicyGrpcService>().RequireAuthorization(AuthExtensions.AnyRole);
        endpoints.MapGrpcService<EnterpriseGrpcService>().RequireAuthorization(AuthExtensions.AnyRole);
        endpoints.MapGrpcService<EligibilityGrpcService>().RequireAuthorization(AuthExtensions.AnyRole);
        endpoints.MapGrpcService<EntitlementGrpcService>().RequireAuthorization(AuthExtensions.AnyRole);
        endpoints.MapGrpcService<VerificationGrpcService>().RequireAuthorization(AuthExtensions.AnyRole);
        // Health and reflection stay open: probes and grpcurl need them, and they reveal no data.
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        endpoints.MapPrometheusScrapingEndpoint("/metrics"); // scraped over HTTP/1.1: see Backend:MetricsListen
        return endpoints;
    }

    /// <summary>gRPC over cleartext HTTP/2 (h2c) on the given address, e.g. http://127.0.0.1:5001.</summary>
    public static void ListenForGrpc(this KestrelServerOptions kestrel, Uri address)
    {
        void Http2(ListenOptions listen) => listen.Protocols = HttpProtocols.Http2;
        if (address.Host is "localhost")
        {
            kestrel.ListenLocalhost(address.Port, Http2);
        }
        else
        {
            kestrel.Listen(System.Net.IPAddress.Parse(address.Host), address.Port, Http2);
        }
    }
}
