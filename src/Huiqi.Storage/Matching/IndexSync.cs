using Huiqi.Domain.Matching;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Huiqi.Storage.Matching;

/// <summary>
/// Keeps this instance's <see cref="EligibilityIndex"/> in step with the store: loads every profile and the
/// policies at start-up (readiness waits for it), applies this instance's writes at once, and catches up from
/// the store's change feed — immediately when another instance says so over Redis, and every few seconds in
/// any case (so nothing is missed while Redis is down).
/// </summary>
public sealed class IndexSync(IStore store, StoreReady storeReady, EligibilityIndex index, ChangeFeed feed, ProfileCache cache, StorageOptions options,
    IndexSnapshots snapshots, ILogger<IndexSync> logger)
    : BackgroundService, IProfileChangeListener, IHealthCheck
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSeq;
    private long _policyStamp = -1;
    private bool _initialLoadDone;
    private bool _fromSnapshot;

    public bool IsLoaded => _loaded.Task.IsCompleted;

    /// <summary>Whether the start-up load came from the index snapshot (and the change feed since), not from the whole store.</summary>
    public bool StartedFromSnapshot { get; private set; }

    /// <summary>The change-feed position the index has caught up to (everything at or below it is in the index).</summary>
    public long Position => Interlocked.Read(ref _lastSeq);

    /// <summary>Raised after profiles reached the index (this instance's writes, or others' through the change feed).</summary>
    public event Action<IReadOnlyCollection<string>>? EnterprisesChanged;

    /// <summary>Raised after the policy catalogue was reloaded (a policy was published, retired or changed anywhere).</summary>
    public event Action? PoliciesReloaded;

    /// <summary>Completes when the start-up load is done.</summary>
    public Task Loaded => _loaded.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await storeReady.Task.WaitAsync(stoppingToken);
        await feed.SubscribeAsync(OnNotice);
        if (snapshots.Enabled)
        {
            try
            {
                if (snapshots.TryLoad(index, await store.IdentityAsync(stoppingToken), await store.ProfileChangePositionAsync(stoppingToken)) is { } position)
                {
                    _lastSeq = position;
                    _fromSnapshot = true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "could not read the store's change-feed position; loading in full");
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(stoppingToken);
                _loaded.TrySetResult();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "could not read the store's change feed; retrying");
            }

            try
            {
                await _wake.WaitAsync(options.ChangeFeedPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnNotice(string what)
    {
        if (what == ChangeFeed.CacheGenerationChanged)
        {
            cache.GenerationChanged();
        }

        _wake.Release();
    }

    /// <summary>Reads what changed in the store since the last look (everything, the first time).</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var stamp = await store.PolicyChangeStampAsync(cancellationToken);
        if (stamp != _policyStamp)
        {
            index.SetPolicies(await store.LoadPoliciesAsync(cancellationToken));
            _policyStamp = stamp;
            PoliciesReloaded?.Invoke();
        }

        var first = !_initialLoadDone;
        var changed = new List<string>();
        await foreach (var stored in store.StreamProfilesAsync(_lastSeq, cancellationToken))
        {
            index.Upsert(stored.Profile, ClaimsOf(stored));
            _lastSeq = Math.Max(_lastSeq, stored.ChangeSeq);
            if (!first)
            {
                changed.Add(stored.Profile.Uscc);
            }
        }

        if (first && _fromSnapshot)
        {
            // The snapshot plus the feed since must hold exactly the store's profiles (none are ever deleted): anything
            // else means the snapshot came from another database state, and only a full load is right.
            var stored = await store.CountProfilesAsync(cancellationToken);
            _fromSnapshot = false;
            if (stored != index.Count)
            {
                logger.LogWarning("index snapshot holds {Count} enterprises after catching up, the store {Stored}: loading in full", index.Count, stored);
                index.Clear();
                Interlocked.Exchange(ref _lastSeq, 0);
                await CatchUpAsync(cancellationToken);
                return;
            }

            _initialLoadDone = true;
            StartedFromSnapshot = true;
            logger.LogInformation("matching index ready from its snapshot: {Count} enterprises, {Policies} policies", index.Count, index.Policies.Count);
        }
        else if (first)
        {
            _initialLoadDone = true;
            index.Rebalance();
            index.TrimExcess(); // growth doubled the columns on the way
            logger.LogInformation("matching index loaded: {Count} enterprises, {Policies} policies", index.Count, index.Policies.Count);
        }

        cache.Evict(changed);
        if (changed.Count > 0)
        {
            EnterprisesChanged?.Invoke(changed);
        }
    }

    /// <summary>This instance's own writes: into the index at once, and a notice to the others.</summary>
    public async Task ProfilesChangedAsync(IReadOnlyList<StoredProfile> written, CancellationToken cancellationToken)
    {
        foreach (var stored in written)
        {
            index.Upsert(stored.Profile, ClaimsOf(stored));
        }

        EnterprisesChanged?.Invoke([.. written.Select(w => w.Profile.Uscc)]);
        await feed.PublishAsync(ChangeFeed.ProfilesChanged);
    }

    /// <summary>Policies changed here: reload now and tell the others.</summary>
    public async Task PoliciesChangedAsync(CancellationToken cancellationToken)
    {
        index.SetPolicies(await store.LoadPoliciesAsync(cancellationToken));
        PoliciesReloaded?.Invoke();
        await feed.PublishAsync(ChangeFeed.PoliciesChanged);
        _wake.Release();
    }

    /// <summary>The self-declared fields of a profile (TRUST.md §3), or null when it has none (the common case: no allocation).</summary>
    public static IReadOnlyCollection<string>? ClaimsOf(StoredProfile stored)
    {
        List<string>? claims = null;
        foreach (var (field, provenance) in stored.Provenance)
        {
            if (provenance.Source == ProfileSource.SelfDeclared)
            {
                (claims ??= []).Add(field);
            }
        }

        return claims;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsLoaded
            ? HealthCheckResult.Healthy($"{index.Count} enterprises")
            : new HealthCheckResult(context.Registration.FailureStatus, "loading"));
}
