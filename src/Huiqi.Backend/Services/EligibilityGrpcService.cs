using Huiqi.Contracts.V1;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EligibilityService. RPCs not built yet are not overridden, so the generated base answers UNIMPLEMENTED.
/// </summary>
public sealed class EligibilityGrpcService : EligibilityService.EligibilityServiceBase;
