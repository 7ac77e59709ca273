using Huiqi.Domain.Serialization;
using System.Globalization;
using Grpc.Core;

namespace Huiqi.Gateway.Backend;

/// <summary>
/// The options of every backend call made for one HTTP request: the caller's bearer token passed on (the backend
/// checks the resource rules itself), the request's cancellation (a phone that hangs up stops the work), and a
/// deadline — the gateway's <see cref="GatewayOptions.BackendTimeout"/>, or sooner when the caller sends
/// <c>Request-Timeout</c> (seconds) — which the backend sees as the gRPC deadline.
/// </summary>
public sealed class BackendCall(GatewayOptions options, TimeProvider clock)
{
    private readonly bool _balanced = options.BalancesBackends; // read once, not parsed per call

    /// <summary>The request each call's options were made for: how an in-process call knows its validated caller.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Metadata, HttpContext> Requests = new();

    /// <summary>The validated caller and trace id of a call whose options <see cref="For"/> made; nobody otherwise.</summary>
    public static (System.Security.Claims.ClaimsPrincipal? User, string TraceId) CallerOf(CallOptions options) =>
        options.Headers is { } headers && Requests.TryGetValue(headers, out var http) ? (http.User, http.TraceIdentifier) : (null, "");

    public const string TimeoutHeader = "Request-Timeout";

    /// <summary>The shortest deadline a caller may ask for: less is no deadline at all, a bad request rather than a gateway timeout.</summary>
    public const double MinTimeoutSeconds = 0.01;

    public CallOptions For(HttpContext http)
    {
        var timeout = TimeoutOf(http.Request, options.BackendTimeout);
        var metadata = new Metadata();
        if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            metadata.Add("authorization", authorization);
        }

        if (options.HostsBackend && options.InProcessCalls)
        {
            Requests.AddOrUpdate(metadata, http); // only an in-process call reads it (over the wire the token travels)
        }

        var call = new CallOptions(metadata, clock.GetUtcNow().UtcDateTime + timeout, http.RequestAborted);
        // Several replicas behind a name: while none is known to be ready (one just died, its name is being resolved
        // again) a call waits for one, within its deadline, rather than failing at once. Nothing has been sent yet, so
        // a write cannot be doubled by waiting.
        return _balanced ? call.WithWaitForReady() : call;
    }

    /// <summary>
    /// The caller's <c>Request-Timeout</c> as the deadline, at most <paramref name="max"/>: one finite number of seconds,
    /// not less than <see cref="MinTimeoutSeconds"/> (a deadline of nothing is a bad request, not a gateway timeout).
    /// Checked for every /v1 request by <see cref="Http.GatewayErrors"/>, answered from a cache or not.
    /// </summary>
    public static TimeSpan TimeoutOf(HttpRequest request, TimeSpan max)
    {
        if (!request.Headers.TryGetValue(TimeoutHeader, out var header))
        {
            return max;
        }

        if (header.Count != 1 || !double.TryParse(header.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds) || seconds < MinTimeoutSeconds)
        {
            throw new InvalidInputException([new FieldError(TimeoutHeader, "request_timeout.invalid",
                $"Request-Timeout 应为一个不小于 {MinTimeoutSeconds} 的秒数（超过 {max.TotalSeconds} 秒按 {max.TotalSeconds} 秒计）")]);
        }

        return seconds < max.TotalSeconds ? TimeSpan.FromSeconds(seconds) : max;
    }

    /// <summary>For a stream that lives as long as the caller listens (server-sent events): no deadline.</summary>
    public CallOptions ForStream(HttpContext http) => For(http).WithDeadline(DateTime.MaxValue);
}
