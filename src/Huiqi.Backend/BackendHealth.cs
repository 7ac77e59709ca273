namespace Huiqi.Backend;

/// <summary>
/// Service names answered by <c>grpc.health.v1.Health</c>. "" is readiness (the store open, the matching index loaded); <see cref="Store"/> and
/// <see cref="Redis"/> report each part. <see cref="Redis"/> is only known when Redis is configured, so a caller
/// gets NOT_FOUND for it otherwise: up = SERVING, down (degraded, served from the store) = NOT_SERVING.
/// </summary>
public static class BackendHealth
{
    public const string Store = "huiqi.store";
    public const string Redis = "huiqi.redis";
    public const string Index = "huiqi.index";
}
