using Grpc.Core;
using Grpc.Health.V1;
using Huiqi.Backend;
using static Grpc.Health.V1.HealthCheckResponse.Types;

namespace Huiqi.Gateway.Health;

/// <summary>
/// /healthz: the process is alive. /readyz: the backend answers over gRPC, its store is open, its matching index is
/// loaded, and Redis is
/// up, degraded (down: served from the store) or not configured. 200 when requests can be served, else 503.
/// </summary>
public static class ReadinessEndpoints
{
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new Liveness("alive")))
            .WithName("Liveness").WithTags("health").AllowAnonymous();
        endpoints.MapGet("/readyz", CheckReadinessAsync)
            .WithName("Readiness").WithTags("health").AllowAnonymous();
        return endpoints;
    }

    private static async Task<IResult> CheckReadinessAsync(Grpc.Health.V1.Health.HealthClient health, CancellationToken cancellationToken)
    {
        var backend = await CheckAsync(health, "", cancellationToken);
        var store = backend is ServingStatus.Serving or ServingStatus.NotServing
            ? await CheckAsync(health, BackendHealth.Store, cancellationToken)
            : null;
        var index = store is null ? null : await CheckAsync(health, BackendHealth.Index, cancellationToken);
        var redis = store is null ? null : await CheckAsync(health, BackendHealth.Redis, cancellationToken);

        var report = new Readiness(
            Status: "ready",
            Backend: store is null ? "down" : "up",
            Store: store switch { ServingStatus.Serving => "up", null => "unknown", _ => "down" },
            Index: index switch { ServingStatus.Serving => "up", null => "unknown", _ => "loading" },
            Redis: redis switch
            {
                ServingStatus.Serving => "up",
                ServingStatus.NotServing => "degraded",
                ServiceNotFound => "not_configured",
                _ => "unknown",
            });
        if (report.Backend != "up" || report.Store != "up" || report.Index != "up")
        {
            return TypedResults.Json(report with { Status = "unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Ok(report.Redis == "degraded" ? report with { Status = "degraded" } : report);
    }

    // NOT_FOUND from the health service means "no such component here" (Redis not configured).
    private const ServingStatus ServiceNotFound = (ServingStatus)(-1);

    private static async Task<ServingStatus?> CheckAsync(Grpc.Health.V1.Health.HealthClient health, string service, CancellationToken cancellationToken)
    {
        try
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = service },
                deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: cancellationToken);
            return response.Status;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return ServiceNotFound;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    public sealed record Liveness(string Status);

    /// <summary>Each part is one of: up, down, loading (the matching index), degraded, not_configured, unknown.</summary>
    public sealed record Readiness(string Status, string Backend, string Store, string Index, string Redis);
}
