using Grpc.Core;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Turns what can go wrong in a /v1 handler into problem details: bad input (400/413/415) and the backend's gRPC
/// statuses (mapped by <see cref="Problems.HttpStatusOf"/>). Anything else is our fault and goes to the exception
/// handler (500, logged with its trace id).
/// </summary>
public sealed class GatewayErrors(ILogger<GatewayErrors> logger, GatewayOptions options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            Backend.BackendCall.TimeoutOf(context.HttpContext.Request, options.BackendTimeout); // a bad header is refused whatever answers the route
            return await next(context);
        }
        catch (InvalidInputException ex)
        {
            return Problems.InvalidInput(ex.Errors);
        }
        catch (UnsupportedMediaTypeException ex)
        {
            return Problems.Of(415, detail: ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            // The body itself was bad on the wire: too large, malformed chunks, or too slow to arrive.
            return Problems.OfBadRequest(ex);
        }
        catch (RpcException ex)
        {
            if (Problems.HttpStatusOf(ex.StatusCode) >= 500)
            {
                logger.LogWarning("backend call failed: {Status} {Detail}", ex.StatusCode, ex.Status.Detail);
            }

            return Problems.FromRpc(ex);
        }
    }
}
