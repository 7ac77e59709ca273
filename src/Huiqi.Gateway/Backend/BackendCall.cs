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
    public const string TimeoutHeader = "Request-Timeout";

    public CallOptions For(HttpContext http)
    {
        var timeout = options.BackendTimeout;
        if (http.Request.Headers.TryGetValue(TimeoutHeader, out var header)
            && double.TryParse(header.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            && TimeSpan.FromSeconds(seconds) < timeout)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        var metadata = new Metadata();
        if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            metadata.Add("authorization", authorization);
        }

        return new CallOptions(metadata, clock.GetUtcNow().UtcDateTime + timeout, http.RequestAborted);
    }

    /// <summary>For a stream that lives as long as the caller listens (server-sent events): no deadline.</summary>
    public CallOptions ForStream(HttpContext http) => For(http).WithDeadline(DateTime.MaxValue);
}
