using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Huiqi.Backend.InProcess;

namespace Huiqi.Gateway.Backend;

public static class BackendClients
{
    /// <summary>
    /// The backend's gRPC clients, all pointed at <see cref="BackendEndpoint"/>. Over the wire they come from the gRPC
    /// client factory: reads that change nothing are retried on UNAVAILABLE (a backend restarting, a connection reset);
    /// writes never are, so a retry cannot do a thing twice. With the embedded backend they call its services in this
    /// process (<see cref="GatewayOptions.InProcessCalls"/>): the same clients, the same contract, no second hop.
    /// </summary>
    public static IServiceCollection AddBackendClients(this IServiceCollection services, GatewayOptions options)
    {
        services.AddSingleton<BackendCall>();
        void Configure(IServiceProvider provider, GrpcClientFactoryOptions client) =>
            client.Address = provider.GetRequiredService<BackendEndpoint>().Address;
        if (options.HostsBackend && options.InProcessCalls)
        {
            services.AddGrpcClient<Grpc.Health.V1.Health.HealthClient>(Configure);
            services.AddSingleton(provider =>
            {
                var backend = provider.GetRequiredService<EmbeddedBackend>().Services
                    ?? throw new InvalidOperationException("The embedded backend has not started yet.");
                var remote = GrpcChannel.ForAddress(provider.GetRequiredService<BackendEndpoint>().Address).CreateCallInvoker();
                return new LocalCallInvoker(new LocalServices(backend), remote, BackendCall.CallerOf);
            });
            services.AddSingleton(p => new Contracts.V1.PolicyService.PolicyServiceClient(p.GetRequiredService<LocalCallInvoker>()));
            services.AddSingleton(p => new Contracts.V1.EnterpriseService.EnterpriseServiceClient(p.GetRequiredService<LocalCallInvoker>()));
            services.AddSingleton(p => new Contracts.V1.EligibilityService.EligibilityServiceClient(p.GetRequiredService<LocalCallInvoker>()));
            services.AddSingleton(p => new Contracts.V1.EntitlementService.EntitlementServiceClient(p.GetRequiredService<LocalCallInvoker>()));
            services.AddSingleton(p => new Contracts.V1.VerificationService.VerificationServiceClient(p.GetRequiredService<LocalCallInvoker>()));
            return services;
        }

        // Several backend replicas behind one name (a headless Service, a podman network alias): `dns:///name:port`
        // resolves every address and spreads calls over them round-robin, so a replica that dies takes only its
        // in-flight calls with it (reads retried on another) and one that joins is found at the next resolution.
        var balanced = options.BalancesBackends;
        if (balanced)
        {
            services.AddSingleton<ResolverFactory>(new DnsResolverFactory(refreshInterval: options.BackendResolveInterval));
        }

        void Channel(GrpcChannelOptions channel)
        {
            channel.ServiceConfig = new ServiceConfig { MethodConfigs = { IdempotentReads } };
            if (balanced)
            {
                channel.ServiceConfig.LoadBalancingConfigs.Add(new RoundRobinConfig());
                channel.Credentials = ChannelCredentials.Insecure; // h2c inside the cluster, as with an http:// address
            }
        }

        // Many phones at once: more than one HTTP/2 connection to the backend, so streams do not queue behind one socket.
        // A backend that vanishes (a killed container, a node gone) sends no reset: its connection looks alive while the
        // calls on it wait for their deadline. A ping after 2 s without frames, answered within 1 s, finds it dead in ~3 s,
        // inside the 5 s deadline, so its reads fail over to another replica; a connection attempt to a vanished address
        // gives up after 2 s (docs/deployment.md).
        static HttpMessageHandler Handler() => new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(2),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };

        services.AddGrpcClient<Grpc.Health.V1.Health.HealthClient>(Configure).ConfigureChannel(Channel).ConfigurePrimaryHttpMessageHandler(Handler);
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
