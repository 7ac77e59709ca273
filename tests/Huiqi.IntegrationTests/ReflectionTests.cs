using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Huiqi.Contracts.V1;

namespace Huiqi.IntegrationTests;

/// <summary>gRPC server reflection on the backend (so grpcurl works without proto files).</summary>
public sealed class ReflectionTests
{
    [Fact]
    public async Task Reflection_lists_the_four_services_and_health()
    {
        await using var platform = await PlatformHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(platform.BackendAddress);
        var client = new ServerReflection.ServerReflectionClient(channel);

        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "huiqi.v1.PolicyService",
            "huiqi.v1.EnterpriseService",
            "huiqi.v1.EligibilityService",
            "huiqi.v1.EntitlementService",
            "grpc.health.v1.Health",
        }, services);
    }

    [Fact]
    public async Task Reflection_describes_a_contract_message_by_symbol()
    {
        await using var platform = await PlatformHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(platform.BackendAddress);
        var client = new ServerReflection.ServerReflectionClient(channel);

        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "huiqi.v1.EligibilityService" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes).Name)
            .ToList();

        Assert.Contains("huiqi/v1/eligibility.proto", files);
    }
}
