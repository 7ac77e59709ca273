using System.Collections.Concurrent;
using Huiqi.Domain.Common;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Storage.Matching;

namespace Huiqi.Application.Entitlements;

/// <summary>
/// Runs the workflow's triggers in the background: at start-up and then every day at <see cref="WorkflowOptions.DailyRunAt"/>
/// (China Standard Time) every policy in force (dates move; and whatever a crash interrupted is finished here); a policy version not matched
/// yet as soon as the catalogue shows it (published here or in another instance); changed enterprises as their
/// profiles reach the index; and the 公示 clock. Several instances may do the same work: every step is idempotent.
/// </summary>
public sealed class EntitlementScheduler(EntitlementWorkflow workflow, IndexSync sync, EligibilityIndex index, WorkflowOptions options, TimeProvider clock, ILogger<EntitlementScheduler> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentQueue<string> _changed = new();
    private readonly HashSet<string> _matchedVersions = new(StringComparer.Ordinal);
    private volatile bool _policiesChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        await sync.Loaded.WaitAsync(stoppingToken);
        sync.EnterprisesChanged += usccs => { foreach (var u in usccs) { _changed.Enqueue(u); } _wake.Release(); };
        sync.PoliciesReloaded += () => { _policiesChanged = true; _wake.Release(); };
        var nextFull = clock.GetUtcNow();
        var nextPublicity = nextFull;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var worked = false;
                if (clock.GetUtcNow() >= nextFull)
                {
                    _matchedVersions.Clear();
                    _policiesChanged = true;
                    nextFull = NextDailyRun(clock.GetUtcNow(), options.DailyRunAt);
                }

                if (_policiesChanged)
                {
                    _policiesChanged = false;
                    try
                    {
                        worked |= await MatchNewPolicyVersionsAsync(stoppingToken);
                    }
                    catch
                    {
                        _policiesChanged = true; // the versions not matched yet are tried again on the next pass
                        throw;
                    }
                }

                worked |= await MatchChangedEnterprisesAsync(stoppingToken);
                if (clock.GetUtcNow() >= nextPublicity)
                {
                    await workflow.AdvancePublicityAsync(stoppingToken);
                    nextPublicity = clock.GetUtcNow() + options.PublicityInterval;
                }
                else if (worked)
                {
                    await workflow.StartPublicityAsync(stoppingToken); // new entitlements enter 公示 at once; endings keep to the clock
                }

            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "entitlement workflow pass failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
                continue;
            }

            var wait = Min(nextFull, nextPublicity) - clock.GetUtcNow();
            try
            {
                await _wake.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> MatchNewPolicyVersionsAsync(CancellationToken cancellationToken)
    {
        var today = Dates.TodayInChina(clock);
        var worked = false;
        foreach (var policy in index.Policies.Where(p => p.Status == PolicyStatus.Published && p.IsInForce(today)))
        {
            var key = $"{policy.Id}@{policy.Version}";
            if (_matchedVersions.Contains(key))
            {
                continue;
            }

            var started = clock.GetTimestamp();
            var summary = await workflow.ReconcilePolicyAsync(policy, cancellationToken);
            _matchedVersions.Add(key);
            worked = true;
            logger.LogInformation("matched {Policy} v{Version}: {Created} new entitlements, {Asked} asked for facts, {Revoked} revoked in {Elapsed:F1} s",
                policy.Id, policy.Version, summary.Created, summary.Asked, summary.Revoked, clock.GetElapsedTime(started).TotalSeconds);
        }

        return worked;
    }

    private async Task<bool> MatchChangedEnterprisesAsync(CancellationToken cancellationToken)
    {
        var usccs = new HashSet<string>(StringComparer.Ordinal);
        while (_changed.TryDequeue(out var uscc))
        {
            usccs.Add(uscc);
        }

        if (usccs.Count == 0)
        {
            return false;
        }

        try
        {
            if (usccs.Count > options.BulkThreshold)
            {
                // A bulk import: matching each policy over everyone (bitsets) is cheaper than each enterprise over every policy.
                _matchedVersions.Clear();
                return await MatchNewPolicyVersionsAsync(cancellationToken);
            }

            await workflow.ReconcileEnterprisesAsync(usccs, cancellationToken);
            return true;
        }
        catch
        {
            foreach (var uscc in usccs)
            {
                _changed.Enqueue(uscc); // not lost: tried again on the next pass
            }

            throw;
        }
    }

    /// <summary>The first moment after <paramref name="now"/> at which it is <paramref name="at"/> in China (UTC+8, no daylight saving).</summary>
    public static DateTimeOffset NextDailyRun(DateTimeOffset now, TimeOnly at)
    {
        var local = now.ToOffset(Dates.ChinaOffset);
        var today = new DateTimeOffset(DateOnly.FromDateTime(local.DateTime).ToDateTime(at), Dates.ChinaOffset);
        return today > now ? today : today.AddDays(1);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
