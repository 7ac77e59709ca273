using System.Security.Claims;
using Grpc.Core;

namespace Huiqi.Backend.InProcess;

/// <summary>
/// The server side of a call made in this process (<see cref="LocalCallInvoker"/>): the caller is the principal the
/// host already validated, the deadline and cancellation are the client's own.
/// </summary>
public sealed class LocalServerCallContext : ServerCallContext, IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _token; // kept: readable after the call ended and its source was disposed
    private readonly Metadata _requestHeaders;
    private readonly Metadata _responseTrailers = [];
    private readonly DateTime _deadline;
    private readonly string _method;

    public LocalServerCallContext(string method, CallOptions options, ClaimsPrincipal user, string traceIdentifier)
    {
        _method = method;
        _requestHeaders = options.Headers ?? [];
        _deadline = options.Deadline ?? DateTime.MaxValue;
        User = user;
        TraceIdentifier = traceIdentifier;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        _token = _cancellation.Token;
        if (_deadline != DateTime.MaxValue)
        {
            var left = _deadline - DateTime.UtcNow;
            _cancellation.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    /// <summary>The caller, as validated by the host that received the request.</summary>
    public ClaimsPrincipal User { get; }

    public string TraceIdentifier { get; }

    /// <summary>Whether the call ran out of time (rather than being cancelled by its caller).</summary>
    public bool DeadlinePassed => _deadline <= DateTime.UtcNow;

    /// <summary>Ends the call: the handler sees its token cancelled (a stream stops). Nothing to do once it has ended.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    protected override string MethodCore => _method;
    protected override string HostCore => "in-process";
    protected override string PeerCore => "in-process";
    protected override DateTime DeadlineCore => _deadline;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => _token;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("in-process calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    /// <summary>
    /// Called as the handler ends: releases the deadline's timer and the link to the caller's token at once, rather
    /// than leaving one pending timer per call until its deadline (thousands at the answer route's rate).
    /// </summary>
    public void Dispose() => _cancellation.Dispose();
}
