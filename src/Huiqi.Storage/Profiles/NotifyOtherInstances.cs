using Huiqi.Storage.Cache;
using Huiqi.Storage.Store;

namespace Huiqi.Storage.Profiles;

/// <summary>For writers without a matching index of their own (the CLI): only tell the running instances.</summary>
public sealed class NotifyOtherInstances(ChangeFeed feed) : IProfileChangeListener
{
    public Task ProfilesChangedAsync(IReadOnlyList<StoredProfile> written, CancellationToken cancellationToken) =>
        feed.PublishAsync(ChangeFeed.ProfilesChanged);
}
