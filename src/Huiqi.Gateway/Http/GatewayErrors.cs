using Grpc.Core;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Turns what can go wrong in a /v1 handler into problem details: bad input (400/413/415) and the backend's gRPC
/// statuses (mapped by <see cref="Problems.HttpStatusOf"/>). Anything else is our fault and goes to the exception
/// handler (500, logged with its trace id).
/// </summary>
public sealed class GatewayErrors(ILogger<GatewayErrors> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
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
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Of(413, detail: "请求体超过大小上限");
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
