using System.Security.Cryptography;
using System.Text;
using Huiqi.Application.Callers;
using Huiqi.Domain.Common;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;
using StoredStatus = Huiqi.Storage.Store.EntitlementStatus;

namespace Huiqi.Application.Entitlements;

/// <summary>A workflow command that may not happen in the entitlement's current state.</summary>
public sealed class EntitlementRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// 免申即享: creates entitlements for newly eligible enterprises (policy published, profile changed, daily), moves
/// them through 公示, confirmation or objection, approval within the budget and disbursement, and revokes those that
/// became ineligible before approval. Every step goes through <see cref="IStore.ApplyAsync"/>, which applies a step
/// only from the state it expects, with its message and audit record in the same transaction: a step repeated
/// (after a crash, or by another instance) changes nothing, so nothing is doubled and a re-run misses no one.
/// </summary>
public sealed class EntitlementWorkflow(IStore store, EligibilityIndex index, EntitlementEvents events, WorkflowOptions options, TimeProvider clock, ILogger<EntitlementWorkflow> logger)
{
    public const string SystemActor = "system:huiqi", SystemRole = "system";

    private static readonly StoredStatus[] BeforeApproval = [StoredStatus.AwaitingVerification, StoredStatus.Matched, StoredStatus.Publicized, StoredStatus.Confirmed, StoredStatus.Objected];

    /// <summary>Where an answer that comes to rest on claims sends the entitlement back to verification (an objection is left to staff).</summary>
    private static readonly StoredStatus[] Unverifiable = [StoredStatus.Matched, StoredStatus.Publicized, StoredStatus.Confirmed];

    /// <summary>The resolution of an entitlement revoked because staff rejected the claims it rested on.</summary>
    public const string RejectedPrefix = "核验未通过：";
    private static readonly StoredStatus[] Answerable = [StoredStatus.Matched, StoredStatus.Publicized];

    private readonly WorkingDays _workingDays = options.Calendar();

    /// <summary>
    /// The period key of the uniqueness rule: once per enterprise ever (this wins over a recurrence), once per
    /// calendar year whatever the version (<c>2026</c>), or once per version (<c>v3</c>).
    /// </summary>
    public static string PeriodOf(Policy policy, DateOnly today) => policy switch
    {
        { OncePerEnterprise: true } => "",
        { Recurrence: Recurrence.Yearly } => today.Year.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => $"v{policy.Version}",
    };

    /// <summary>Derived from what it is, so every instance and every retry names the same entitlement the same way.</summary>
    public static string EntitlementIdOf(string uscc, string policyId, string period) => "ent-" + Hash($"{uscc}|{policyId}|{period}")[..24];

    private static string NotificationIdOf(string key) => "ntf-" + Hash(key)[..24];

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private DateOnly Today => Dates.TodayInChina(clock);

    // ---- triggers ----

