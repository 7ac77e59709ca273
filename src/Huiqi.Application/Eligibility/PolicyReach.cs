using Huiqi.Application.Callers;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;

namespace Huiqi.Application.Eligibility;

/// <summary>One enterprise a policy reaches, with the position to resume after it (its status and index slot).</summary>
public sealed record ReachedEnterprise(EligibilityStatus Status, int Slot, EnterpriseOutcome Outcome);

/// <summary>A breakdown row with the label people read (a region's or a tech domain's name).</summary>
public sealed record LabelledBreakdown(BreakdownRow Row, string Label);

/// <summary>What publishing a draft would do over the whole population (ELIGIBILITY.md §6).</summary>
public sealed record DryRunOutcome(
    long Eligible, long Ineligible, long Unknown, long Excluded, long TotalAmountFen, long UnknownAmountCount,
    IReadOnlyList<ExampleFailure> ExampleFailures, IReadOnlyList<LabelledBreakdown> ByRegion, IReadOnlyList<LabelledBreakdown> ByTechDomain)
{
    public long Population => Eligible + Ineligible + Unknown + Excluded;
}

/// <summary>A proposed version against the version in force (<see cref="PolicyReach.Compare"/>), rows labelled.</summary>
public sealed record VersionComparison(
    Policy Current, Policy Proposed, DateOnly AsOf, PolicyComparison Figures, int PayableBeforeBp, int PayableAfterBp,
    IReadOnlyList<(ComparisonRow Row, string Label)> ByRegion, IReadOnlyList<(ComparisonRow Row, string Label)> ByTechDomain);

/// <summary>
/// A policy over the whole population, for the staff who answer for it: the enterprises it reaches (staff see those
/// under their jurisdiction only, whatever region they ask for) and a draft's dry run. Staff and admin only.
/// </summary>
public sealed class PolicyReach(EligibilityIndex index, TimeProvider clock)
{
    /// <summary>
    /// The enterprises <paramref name="policyId"/> reaches on <paramref name="asOf"/>, by status then slot, from just after
    /// (<paramref name="startStatus"/>, <paramref name="afterSlot"/>); null when the policy is not in force on that date
    /// (ELIGIBILITY.md §6: it matches no enterprise, and the caller should say so).
    /// </summary>
    public IAsyncEnumerable<ReachedEnterprise>? Matches(Caller caller, string policyId, DateOnly asOf, string region, IReadOnlyCollection<EligibilityStatus> statuses,
        int startStatus, int afterSlot, CancellationToken cancellationToken)
    {
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw new AccessDeniedException();
        }

        if (region.Length > 0 && !Codes.IsRegionCode(region))
        {
            throw new InvalidInputException([new FieldError("region", "region.invalid", "应为6位行政区划代码")]);
        }

        if (caller.IsStaff)
        {
            region = region.Length == 0 ? caller.Jurisdiction! : caller.Covers(region) ? region : throw new AccessDeniedException();
        }

