namespace Huiqi.Gateway;

/// <summary>Bound from the <c>Gateway</c> configuration section.</summary>
public sealed record GatewayOptions
{
    /// <summary>Where the JSON face listens.</summary>
    public string Listen { get; init; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Where Prometheus scrapes <c>/metrics</c>: a port of its own, never the public one (route names and call counts are
    /// for the platform team, not for anyone on the internet). Empty: no metrics endpoint.
    /// </summary>
    public string MetricsListen { get; init; } = "http://127.0.0.1:9465";

    /// <summary>
    /// The backend's gRPC address. Empty (the embedded default) hosts the backend in this process, listening on
    /// <see cref="EmbeddedBackendListen"/>.
    /// </summary>
    public string? BackendAddress { get; init; }

    /// <summary>
    /// With a <c>dns:///name:port</c> backend address (several replicas behind one name): how often the name is resolved
    /// again, so replicas that join are used. A replica that stops answering triggers a resolution at once.
    /// </summary>
    public TimeSpan BackendResolveInterval { get; init; } = TimeSpan.FromSeconds(5);

    public string EmbeddedBackendListen { get; init; } = "http://127.0.0.1:5001";

    public bool HostsBackend => string.IsNullOrWhiteSpace(BackendAddress);

    /// <summary>Several backend replicas behind one name (<c>dns:///name:port</c>): calls are balanced over them (docs/deployment.md).</summary>
    public bool BalancesBackends => Uri.TryCreate(BackendAddress, UriKind.Absolute, out var address) && address.Scheme == "dns";

    /// <summary>
    /// With the embedded backend: call its services in this process (the contract's messages by reference, the token
    /// checked once) rather than over its h2c port. Partners still reach that port; false forces the wire (to measure it).
    /// </summary>
    public bool InProcessCalls { get; init; } = true;

    /// <summary>The longest a phone waits on the backend for one call: a slow or dead backend gives a fast 504/503.</summary>
    public TimeSpan BackendTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest request body accepted (a policy document with its examples is far smaller).</summary>
    public long MaxRequestBodyBytes { get; init; } = 256 * 1024;

    /// <summary>Origins of the app's web builds allowed by CORS; empty = no cross-origin access.</summary>
    public string[] CorsOrigins { get; init; } = [];

    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>How long an enterprise's own eligibility answer may be served from this instance's memory (0: never).</summary>
    public int AnswerCacheSeconds { get; init; } = 5;
}

/// <summary>Token buckets: one per signed-in user and one per client IP address; a request needs both.</summary>
public sealed record RateLimitOptions
{
    public bool Enabled { get; init; } = true;
    public int PerUserPerSecond { get; init; } = 20;
    public int PerUserBurst { get; init; } = 60;
    public int PerIpPerSecond { get; init; } = 100;
    public int PerIpBurst { get; init; } = 300;
}
