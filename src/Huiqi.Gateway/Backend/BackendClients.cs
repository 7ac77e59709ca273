using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;

namespace Huiqi.Gateway.Backend;

public static class BackendClients
{
    /// <summary>
    /// The backend's gRPC clients, through the gRPC client factory, all pointed at <see cref="BackendEndpoint"/>.
    /// Reads that change nothing are retried on UNAVAILABLE (a backend restarting, a connection reset); writes never
    /// are, so a retry cannot do a thing twice.
    /// </summary>
    public static IServiceCollection AddBackendClients(this IServiceCollection services, GatewayOptions options)
    {
        services.AddSingleton<BackendCall>();
        void Configure(IServiceProvider provider, GrpcClientFactoryOptions client) =>
            client.Address = provider.GetRequiredService<BackendEndpoint>().Address;
        void Channel(Grpc.Net.Client.GrpcChannelOptions channel) => channel.ServiceConfig = new ServiceConfig { MethodConfigs = { IdempotentReads } };
        // Many phones at once: more than one HTTP/2 connection to the backend, so streams do not queue behind one socket.
        static HttpMessageHandler Handler() => new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };

        services.AddGrpcClient<Grpc.Health.V1.Health.HealthClient>(Configure);
        services.AddGrpcClient<Contracts.V1.PolicyService.PolicyServiceClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
        services.AddGrpcClient<Contracts.V1.EnterpriseService.EnterpriseServiceClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
        services.AddGrpcClient<Contracts.V1.EligibilityService.EligibilityServiceClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
        services.AddGrpcClient<Contracts.V1.EntitlementService.EntitlementServiceClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
        services.AddGrpcClient<Contracts.V1.VerificationService.VerificationServiceClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
        return services;
    }

    private static readonly MethodConfig IdempotentReads = new()
    {
        Names =
        {
            Read("PolicyService", "GetPolicy"), Read("PolicyService", "ListPolicies"), Read("PolicyService", "ListVersions"),
            Read("EnterpriseService", "GetProfile"),
            Read("EligibilityService", "MatchEnterprise"), Read("EligibilityService", "Explain"), Read("EligibilityService", "DryRun"),
            Read("EntitlementService", "ListEntitlements"), Read("EntitlementService", "ListNotifications"), Read("EntitlementService", "GetPolicyStatistics"),
            Read("VerificationService", "ListVerifications"),
        },
        RetryPolicy = new RetryPolicy
        {
            MaxAttempts = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { StatusCode.Unavailable },
        },
    };

    private static MethodName Read(string service, string method) => new() { Service = $"huiqi.v1.{service}", Method = method };
}