        var policy = index.PolicyById.GetValueOrDefault(policyId) ?? throw new NotFoundException("政策");
        return policy.IsInForce(asOf) ? Stream(policy, asOf, region, statuses.Count == 0 ? Enum.GetValues<EligibilityStatus>() : statuses, startStatus, afterSlot, cancellationToken) : null;
    }

    private async IAsyncEnumerable<ReachedEnterprise> Stream(Policy policy, DateOnly asOf, string region, IReadOnlyCollection<EligibilityStatus> statuses,
        int startStatus, int afterSlot, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var result = index.MatchPolicy(policy, asOf, withMissingFields: true);
        foreach (var status in statuses.Distinct().Order().Where(s => (int)s >= startStatus))
        {
            var after = (int)status == startStatus ? afterSlot : -1;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested(); // the caller went away: stop working
                IReadOnlyList<(int Slot, EnterpriseOutcome Outcome)> chunk;
                try
                {
                    chunk = index.Outcomes(result, policy, asOf, status, after, 1000);
                }
                catch (InvalidOperationException)
                {
                    throw new RefusedException(RefusalKind.Aborted, "index.changed", "数据在查询期间发生变化，请用最后的 page_token 继续");
                }

                if (chunk.Count == 0)
                {
                    break;
                }

                foreach (var (slot, outcome) in chunk)
                {
                    after = slot;
                    if (region.Length == 0 || (outcome.Region is not null && CriteriaEvaluator.IsUnder(FieldCatalog.Region, outcome.Region, region)))
                    {
                        yield return new ReachedEnterprise(status, slot, outcome);
                    }
                }

                await Task.Yield(); // a long stream gives the thread back between chunks
            }
        }
    }

    /// <summary>
    /// A proposed version of <paramref name="policyId"/> against the version in force on <paramref name="asOf"/> (default
    /// today), over the whole population; rows by region are the caller's jurisdiction only for staff (as the dry run).
    /// Staff governing both the policy and the proposal's jurisdiction, and admin.
    /// </summary>
    public VersionComparison Compare(Caller caller, string policyId, string proposedJson, DateOnly? asOf)
    {
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw new AccessDeniedException();
        }

        var date = asOf ?? Domain.Common.Dates.TodayInChina(clock);
        var current = index.PolicyById.GetValueOrDefault(policyId);
        if (current is null || !caller.Governs(current.Jurisdiction))
        {
            throw caller.IsAdmin ? new NotFoundException("政策") : new AccessDeniedException();
        }

        var document = Policies.PolicyDocuments.Parse(proposedJson, policyId);
        if (!caller.Governs(document.Policy.Jurisdiction))
        {
            throw new AccessDeniedException();
        }

        if (!current.IsInForce(date))
        {
            throw new RefusedException(RefusalKind.FailedPrecondition, "policy.not_in_force", "该政策在此日期不在执行期内，没有可比较的现行版本");
        }

        // The proposal as if it replaced the version in force on that date: its window is the one being compared in.
        var proposed = document.Policy with { Id = policyId, Status = PolicyStatus.Published, EffectiveFrom = null, EffectiveTo = null };
        PolicyComparison figures;
        try
        {
            figures = index.Compare(current, proposed, date);
        }
        catch (InvalidOperationException)
        {
            throw new RefusedException(RefusalKind.Aborted, "index.changed", "数据在比较期间发生变化，请重试");
        }

        static int Payable(long? budget, long total) =>
            budget is { } b && total > b ? (int)(b * 10_000 / total) : 10_000;
        return new VersionComparison(current, proposed, date, figures,
            Payable(current.BudgetFen, figures.TotalBeforeFen), Payable(proposed.BudgetFen, figures.TotalAfterFen),
            [.. figures.ByRegion.Where(r => !caller.IsStaff || caller.Covers(r.Value)).OrderBy(r => r.Value, StringComparer.Ordinal).Select(r => (r, Codes.RegionName(r.Value)))],
            [.. figures.ByTechDomain.OrderBy(r => r.Value, StringComparer.Ordinal).Select(r => (r, Codes.TechDomains.GetValueOrDefault(r.Value, r.Value)))]);
    }

    /// <summary>
    /// A draft over the whole population as if in force on <paramref name="asOf"/> — by default today, or the day it takes
    /// effect when that is later (ELIGIBILITY.md §6): counts, money, its examples, by region (staff: their jurisdiction
    /// only) and by tech domain.
    /// </summary>
    public DryRunOutcome DryRun(Caller caller, PolicyJson.Document document, DateOnly? asOf)
    {
        if (!(caller.IsAdmin || caller.IsStaff) || !caller.Governs(document.Policy.Jurisdiction))
        {
            throw new AccessDeniedException();
        }

        var today = Domain.Common.Dates.TodayInChina(clock);
        var date = asOf ?? (document.Policy.EffectiveFrom is { } from && from > today ? from : today);
        var policy = document.Policy with { Id = document.Policy.Id.Length > 0 ? document.Policy.Id : "dry-run", Status = PolicyStatus.Published };
        using var result = index.MatchPolicy(policy, date);
        try
        {
            return new DryRunOutcome(
                result.EligibleCount, result.IneligibleCount, result.UnknownCount, result.ExcludedCount, result.TotalAmountFen, result.UnknownAmountCount,
                PolicyExamples.Run(policy),
                [.. index.Breakdown(result, policy, date, FieldCatalog.Region)
                    .Where(r => !caller.IsStaff || caller.Covers(r.Value))
                    .OrderBy(r => r.Value, StringComparer.Ordinal)
                    .Select(r => new LabelledBreakdown(r, Codes.RegionName(r.Value)))],
                [.. index.Breakdown(result, policy, date, FieldCatalog.TechDomains)
                    .OrderBy(r => r.Value, StringComparer.Ordinal)
                    .Select(r => new LabelledBreakdown(r, Codes.TechDomains.GetValueOrDefault(r.Value, r.Value)))]);
        }
        catch (InvalidOperationException)
        {
            throw new RefusedException(RefusalKind.Aborted, "index.changed", "数据在试算期间发生变化，请重试");
        }
    }
}