    /// <summary>
    /// Matches one published policy over the whole population: an entitlement for every eligible enterprise that has
    /// none, a request for exactly the missing facts to every unknown one, and a revocation for every entitlement not
    /// yet approved whose enterprise is no longer eligible (ineligible, or excluded by a better policy of its group).
    /// </summary>
    public async Task<ReconcileSummary> ReconcilePolicyAsync(Policy policy, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReconcileOnceAsync(policy, cancellationToken);
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // The index changed between matching and reading the outcomes: match again on the new state.
            }
        }
    }

    private async Task<ReconcileSummary> ReconcileOnceAsync(Policy policy, CancellationToken cancellationToken)
    {
        var today = Today;
        var now = clock.GetUtcNow();
        var period = PeriodOf(policy, today);
        var existing = (await store.QueryEntitlementsAsync(new EntitlementQuery(PolicyId: policy.Id), cancellationToken))
            .Where(e => e.Period == period).ToDictionary(e => e.Uscc, StringComparer.Ordinal);
        using var result = index.MatchPolicy(policy, today, withMissingFields: true);
        var changes = new List<WorkflowChange>();
        foreach (var (_, outcome) in index.Outcomes(result, policy, today, EligibilityStatus.Eligible))
        {
            if (!existing.TryGetValue(outcome.Uscc, out var held))
            {
                if (index.GetProfile(outcome.Uscc) is { } profile)
                {
                    changes.Add(Create(policy, period, profile, outcome.AmountFen, outcome.Basis, outcome.Claims ?? [], now));
                }
            }
            else if (IsReinstatable(held, outcome.Basis))
            {
                changes.Add(Reinstate(held, policy, outcome.AmountFen, outcome.Basis, outcome.Claims ?? [], now));
            }
            else if (Follow(held, policy, outcome.AmountFen, outcome.Basis, outcome.Claims ?? [], now) is { } step)
            {
                changes.Add(step);
            }
        }

        var asked = await store.NotificationIdsAsync(policy.Id, "missing_fields", cancellationToken);
        foreach (var (_, outcome) in index.Outcomes(result, policy, today, EligibilityStatus.Unknown))
        {
            if (!existing.ContainsKey(outcome.Uscc) && outcome.MissingFields.Count > 0
                && MissingFieldsNotice(policy, outcome.Uscc, outcome.MissingFields, now) is var notice && !asked.Contains(notice.Id))
            {
                changes.Add(new WorkflowChange(Notification: notice));
            }
        }

        foreach (var entitlement in existing.Values.Where(e => BeforeApproval.Contains(e.Status)))
        {
            if (index.StatusOf(result, entitlement.Uscc) is EligibilityStatus.Ineligible or EligibilityStatus.Excluded)
            {
                changes.Add(Revoke(entitlement, policy.Title, now));
            }
        }

        return ReconcileSummary.Of(await ApplyAsync(changes, cancellationToken));
    }

    /// <summary>The policies in force today, each matched over everyone: publish-time catch-up, the daily run, bulk imports.</summary>
    public async Task<ReconcileSummary> ReconcileAllAsync(CancellationToken cancellationToken)
    {
        var total = new ReconcileSummary(0, 0, 0);
        var today = Today;
        foreach (var policy in index.Policies.Where(p => p.Status == PolicyStatus.Published && p.IsInForce(today)))
        {
            total += await ReconcilePolicyAsync(policy, cancellationToken);
        }

        return total;
    }

    /// <summary>Profiles changed: the same rules, for these enterprises over every policy in force.</summary>
    public async Task<ReconcileSummary> ReconcileEnterprisesAsync(IReadOnlyCollection<string> usccs, CancellationToken cancellationToken)
    {
        var today = Today;
        var now = clock.GetUtcNow();
        var policies = index.Policies.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var changes = new List<WorkflowChange>();
        foreach (var uscc in usccs.Distinct(StringComparer.Ordinal))
        {
            if (index.GetProfile(uscc) is not { } profile || index.MatchEnterprise(uscc, today) is not { } answers)
            {
                continue;
            }

            var held = await store.QueryEntitlementsAsync(new EntitlementQuery(Uscc: uscc), cancellationToken);
            foreach (var answer in answers)
            {
                if (!policies.TryGetValue(answer.PolicyId, out var policy) || policy.Status != PolicyStatus.Published)
                {
                    continue;
                }

                var period = PeriodOf(policy, today);
                var mine = held.FirstOrDefault(e => e.PolicyId == policy.Id && e.Period == period);
                switch (answer.Status)
                {
                    case EligibilityStatus.Eligible when mine is null:
                        changes.Add(Create(policy, period, profile, answer.AmountFen, answer.Basis, answer.Claims, now));
                        break;
                    case EligibilityStatus.Eligible when IsReinstatable(mine, answer.Basis):
                        changes.Add(Reinstate(mine!, policy, answer.AmountFen, answer.Basis, answer.Claims, now));
                        break;
                    case EligibilityStatus.Eligible when Follow(mine!, policy, answer.AmountFen, answer.Basis, answer.Claims, now) is { } step:
                        changes.Add(step);
                        break;
                    case EligibilityStatus.Unknown when mine is null && answer.MissingFields.Count > 0:
                        changes.Add(new WorkflowChange(Notification: MissingFieldsNotice(policy, uscc, answer.MissingFields, now)));
                        break;
                    case EligibilityStatus.Ineligible or EligibilityStatus.Excluded when mine is not null && BeforeApproval.Contains(mine.Status):
                        changes.Add(Revoke(mine, policy.Title, now));
                        break;
                }
            }
        }

        return ReconcileSummary.Of(await ApplyAsync(changes, cancellationToken));
    }

    /// <summary>
    /// 公示: matched entitlements start it (ending after the configured working days); on its last day the enterprise
    /// is reminded; once it has ended without objection the entitlement is confirmed.
    /// </summary>
    public async Task<int> AdvancePublicityAsync(CancellationToken cancellationToken)
    {
        var started = await StartPublicityAsync(cancellationToken);
        var today = Today;
        var now = clock.GetUtcNow();
        var titles = index.Policies.ToDictionary(p => p.Id, p => p.Title, StringComparer.Ordinal);
        var changes = new List<WorkflowChange>();
        foreach (var e in await store.QueryEntitlementsAsync(new EntitlementQuery(Statuses: [StoredStatus.Publicized]), cancellationToken))
        {
            var title = titles.GetValueOrDefault(e.PolicyId, e.PolicyId);
            if (e.PublicityEndsOn is { } ends && today > ends)
            {
                var (t, b) = Messages.StatusChanged(title, "公示期满无异议，已自动确认");
                changes.Add(Transition(e, [StoredStatus.Publicized], e with { Status = StoredStatus.Confirmed, UpdatedAt = now },
                    Notice(e, "status_changed", t, b, now, "confirmed"), Audit(SystemActor, SystemRole, "entitlement.confirm_auto", e)));
            }
            else if (e.PublicityEndsOn is { } last && today == last)
            {
                var (t, b) = Messages.PublicityEnding(title, last);
                changes.Add(new WorkflowChange(Notification: Notice(e, "publicity_ending", t, b, now, Dates.Format(last))));
            }
        }

        return started + (await ApplyAsync(changes, cancellationToken)).Count;
    }

    /// <summary>Only the start of 公示 for new entitlements: what a pass that created some needs, without reading every running 公示.</summary>
    public async Task<int> StartPublicityAsync(CancellationToken cancellationToken)
    {
        var ends = _workingDays.Add(Today, options.PublicityWorkingDays);
        var now = clock.GetUtcNow();
        var changes = (await store.QueryEntitlementsAsync(new EntitlementQuery(Statuses: [StoredStatus.Matched]), cancellationToken))
            .Select(e => Transition(e, [StoredStatus.Matched], e with { Status = StoredStatus.Publicized, PublicityEndsOn = ends, UpdatedAt = now },
                null, Audit(SystemActor, SystemRole, "entitlement.publicize", e)))
            .ToList();
        return (await ApplyAsync(changes, cancellationToken)).Count;
    }

    // ---- commands ----

    /// <summary>
    /// Confirming again is harmless (a phone retrying, a second tap): an entitlement confirmed or further along answers as
    /// it is, unless the confirmation names a new receiving account — allowed while it is only confirmed.
    /// </summary>
    public Task<EntitlementRecord> ConfirmAsync(string id, string? account, Caller caller, CancellationToken cancellationToken) =>
        CommandAsync(id, caller, cancellationToken, e => e.Status is StoredStatus.Confirmed or StoredStatus.Approved or StoredStatus.Disbursed
                && (account is null || account == e.ReceivingAccount)
            ? null
            : Transition(e, e.Status == StoredStatus.Confirmed ? [StoredStatus.Confirmed] : Answerable,
                e with { Status = StoredStatus.Confirmed, ReceivingAccount = account ?? e.ReceivingAccount, UpdatedAt = clock.GetUtcNow() },
                null, Audit(caller, "entitlement.confirm", e)));

    public Task<EntitlementRecord> ObjectAsync(string id, string reason, Caller caller, CancellationToken cancellationToken) =>
        CommandAsync(id, caller, cancellationToken, e => Transition(e, Answerable,
            e with { Status = StoredStatus.Objected, ObjectionReason = reason, UpdatedAt = clock.GetUtcNow() }, null, Audit(caller, "entitlement.object", e)));

    public Task<EntitlementRecord> ResolveObjectionAsync(string id, bool uphold, string resolution, Caller caller, string policyTitle, CancellationToken cancellationToken) =>
        CommandAsync(id, caller, cancellationToken, e =>
        {
            var now = clock.GetUtcNow();
            var (t, b) = Messages.StatusChanged(policyTitle, uphold ? $"异议成立，已撤销：{resolution}" : $"异议未成立，已确认：{resolution}");
            // A dismissed objection confirms the entitlement, unless it has come to rest on claims meanwhile: then they are checked first.
            var dismissedTo = e.Basis == Basis.SelfDeclared ? StoredStatus.AwaitingVerification : StoredStatus.Confirmed;
            return Transition(e, [StoredStatus.Objected],
                e with { Status = uphold ? StoredStatus.Revoked : dismissedTo, Resolution = resolution, UpdatedAt = now },
                Notice(e, "status_changed", t, b, now, uphold ? "objection_upheld" : "objection_dismissed"),
                Audit(caller, uphold ? "entitlement.objection_upheld" : "entitlement.objection_dismissed", e));
        });

    /// <summary>
    /// Staff verified the claims an entitlement rested on (they are staff facts now): it proceeds to 公示. If the pass that
    /// followed the new facts moved it already, the officer's decision is recorded all the same.
    /// </summary>
    public async Task<EntitlementRecord> VerifyAsync(EntitlementRecord e, string policyTitle, IReadOnlyList<string> claims, string detail, Caller caller, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var step = Transition(e, [StoredStatus.AwaitingVerification],
            e with { Status = StoredStatus.Matched, Basis = Basis.Verified, Claims = [], UpdatedAt = now },
            Notice(e, "verification", Messages.Verified(policyTitle, claims), now, "verified"),
            Audit(caller, "entitlement.verify", e) with { Detail = detail });
        if ((await ApplyAsync([step], cancellationToken)).Count > 0)
        {
            return step.Transition!.To;
        }

        var current = await store.GetEntitlementAsync(e.Id, cancellationToken);
        if (current is { Basis: Basis.Verified } && current.Status is StoredStatus.Matched or StoredStatus.Publicized)
        {
            await store.AppendAuditAsync(Audit(caller, "entitlement.verify", e) with { Detail = detail }, cancellationToken);
            return current;
        }

        throw new EntitlementRefusedException("entitlement.state", $"当前状态（{StatusName(current?.Status ?? e.Status)}）不允许此操作");
    }

    /// <summary>Staff rejected the claims: the entitlement is revoked with the reason, the enterprise told; the claims stay claims.</summary>
    public Task<EntitlementRecord> RejectAsync(string id, string policyTitle, string reason, string detail, Caller caller, CancellationToken cancellationToken) =>
        CommandAsync(id, caller, cancellationToken, e =>
        {
            var now = clock.GetUtcNow();
            return Transition(e, [StoredStatus.AwaitingVerification],
                e with { Status = StoredStatus.Revoked, Resolution = RejectedPrefix + reason, UpdatedAt = now },
                Notice(e, "verification", Messages.VerificationRejected(policyTitle, e.Claims, reason), now, $"rejected-{now.ToUnixTimeMilliseconds()}"),
                Audit(caller, "entitlement.reject", e) with { Detail = detail });
        });

    public Task<EntitlementRecord> DisburseAsync(string id, string reference, Caller caller, string policyTitle, CancellationToken cancellationToken) =>
        CommandAsync(id, caller, cancellationToken, e => IsPaidWith(e, reference)
            ? null // sent again after a timeout: done, as a payment file treats it
            : RefusalOf(e) is { } refused
                ? throw new EntitlementRefusedException(refused.Code, refused.Message)
                : Disburse(e, reference, caller, policyTitle, clock.GetUtcNow()));

    /// <summary>Disbursed already with this very payment reference: a payment sent again.</summary>
    private static bool IsPaidWith(EntitlementRecord e, string reference) => e is { Status: StoredStatus.Disbursed } && e.PaymentReference == reference;

    /// <summary>Why an entitlement cannot be paid (one payment or a line of a payment file), or null when it can.</summary>
    private static DisbursementRefusal? RefusalOf(EntitlementRecord e) => e switch
    {
        { Status: StoredStatus.Disbursed } => new(e.Id, "entitlement.paid_elsewhere", $"已按支付流水号 {e.PaymentReference} 拨付"),
        _ when e.Basis == Basis.SelfDeclared || e.Status == StoredStatus.AwaitingVerification => new(e.Id, "entitlement.unverified", "依据企业自报信息，须先核验"),
        { Status: not StoredStatus.Approved } => new(e.Id, "entitlement.state", $"当前状态（{StatusName(e.Status)}）不能拨付"),
        _ => null,
    };

    private static EntitlementRefusedException Unverified(IReadOnlyList<string> ids) =>
        new("entitlement.unverified", $"以下资金依据企业自报信息，须先核验：{string.Join("、", ids.Take(5))}{(ids.Count > 5 ? $" 等 {ids.Count} 笔" : "")}");

    /// <summary>
    /// A payment file of one policy: every approved entitlement named becomes disbursed with its reference. One already
    /// disbursed with the same reference counts as done, so a file sent again changes nothing; anything else is
    /// refused on its own line, never the whole file.
    /// </summary>
    public async Task<DisbursementResult> DisburseBatchAsync(Policy policy, IReadOnlyList<(string Id, string Reference)> payments, Caller caller, CancellationToken cancellationToken)
    {
        var named = payments.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var held = (await store.QueryEntitlementsAsync(new EntitlementQuery(PolicyId: policy.Id), cancellationToken))
            .Where(e => named.Contains(e.Id)).ToDictionary(e => e.Id, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var outcomes = new Dictionary<string, object>(StringComparer.Ordinal); // id → the record disbursed, or the refusal
        var changes = new List<WorkflowChange>();
        foreach (var (id, reference) in payments)
        {
            if (!held.TryGetValue(id, out var e))
            {
                outcomes[id] = new DisbursementRefusal(id, "not_found", "不是本政策的资金记录");
            }
            else if (IsPaidWith(e, reference))
            {
                outcomes[id] = e;
            }
            else if (RefusalOf(e) is { } refused)
            {
                outcomes[id] = refused;
            }
            else
            {
                changes.Add(Disburse(e, reference, caller, policy.Title, now));
            }
        }

        var applied = (await ApplyAsync(changes, cancellationToken)).Select(c => c.Transition!.To).ToDictionary(e => e.Id, StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var id = change.Transition!.To.Id;
            outcomes[id] = applied.TryGetValue(id, out var done) ? done : new DisbursementRefusal(id, "entitlement.state", "状态已变化（可能已由他人处理），请刷新后重试");
        }

        var disbursed = payments.Select(p => outcomes[p.Id]).OfType<EntitlementRecord>().ToList();
        return new DisbursementResult(disbursed, disbursed.Sum(e => e.ApprovedAmountFen ?? e.AmountFen ?? 0),
            [.. payments.Select(p => outcomes[p.Id]).OfType<DisbursementRefusal>()]);
    }

    private WorkflowChange Disburse(EntitlementRecord e, string reference, Caller caller, string policyTitle, DateTimeOffset now)
    {
        var (t, b) = Messages.Disbursed(policyTitle, e.ApprovedAmountFen ?? e.AmountFen, reference);
        return Transition(e, [StoredStatus.Approved], e with { Status = StoredStatus.Disbursed, PaymentReference = reference, UpdatedAt = now },
            Notice(e, "disbursed", t, b, now, "disbursed"), Audit(caller, "entitlement.disburse", e));
    }

    /// <summary>
    /// Approves confirmed entitlements of a policy (the given ones, or all). When they would take the approved total
    /// over the budget, each amount is scaled by floor(amount × remaining ÷ total) (按比例核减, ELIGIBILITY.md §5);
    /// the store re-checks the budget in the same transaction, so concurrent approvals cannot overspend it.
    /// </summary>
    public async Task<ApprovalResult> ApproveAsync(Policy policy, IReadOnlyCollection<string> ids, Caller caller, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ApproveOnceAsync(policy, ids, caller, cancellationToken);
            }
            catch (BudgetExceededException) when (attempt < 3)
            {
                // Another approval of this policy committed first: recompute the remaining budget.
            }
        }
    }

    private async Task<ApprovalResult> ApproveOnceAsync(Policy policy, IReadOnlyCollection<string> ids, Caller caller, CancellationToken cancellationToken)
    {
        var all = await store.QueryEntitlementsAsync(new EntitlementQuery(PolicyId: policy.Id), cancellationToken);
        // TRUST.md §4: nothing resting on claims is approved; named ones are refused, the rest are listed as waiting.
        bool RestsOnClaims(EntitlementRecord e) => e.Status == StoredStatus.AwaitingVerification || (e.Basis == Basis.SelfDeclared && BeforeApproval.Contains(e.Status));
        var confirmed = all.Where(e => e.Status == StoredStatus.Confirmed && e.Basis == Basis.Verified).ToList();
        var waitingForVerification = all.Where(RestsOnClaims).Select(e => e.Id).Order(StringComparer.Ordinal).ToList();
        if (ids.Count > 0)
        {
            var byId = all.ToDictionary(e => e.Id, StringComparer.Ordinal);
            var unverified = ids.Where(id => byId.TryGetValue(id, out var e) && RestsOnClaims(e)).ToList();
            if (unverified.Count > 0)
            {
                throw Unverified(unverified);
            }

            waitingForVerification = [];
            var wrong = ids.Where(id => !byId.TryGetValue(id, out var e) || e.Status != StoredStatus.Confirmed).ToList();
            if (wrong.Count > 0)
            {
                throw new EntitlementRefusedException("entitlement.not_confirmed", $"以下资金不是本政策已确认的待审核资金：{string.Join("、", wrong.Take(5))}");
            }

            var wanted = ids.ToHashSet(StringComparer.Ordinal);
            confirmed = confirmed.Where(e => wanted.Contains(e.Id)).ToList();
        }

        // An amount that cannot be computed yet (a figure is missing) is not approved; staff are told which ones wait.
        var waiting = confirmed.Where(e => e.AmountFen is null).Select(e => e.Id).Order(StringComparer.Ordinal).ToList();
        var batch = confirmed.Where(e => e.AmountFen is not null).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        if (batch.Count == 0)
        {
            return new ApprovalResult([], 0, false, waiting, waitingForVerification);
        }

        var approvedBefore = all.Where(e => e.Status is StoredStatus.Approved or StoredStatus.Disbursed).Sum(e => e.ApprovedAmountFen ?? 0);
        var total = batch.Sum(e => e.AmountFen!.Value);
        var remaining = policy.BudgetFen is { } budget ? budget - approvedBefore : long.MaxValue;
        if (remaining <= 0)
        {
            throw new EntitlementRefusedException("policy.budget_exhausted", "该政策预算已用完");
        }

        var prorated = total > remaining;
        var now = clock.GetUtcNow();
        var changes = batch.Select(e =>
        {
            var amount = prorated ? (long)((Int128)e.AmountFen!.Value * remaining / total) : e.AmountFen!.Value;
            var (t, b) = Messages.StatusChanged(policy.Title, prorated ? $"已审核通过，按比例核减后为 {Domain.Explanation.Money.Format(amount)}" : "已审核通过，等待拨付");
            // Approved on the amount read here: if the facts changed it meanwhile, this one is left for the next batch.
            return new WorkflowChange(
                Transition: new EntitlementTransition([StoredStatus.Confirmed], e with { Status = StoredStatus.Approved, ApprovedAmountFen = amount, UpdatedAt = now }, new AmountCheck(e.AmountFen)),
                Notification: Notice(e, "status_changed", t, b, now, "approved"),
                Audit: Audit(caller, prorated ? "entitlement.approve_prorated" : "entitlement.approve", e));
        }).ToList();
        var applied = await ApplyAsync(changes, cancellationToken, policy.BudgetFen is { } cap ? new BudgetGuard(policy.Id, cap) : null);
        var records = applied.Select(c => c.Transition!.To).ToList();
        return new ApprovalResult(records, records.Sum(r => r.ApprovedAmountFen ?? 0), prorated, waiting, waitingForVerification);
    }

    // ---- building steps ----

    /// <summary>A new entitlement: matched, or awaiting verification when the answer rests on claims (TRUST.md §4).</summary>
    private WorkflowChange Create(Policy policy, string period, Domain.Profiles.EnterpriseProfile profile, long? amount, Basis basis, IReadOnlyList<string> claims, DateTimeOffset now)
    {
        var id = EntitlementIdOf(profile.Uscc, policy.Id, period);
        var onClaims = basis == Basis.SelfDeclared;
        var record = new EntitlementRecord(id, profile.Uscc, policy.Id, policy.Version, period, onClaims ? StoredStatus.AwaitingVerification : StoredStatus.Matched, amount, now, now,
            profile.Region, profile.TechDomains is { } domains ? string.Join(',', domains) : null, profile.Name)
        {
            Basis = basis,
            Claims = onClaims ? [.. claims] : [],
        };
        var (title, body) = onClaims
            ? Messages.AwaitingVerification(policy.Title, amount, policy.Benefit.Field, claims)
            : Messages.NewEntitlement(policy.Title, amount, policy.Benefit.Field);
        return new WorkflowChange(
            Create: record,
            Notification: new NotificationRecord(NotificationIdOf($"new|{id}"), profile.Uscc, "new_entitlement", title, body, policy.Id, false, now, id,
                MissingAmountFields(policy, amount)),
            Audit: new AuditEntry(SystemActor, SystemRole, "entitlement.match", policy.Id, policy.Version, $"{id} {profile.Uscc}", ProfileJson.Fingerprint(profile)));
    }

    private static NotificationRecord MissingFieldsNotice(Policy policy, string uscc, IReadOnlyList<string> fields, DateTimeOffset now)
    {
        var (title, body) = Messages.MissingFields(policy.Title, fields);
        // Once per enterprise × policy version × set of missing facts: asking again only when the question changes.
        var id = NotificationIdOf($"missing|{uscc}|{policy.Id}|{policy.Version}|{string.Join(',', fields)}");
        return new NotificationRecord(id, uscc, "missing_fields", title, body, policy.Id, false, now, null, fields);
    }

    /// <summary>
    /// Revoked by a profile change (not by an upheld objection, which has a resolution): when the facts change back,
    /// the same entitlement starts again rather than the enterprise losing it for good.
    /// </summary>
    /// <remarks>
    /// Also one whose claims staff rejected, once its answer no longer rests on claims (the field's owner sent the facts):
    /// the rejection was of the claims, not of the enterprise.
    /// </remarks>
    private static bool IsReinstatable(EntitlementRecord? e, Basis basis) =>
        e is { Status: StoredStatus.Revoked } && (e.Resolution is null || (basis == Basis.Verified && e.Resolution.StartsWith(RejectedPrefix, StringComparison.Ordinal)));

    private WorkflowChange Reinstate(EntitlementRecord e, Policy policy, long? amount, Basis basis, IReadOnlyList<string> claims, DateTimeOffset now)
    {
        var onClaims = basis == Basis.SelfDeclared;
        var (t, b) = onClaims ? Messages.AwaitingVerification(policy.Title, amount, policy.Benefit.Field, claims) : Messages.NewEntitlement(policy.Title, amount, policy.Benefit.Field);
        return Transition(e, [StoredStatus.Revoked],
            e with { Status = onClaims ? StoredStatus.AwaitingVerification : StoredStatus.Matched, AmountFen = amount, PublicityEndsOn = null, Resolution = null, UpdatedAt = now, Basis = basis, Claims = onClaims ? [.. claims] : [] },
            Notice(e, "new_entitlement", t, b, now, $"reinstated-{now.ToUnixTimeMilliseconds()}") with { MissingFields = MissingAmountFields(policy, amount) },
            Audit(SystemActor, SystemRole, "entitlement.reinstate", e));
    }

    /// <summary>
    /// Until approval an entitlement follows the facts: the amount (a missing figure arrived, a base changed) and what it
    /// rests on (TRUST.md §4) — an answer that no longer rests on claims (the field's owner confirmed them, or staff
    /// verified them) lets it proceed to 公示; one that comes to rest on claims goes back to verification. Applies only
    /// while the row still has the amount it was computed from, so two passes cannot both tell the enterprise.
    /// </summary>
    private WorkflowChange? Follow(EntitlementRecord e, Policy policy, long? amount, Basis basis, IReadOnlyList<string> claims, DateTimeOffset now)
    {
        if (!BeforeApproval.Contains(e.Status))
        {
            return null;
        }

        var status = (e.Status, basis) switch
        {
            (StoredStatus.AwaitingVerification, Basis.Verified) => StoredStatus.Matched,
            (var s, Basis.SelfDeclared) when Unverifiable.Contains(s) => StoredStatus.AwaitingVerification,
            var (s, _) => s,
        };
        var held = basis == Basis.SelfDeclared ? claims : [];
        if (status == e.Status && amount == e.AmountFen && basis == e.Basis && held.SequenceEqual(e.Claims))
        {
            return null;
        }

        var to = e with { Status = status, AmountFen = amount, Basis = basis, Claims = [.. held], UpdatedAt = now, PublicityEndsOn = status == e.Status ? e.PublicityEndsOn : null };
        var step = $"{amount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}-{basis.Name()}-{now.ToUnixTimeMilliseconds()}";
        var (what, notice) = status switch
        {
            StoredStatus.Matched when e.Status == StoredStatus.AwaitingVerification =>
                ("entitlement.verified", Notice(e, "verification", Messages.Verified(policy.Title, e.Claims), now, step)),
            StoredStatus.AwaitingVerification when e.Status != StoredStatus.AwaitingVerification =>
                ("entitlement.await_verification", Notice(e, "verification", Messages.AwaitingVerification(policy.Title, amount, policy.Benefit.Field, held), now, step)),
            _ when amount != e.AmountFen =>
                ("entitlement.amount", Notice(e, "amount_changed", Messages.AmountChanged(policy.Title, amount, policy.Benefit.Field), now, step) with { MissingFields = MissingAmountFields(policy, amount) }),
            _ => ("entitlement.basis", null),
        };
        return new WorkflowChange(
            Transition: new EntitlementTransition([e.Status], to, new AmountCheck(e.AmountFen)),
            Notification: notice,
            Audit: Audit(SystemActor, SystemRole, what, e) with { Detail = BasisDetail(e, to) });
    }

    private static string BasisDetail(EntitlementRecord from, EntitlementRecord to) => AuditDetail.Of(new
    {
        from = new { status = from.Status.Name(), amountFen = from.AmountFen, basis = from.Basis.Name(), claims = from.Claims },
        to = new { status = to.Status.Name(), amountFen = to.AmountFen, basis = to.Basis.Name(), claims = to.Claims },
    });

    private static NotificationRecord Notice(EntitlementRecord e, string kind, (string Title, string Body) text, DateTimeOffset now, string step) =>
        Notice(e, kind, text.Title, text.Body, now, step);

    /// <summary>An eligible enterprise whose amount cannot be computed is asked for the benefit's figure (the app shows the field to fill).</summary>
    private static IReadOnlyList<string>? MissingAmountFields(Policy policy, long? amount) =>
        amount is null && policy.Benefit.Field is { } field ? [field] : null;

    private WorkflowChange Revoke(EntitlementRecord e, string title, DateTimeOffset now)
    {
        var (t, b) = Messages.StatusChanged(title, "企业信息变化后不再符合条件，已撤销");
        return Transition(e, BeforeApproval, e with { Status = StoredStatus.Revoked, UpdatedAt = now },
            Notice(e, "status_changed", t, b, now, "revoked"), Audit(SystemActor, SystemRole, "entitlement.revoke", e));
    }

    private static WorkflowChange Transition(EntitlementRecord from, IReadOnlyCollection<StoredStatus> fromStatuses, EntitlementRecord to, NotificationRecord? notification, AuditEntry audit) =>
        new(Transition: new EntitlementTransition(fromStatuses, to), Notification: notification, Audit: audit);

    private static NotificationRecord Notice(EntitlementRecord e, string kind, string title, string body, DateTimeOffset now, string step) =>
        new(NotificationIdOf($"{kind}|{e.Id}|{step}"), e.Uscc, kind, title, body, e.PolicyId, false, now, e.Id);

    private AuditEntry Audit(Caller caller, string what, EntitlementRecord e) => Audit(caller.Name, caller.Role, what, e);

    private AuditEntry Audit(string who, string role, string what, EntitlementRecord e) =>
        new(who, role, what, e.PolicyId, e.PolicyVersion, $"{e.Id} {e.Uscc}", index.GetProfile(e.Uscc) is { } p ? ProfileJson.Fingerprint(p) : null);

    private async Task<EntitlementRecord> CommandAsync(string id, Caller caller, CancellationToken cancellationToken, Func<EntitlementRecord, WorkflowChange?> step)
    {
        var current = await store.GetEntitlementAsync(id, cancellationToken) ?? throw new EntitlementRefusedException("not_found", "资金记录不存在");
        if (step(current) is not { } change)
        {
            return current;
        }

        if ((await ApplyAsync([change], cancellationToken)).Count == 0)
        {
            var now = await store.GetEntitlementAsync(id, cancellationToken);
            throw new EntitlementRefusedException("entitlement.state", $"当前状态（{StatusName(now?.Status ?? current.Status)}）不允许此操作");
        }

        return change.Transition!.To;
    }

    public static string StatusName(StoredStatus status) => status switch
    {
        StoredStatus.Matched => "已匹配",
        StoredStatus.Publicized => "公示中",
        StoredStatus.Confirmed => "已确认",
        StoredStatus.Objected => "有异议",
        StoredStatus.Approved => "已审核",
        StoredStatus.Disbursed => "已拨付",
        StoredStatus.AwaitingVerification => "待核验",
        _ => "已撤销",
    };

    /// <summary>Applies in batches (one transaction each) and tells the watchers what applied.</summary>
    private async Task<IReadOnlyList<WorkflowChange>> ApplyAsync(List<WorkflowChange> changes, CancellationToken cancellationToken, BudgetGuard? guard = null)
    {
        var applied = new List<WorkflowChange>();
        foreach (var batch in changes.Chunk(guard is null ? options.BatchSize : int.MaxValue))
        {
            var done = await store.ApplyAsync(batch, cancellationToken, guard);
            applied.AddRange(done);
            WorkflowMetrics.CountWorkflowSteps(done.Select(c => c.Audit?.What ?? "notification"));
            await events.PublishAsync([.. done.Select(c =>
            {
                var e = c.Create ?? c.Transition?.To;
                var n = c.Notification;
                return new EntitlementChanged(e?.Uscc ?? n!.Uscc, e?.PolicyId ?? n!.PolicyId ?? "", e?.Id, n?.Id);
            })]);
        }

        if (applied.Count > 0)
        {
            logger.LogDebug("workflow: {Applied} of {Total} steps applied", applied.Count, changes.Count);
        }

        return applied;
    }
}

