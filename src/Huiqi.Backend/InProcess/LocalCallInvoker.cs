using System.Security.Claims;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Huiqi.Backend.InProcess;

/// <summary>
/// Calls this process's backend services without a wire: the contract's messages are handed over by reference (no
/// HTTP/2, no protobuf encoding), the caller is the principal the host validated (one token check per hop, not two),
/// and every call passes the same server interceptors as over the network (errors, counting). Client-streaming and
/// duplex calls, and methods this backend does not serve, go to <paramref name="remote"/> (the real channel).
/// <paramref name="caller"/> names the validated caller of a call from its options (the host attaches it when it
/// builds them; nothing ambient, so a call made from a cache's factory or a background task still has its caller).
/// Why hand-written: grpc-dotnet has no in-process transport; see docs/architecture.md.
/// </summary>
public sealed class LocalCallInvoker(LocalServices services, CallInvoker remote, Func<CallOptions, (ClaimsPrincipal? User, string TraceId)> caller) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        if (services.Find(method.FullName) is not UnaryServerMethod<TRequest, TResponse> handler)
        {
            return remote.AsyncUnaryCall(method, host, options, request);
        }

        var context = Start(method.FullName, options);
        var response = RunAsync(context, () => handler(request, context));
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => context.Status, () => context.ResponseTrailers, context.Cancel);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        if (services.Find(method.FullName) is not ServerStreamingServerMethod<TRequest, TResponse> handler)
        {
            return remote.AsyncServerStreamingCall(method, host, options, request);
        }

        var context = Start(method.FullName, options);
        // A small buffer: a slow reader holds the writer back, as HTTP/2 flow control would.
        var messages = Channel.CreateBounded<TResponse>(new BoundedChannelOptions(32) { SingleReader = true, SingleWriter = true });
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(context, async () =>
                {
                    await handler(request, new Writer<TResponse>(messages.Writer, context.CancellationToken), context);
                    return true;
                });
                messages.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                messages.Writer.TryComplete(ex);
            }
        });
        return new AsyncServerStreamingCall<TResponse>(new Reader<TResponse>(messages.Reader, context.CancellationToken), Task.FromResult(new Metadata()),
            () => context.Status, () => context.ResponseTrailers, context.Cancel);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        remote.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        remote.AsyncDuplexStreamingCall(method, host, options);

    /// <summary>Fails closed like the backend's endpoint authorization: no validated caller with a known role, no call.</summary>
    private LocalServerCallContext Start(string method, CallOptions options)
    {
        var (user, traceId) = caller(options);
        if (user?.Identity?.IsAuthenticated != true || !Roles.All.Contains(user.FindFirst(ClaimNames.Role)?.Value))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "未登录或登录已失效"));
        }

        return new LocalServerCallContext(method, options, user, traceId);
    }

    /// <summary>The handler's outcome as a client sees it: its response, or an RpcException with the status the wire would carry.</summary>
    private static async Task<T> RunAsync<T>(LocalServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            var result = await call();
            context.Status = Status.DefaultSuccess;
            return result;
        }
        catch (RpcException ex)
        {
            context.Status = ex.Status;
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            context.Status = context.DeadlinePassed ? new Status(StatusCode.DeadlineExceeded, "请求超时") : new Status(StatusCode.Cancelled, "请求已取消");
            throw new RpcException(context.Status);
        }
        catch (Exception ex)
        {
            // The interceptors turn every fault into an RpcException; this is only a last guard.
            context.Status = new Status(StatusCode.Internal, "服务内部错误", ex);
            throw new RpcException(context.Status);
        }
        finally
        {
            context.Dispose();
        }
    }

    private sealed class Writer<T>(ChannelWriter<T> channel, CancellationToken cancellation) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => channel.WriteAsync(message, cancellation).AsTask();

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (!cancellationToken.CanBeCanceled)
            {
                return WriteAsync(message);
            }

            return WriteLinkedAsync(message, cancellationToken);
        }

        private async Task WriteLinkedAsync(T message, CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, cancellationToken);
            await channel.WriteAsync(message, linked.Token);
        }
    }

    private sealed class Reader<T>(ChannelReader<T> channel, CancellationToken call) : IAsyncStreamReader<T>
    {
        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                while (await channel.WaitToReadAsync(cancellationToken))
                {
                    if (channel.TryRead(out var message))
                    {
                        Current = message;
                        return true;
                    }
                }

                return false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || call.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "请求已取消"));
            }
        }
    }
}

/// <summary>
/// The handlers of this backend's gRPC services by full method name, each wrapped in the server interceptors
/// (outermost first, as AddHuiqiBackend registers them).
/// </summary>
public sealed class LocalServices
{
    private readonly Dictionary<string, Delegate> _handlers = new(StringComparer.Ordinal);

    public LocalServices(IServiceProvider services)
    {
        Interceptor[] interceptors =
        [
            ActivatorUtilities.CreateInstance<Telemetry.CallCounter>(services),
            ActivatorUtilities.CreateInstance<Errors.ErrorInterceptor>(services),
        ];
        var binder = new Binder(_handlers, interceptors);
        Contracts.V1.PolicyService.BindService(binder, ActivatorUtilities.CreateInstance<Services.PolicyGrpcService>(services));
        Contracts.V1.EnterpriseService.BindService(binder, ActivatorUtilities.CreateInstance<Services.EnterpriseGrpcService>(services));
        Contracts.V1.EligibilityService.BindService(binder, ActivatorUtilities.CreateInstance<Services.EligibilityGrpcService>(services));
        Contracts.V1.EntitlementService.BindService(binder, ActivatorUtilities.CreateInstance<Services.EntitlementGrpcService>(services));
        Contracts.V1.VerificationService.BindService(binder, ActivatorUtilities.CreateInstance<Services.VerificationGrpcService>(services));
    }

    public Delegate? Find(string fullName) => _handlers.GetValueOrDefault(fullName);

    private sealed class Binder(Dictionary<string, Delegate> handlers, Interceptor[] interceptors) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (handler is null)
            {
                return;
            }

            for (var i = interceptors.Length - 1; i >= 0; i--)
            {
                var (interceptor, next) = (interceptors[i], handler);
                handler = (request, context) => interceptor.UnaryServerHandler(request, context, next);
            }

            handlers[method.FullName] = handler;
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (handler is null)
            {
                return;
            }

            for (var i = interceptors.Length - 1; i >= 0; i--)
            {
                var (interceptor, next) = (interceptors[i], handler);
                handler = (request, stream, context) => interceptor.ServerStreamingServerHandler(request, stream, context, next);
            }

            handlers[method.FullName] = handler;
        }

        // Client-streaming and duplex methods are left to the wire (none of them is called by a face in this process).
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }
    }
}
