namespace Huiqi.Gateway;

/// <summary>Bound from the <c>Gateway</c> configuration section.</summary>
public sealed record GatewayOptions
{
    /// <summary>Where the JSON face listens.</summary>
    public string Listen { get; init; } = "http://127.0.0.1:8080";

    /// <summary>
    /// The backend's gRPC address. Empty (the embedded default) hosts the backend in this process, listening on
    /// <see cref="EmbeddedBackendListen"/>.
    /// </summary>
    public string? BackendAddress { get; init; }

    public string EmbeddedBackendListen { get; init; } = "http://127.0.0.1:5001";

    public bool HostsBackend => string.IsNullOrWhiteSpace(BackendAddress);
}