/// <summary>
/// What a matching pass did: entitlements created (or started again), enterprises asked for facts, entitlements revoked,
/// amounts that followed changed facts. Read from the audit record each applied step wrote.
/// </summary>
public sealed record ReconcileSummary(int Created, int Asked, int Revoked, int Repriced = 0)
{
    public static ReconcileSummary Of(IReadOnlyList<WorkflowChange> applied) => new(
        applied.Count(c => c.Create is not null || c.Audit?.What == "entitlement.reinstate"),
        applied.Count(c => c.Create is null && c.Transition is null),
        applied.Count(c => c.Audit?.What == "entitlement.revoke"),
        applied.Count(c => c.Audit?.What == "entitlement.amount"));

    public static ReconcileSummary operator +(ReconcileSummary a, ReconcileSummary b) =>
        new(a.Created + b.Created, a.Asked + b.Asked, a.Revoked + b.Revoked, a.Repriced + b.Repriced);
}

/// <summary>What a payment file did: the entitlements it disbursed (or found disbursed with the same reference), and each one refused.</summary>
public sealed record DisbursementResult(IReadOnlyList<EntitlementRecord> Disbursed, long DisbursedTotalFen, IReadOnlyList<DisbursementRefusal> Refused);

public sealed record DisbursementRefusal(string EntitlementId, string Code, string Message);

/// <summary>What one approval did; <see cref="WaitingForAmount"/>: confirmed entitlements left out because their amount cannot be computed yet.</summary>
public sealed record ApprovalResult(IReadOnlyList<EntitlementRecord> Approved, long ApprovedTotalFen, bool Prorated, IReadOnlyList<string> WaitingForAmount,
    IReadOnlyList<string> WaitingForVerification);
