using Grpc.Net.ClientFactory;

namespace Huiqi.Gateway.Backend;

public static class BackendClients
{
    /// <summary>The backend's gRPC clients, through the gRPC client factory, all pointed at <see cref="BackendEndpoint"/>.</summary>
    public static IServiceCollection AddBackendClients(this IServiceCollection services, GatewayOptions options)
    {
        void Configure(IServiceProvider provider, GrpcClientFactoryOptions client) =>
            client.Address = provider.GetRequiredService<BackendEndpoint>().Address;

        services.AddGrpcClient<Grpc.Health.V1.Health.HealthClient>(Configure);
        services.AddGrpcClient<Contracts.V1.PolicyService.PolicyServiceClient>(Configure);
        services.AddGrpcClient<Contracts.V1.EnterpriseService.EnterpriseServiceClient>(Configure);
        services.AddGrpcClient<Contracts.V1.EligibilityService.EligibilityServiceClient>(Configure);
        services.AddGrpcClient<Contracts.V1.EntitlementService.EntitlementServiceClient>(Configure);
        return services;
    }
}
