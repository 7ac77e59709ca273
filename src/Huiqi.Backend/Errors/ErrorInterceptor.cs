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
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    /// <summary>A database that cannot be reached or is shutting down (transient by the provider's own account), or a socket that failed.</summary>
    private static bool IsStoreUnreachable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException { IsTransient: true } or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private RpcException Translate(Exception ex, ServerCallContext context)
    {
        // The application core's refusals, the same for every face.
        switch (ex)
        {
            case InvalidInputException invalid:
                return RpcErrors.InvalidArgument(invalid.Errors);
            case Storage.Profiles.FactRefusedException refused:
                return FactErrors.ToRpc(refused); // TRUST.md §2: each refused field named
            case Application.Callers.AccessDeniedException:
                return RpcErrors.PermissionDenied();
            case Application.Callers.NotFoundException missing:
                return RpcErrors.NotFound(missing.What);
            case Application.Callers.RefusedException refused:
                return RpcErrors.Status(refused.Kind switch
                {
                    Application.Callers.RefusalKind.NotFound => Google.Rpc.Code.NotFound,
                    Application.Callers.RefusalKind.Aborted => Google.Rpc.Code.Aborted,
                    _ => Google.Rpc.Code.FailedPrecondition,
                }, refused.Code, refused.Message);
        }

        // Once the caller has gone (cancelled, or its deadline passed), whatever the failure looks like — an
        // OperationCanceledException, or an IOException from writing to a reset stream — it is that, not a fault.
        // The deadline is checked on its own: grpc-dotnet sets the status and completes the response first and
        // cancels the token only afterwards, so a write can fail in between while the token still looks live.
        if (context.Status.StatusCode == StatusCode.DeadlineExceeded || context.Deadline <= DateTime.UtcNow)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, "请求超时"));
        }

        if (context.CancellationToken.IsCancellationRequested || (context is not InProcess.LocalServerCallContext && context.GetHttpContext().RequestAborted.IsCancellationRequested))
        {
            return new RpcException(new Status(StatusCode.Cancelled, "请求已取消"));
        }

        var traceId = Activity.Current?.TraceId.ToString() ?? (context is InProcess.LocalServerCallContext local ? local.TraceIdentifier : context.GetHttpContext().TraceIdentifier);
        if (IsStoreUnreachable(ex))
        {
            // The store is down or restarting: a condition, not a bug. Fail fast as UNAVAILABLE (503 at the gateway); the
            // caller may retry, and nothing was written (each write is one transaction).
            logger.LogWarning("the store is unreachable in {Method} ({Message}), trace {TraceId}", context.Method, ex.Message, traceId);
            return RpcErrors.Status(Google.Rpc.Code.Unavailable, "store.unavailable", $"数据存储暂不可用，请稍后重试（追踪号 {traceId}）");
        }

        logger.LogError(ex, "unhandled error in {Method}, trace {TraceId}", context.Method, traceId);
        return RpcErrors.Status(Google.Rpc.Code.Internal, "internal", $"服务内部错误，请稍后重试（追踪号 {traceId}）");
    }
}
