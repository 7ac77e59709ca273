using Huiqi.Contracts.V1;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.PolicyService. RPCs not built yet are not overridden, so the generated base answers UNIMPLEMENTED.
/// </summary>
public sealed class PolicyGrpcService : PolicyService.PolicyServiceBase;
