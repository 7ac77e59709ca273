using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Huiqi.Domain.Serialization;

namespace Huiqi.Backend.Errors;

/// <summary>
/// No exception reaches a client raw: bad input becomes INVALID_ARGUMENT with field violations, a caller that
/// went away or ran out of time CANCELLED / DEADLINE_EXCEEDED, anything else INTERNAL with a trace id that the
/// log carries too.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    private RpcException Translate(Exception ex, ServerCallContext context)
    {
        if (ex is InvalidInputException invalid)
        {
            return RpcErrors.InvalidArgument(invalid.Errors);
        }

        if (ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return context.Deadline <= DateTime.UtcNow
                ? new RpcException(new Status(StatusCode.DeadlineExceeded, "请求超时"))
                : new RpcException(new Status(StatusCode.Cancelled, "请求已取消"));
        }

        var traceId = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
        logger.LogError(ex, "unhandled error in {Method}, trace {TraceId}", context.Method, traceId);
        return RpcErrors.Status(Google.Rpc.Code.Internal, "internal", $"服务内部错误，请稍后重试（追踪号 {traceId}）");
    }
}
