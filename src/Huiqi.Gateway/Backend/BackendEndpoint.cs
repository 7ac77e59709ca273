namespace Huiqi.Gateway.Backend;

/// <summary>
/// The backend's gRPC address as the gRPC clients should use it. Known from configuration, or, for the embedded
/// backend, once it has started (its port may be chosen by the OS).
/// </summary>
public sealed class BackendEndpoint
{
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set(Uri address) => _address.TrySetResult(address);

    public Uri Address => _address.Task.IsCompletedSuccessfully
        ? _address.Task.Result
        : throw new InvalidOperationException("The backend has not started yet.");
}
