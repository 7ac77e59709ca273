using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Huiqi.Application.Callers;
using Huiqi.Application.Entitlements;
using Huiqi.Domain.Common;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using StoredStatus = Huiqi.Storage.Store.EntitlementStatus;

namespace Huiqi.Application.Verification;

/// <summary>One claim an entitlement rests on, with its value and who declared it.</summary>
public sealed record ClaimedFact(string Field, string? ValueJson, string? ValueText, FieldProvenance? Provenance);

/// <summary>An item of the verification queue: an entitlement awaiting verification with its claims, or a correction request.</summary>
public sealed record VerificationItem(string Id, EntitlementRecord? Entitlement, IReadOnlyList<ClaimedFact> Claims, CorrectionRecord? Correction)
{
    public string Uscc => Entitlement?.Uscc ?? Correction!.Uscc;
}

/// <summary>A request the desk refuses: bad input (400), or not in a state to decide (409).</summary>
public sealed class VerificationRefusedException(string code, string message, string? field = null, bool conflict = false) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
    public bool IsConflict { get; } = conflict;
}

/// <summary>
/// Verification before money (TRUST.md §4): the queue of entitlements whose answer rests on claims and of correction
/// requests, and the decisions on them. Verifying turns each claim used into a staff fact (officer, time, evidence)
/// through <see cref="ProfileWriter"/>, so the overwrite rules and the audit of replaced values apply as everywhere;
/// every decision is an audit record with the claims' values. Authorization: an entitlement is decided by staff
/// governing its policy, a correction by staff whose jurisdiction covers the enterprise, and admin.
/// </summary>
public sealed class VerificationDesk(IStore store, EligibilityIndex index, ProfileCache profiles, ProfileWriter writer, EntitlementWorkflow workflow, TimeProvider clock)
{
    public const int MaxReason = 500, MaxEvidence = 200;

    public static bool IsCorrectionId(string id) => id.StartsWith("cor-", StringComparison.Ordinal);

    /// <summary>What the caller may decide, in id order after <paramref name="afterId"/>.</summary>
    public async Task<(IReadOnlyList<VerificationItem> Items, string? Next)> ListAsync(Caller caller, bool entitlements, bool corrections, string? policyId, string? afterId, int limit, CancellationToken cancellationToken)
    {
        var items = new List<VerificationItem>();
        if (corrections && policyId is null)
        {
            var rows = await store.QueryCorrectionsAsync(new CorrectionQuery(CorrectionStatus.Pending, RegionPrefix: caller.IsAdmin ? null : caller.JurisdictionPrefix ?? "-", AfterId: afterId, Limit: limit + 1), cancellationToken);
            items.AddRange(rows.Where(c => caller.IsAdmin || caller.Covers(c.Region)).Select(c => new VerificationItem(c.Id, null, [], c)));
        }

        if (entitlements)
        {
            // Keyset pages of the store, kept to the policies the caller governs, until this page is full.
            var governed = index.Policies.Where(p => caller.Governs(p.Jurisdiction)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            var found = new List<EntitlementRecord>();
            for (var after = afterId; found.Count <= limit;)
            {
                var rows = await store.QueryEntitlementsAsync(new EntitlementQuery(PolicyId: policyId, Statuses: [StoredStatus.AwaitingVerification], AfterId: after, Limit: 500), cancellationToken);
                found.AddRange(rows.Where(e => governed.Contains(e.PolicyId)));
                if (rows.Count < 500)
                {
                    break;
                }

                after = rows[^1].Id;
            }

            foreach (var e in found.Take(limit + 1))
            {
                items.Add(new VerificationItem(e.Id, e, await ClaimsAsync(e.Uscc, e.Claims, cancellationToken), null));
            }
        }

        var page = items.OrderBy(i => i.Id, StringComparer.Ordinal).Take(limit + 1).ToList();
        return page.Count > limit ? (page[..limit], page[limit - 1].Id) : (page, null);
    }

    /// <summary>Verify an entitlement's claims (they become staff facts) or accept a correction (the proposed value becomes one).</summary>
    public async Task<VerificationItem> VerifyAsync(Caller caller, string id, string evidence, CancellationToken cancellationToken)
    {
        if (IsCorrectionId(id))
        {
            return await DecideCorrectionAsync(caller, id, accept: true, reason: evidence, evidence, cancellationToken);
        }

        var (e, policy) = await GovernedAsync(caller, id, cancellationToken);
        // Exactly the claims the outcome rests on now (the queue may be older than the facts).
        var answer = index.MatchEnterprise(e.Uscc, Dates.TodayInChina(clock))?.FirstOrDefault(a => a.PolicyId == e.PolicyId);
        IReadOnlyList<string> claims = answer is { Basis: Basis.SelfDeclared } ? [.. answer.Claims] : [];
        var facts = await ClaimsAsync(e.Uscc, claims, cancellationToken);
        if (claims.Count > 0 && index.GetProfile(e.Uscc) is { } profile)
        {
            // The same values, now from staff with the evidence: a later claim can no longer replace them (TRUST.md §2).
            await writer.WriteAsync([new ProfileChange(profile, claims)], ProfileSource.Staff, caller.Name, cancellationToken, evidence);
        }

        var done = await workflow.VerifyAsync(e, policy.Title, claims, Detail(facts, evidence: evidence), caller, cancellationToken);
        await workflow.StartPublicityAsync(cancellationToken); // verified: into 公示 now, not at the next tick of the clock
        return new VerificationItem(done.Id, done, facts, null);
    }

    /// <summary>Reject an entitlement's claims (it is revoked, the claims stay claims) or refuse a correction (the value stays).</summary>
    public async Task<VerificationItem> RejectAsync(Caller caller, string id, string reason, CancellationToken cancellationToken)
    {
        if (IsCorrectionId(id))
        {
            return await DecideCorrectionAsync(caller, id, accept: false, reason, evidence: null, cancellationToken);
        }

        var (e, policy) = await GovernedAsync(caller, id, cancellationToken);
        var facts = await ClaimsAsync(e.Uscc, e.Claims, cancellationToken);
        var done = await workflow.RejectAsync(e.Id, policy.Title, reason, Detail(facts, reason: reason), caller, cancellationToken);
        return new VerificationItem(done.Id, done, facts, null);
    }

    /// <summary>
    /// The enterprise contests a fact it may not overwrite (TRUST.md §2.1): a partner or staff value, or a field never
    /// self-declared. A retry of the same request while it is pending answers the same request.
    /// </summary>
    public async Task<CorrectionRecord> RequestCorrectionAsync(Caller caller, string uscc, string field, EnterpriseProfile proposed, string reason, CancellationToken cancellationToken)
    {
        var stored = await profiles.GetAsync(uscc, cancellationToken) ?? throw new VerificationRefusedException("not_found", "企业画像不存在");
        var current = stored.Provenance.GetValueOrDefault(field);
        if (!FactAuthority.NotDeclarable.Contains(field) && current is null or { Source: ProfileSource.SelfDeclared })
        {
            throw new VerificationRefusedException("correction.not_needed", $"“{Domain.Criteria.FieldCatalog.LabelOf(field)}”可以直接在企业信息中修改，无需提交更正申请", "field");
        }

        var proposedJson = ProfileJson.FieldValueJson(proposed, field) ?? "null";
        if (proposedJson == (ProfileJson.FieldValueJson(stored.Profile, field) ?? "null"))
        {
            throw new VerificationRefusedException("correction.unchanged", "申请更正的值与现有数据相同", "value");
        }

        var pending = await store.QueryCorrectionsAsync(new CorrectionQuery(CorrectionStatus.Pending, Uscc: uscc), cancellationToken);
        if (pending.FirstOrDefault(c => c.Field == field && c.ProposedJson == proposedJson && c.Reason == reason) is { } same)
        {
            return same;
        }

        var now = clock.GetUtcNow();
        var record = new CorrectionRecord(
            "cor-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{uscc}|{field}|{proposedJson}|{reason}|{now.ToUnixTimeMilliseconds()}|{Guid.NewGuid()}")))[..24],
            uscc, stored.Profile.Region, field, ProfileJson.FieldValueJson(stored.Profile, field), current, proposedJson, reason, CorrectionStatus.Pending, now);
        var audit = new AuditEntry(caller.Name, caller.Role, "correction.request", null, null, $"{record.Id} {uscc}", stored.Fingerprint)
        {
            Detail = AuditDetail.Of(new { field, current = Raw(record.CurrentJson), currentSource = current?.Source.Name(), currentBy = current?.By, proposed = Raw(proposedJson), reason }),
        };
        await store.ApplyCorrectionAsync(new CorrectionChange(record, null, null, audit), cancellationToken);
        return record;
    }

    private async Task<VerificationItem> DecideCorrectionAsync(Caller caller, string id, bool accept, string reason, string? evidence, CancellationToken cancellationToken)
    {
        var correction = await store.GetCorrectionAsync(id, cancellationToken);
        if (correction is null && caller.IsAdmin)
        {
            throw new VerificationRefusedException("not_found", "更正申请不存在");
        }

        if (correction is null || !(caller.IsAdmin || caller.Covers(correction.Region)))
        {
            throw new AccessDeniedException(); // outside the jurisdiction, or not there: the same answer
        }

        if (correction.Status != CorrectionStatus.Pending)
        {
            throw new VerificationRefusedException("correction.decided", "该更正申请已处理", conflict: true);
        }

        var now = clock.GetUtcNow();
        if (accept)
        {
            var patch = ProfileJson.Read(JsonDocument.Parse($"{{\"{ProfileJson.MemberOfField(correction.Field)}\":{correction.ProposedJson}}}").RootElement, correction.Uscc);
            if (correction.Field == Domain.Criteria.FieldCatalog.Region && caller.IsStaff && !caller.Covers(patch.Region))
            {
                throw new AccessDeniedException(); // staff may not move an enterprise out of their own jurisdiction
            }

            await writer.WriteAsync([new ProfileChange(patch, [correction.Field])], ProfileSource.Staff, caller.Name, cancellationToken, evidence);
        }

        var decided = correction with
        {
            Status = accept ? CorrectionStatus.Accepted : CorrectionStatus.Refused,
            DecidedBy = caller.Name, Decision = reason, EvidenceReference = evidence, DecidedAt = now,
        };
        var (title, body) = Messages.CorrectionDecided(correction.Field, accept, reason);
        var notice = new NotificationRecord("ntf-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"correction|{id}")))[..24],
            correction.Uscc, "verification", title, body, null, false, now);
        var audit = new AuditEntry(caller.Name, caller.Role, accept ? "correction.accept" : "correction.refuse", null, null, $"{id} {correction.Uscc}", null)
        {
            Detail = AuditDetail.Of(new { field = correction.Field, before = Raw(correction.CurrentJson), proposed = Raw(correction.ProposedJson), reason, evidence }),
        };
        if (!await store.ApplyCorrectionAsync(new CorrectionChange(decided, CorrectionStatus.Pending, notice, audit), cancellationToken))
        {
            throw new VerificationRefusedException("correction.decided", "该更正申请已由他人处理", conflict: true);
        }

        return new VerificationItem(id, null, [], decided);
    }

    private async Task<(EntitlementRecord Entitlement, Policy Policy)> GovernedAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var e = await store.GetEntitlementAsync(id, cancellationToken);
        var policy = e is null ? null : index.Policies.FirstOrDefault(p => p.Id == e.PolicyId);
        if ((e is null || policy is null) && caller.IsAdmin)
        {
            throw new VerificationRefusedException("not_found", "资金记录不存在");
        }

        if (e is null || policy is null || !caller.Governs(policy.Jurisdiction))
        {
            throw new AccessDeniedException();
        }

        if (e.Status != StoredStatus.AwaitingVerification)
        {
            throw new VerificationRefusedException("entitlement.state", $"当前状态（{EntitlementWorkflow.StatusName(e.Status)}）不需要核验", conflict: true);
        }

        return (e, policy);
    }

    private async Task<IReadOnlyList<ClaimedFact>> ClaimsAsync(string uscc, IReadOnlyList<string> fields, CancellationToken cancellationToken)
    {
        if (fields.Count == 0)
        {
            return [];
        }

        var stored = await profiles.GetAsync(uscc, cancellationToken);
        var today = Dates.TodayInChina(clock);
        return [.. fields.Select(f => new ClaimedFact(f,
            stored is null ? null : ProfileJson.FieldValueJson(stored.Profile, f),
            stored is null ? null : Domain.Explanation.ConditionText.DisplayValue(f, stored.Profile, today),
            stored?.Provenance.GetValueOrDefault(f)))];
    }

    /// <summary>The audit record's detail: the claims with their values and declarers, and the officer's evidence or reason.</summary>
    private static string Detail(IReadOnlyList<ClaimedFact> facts, string? evidence = null, string? reason = null) => AuditDetail.Of(new
    {
        claims = facts.Select(f => new { field = f.Field, value = Raw(f.ValueJson), by = f.Provenance?.By, at = f.Provenance?.ChangedAt.ToUnixTimeMilliseconds() }),
        evidence,
        reason,
    });

    private static JsonElement? Raw(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The audit log's hash chain recomputed link by link (docs/workflow.md): staff and admin may ask.</summary>
    public Task<AuditVerification> VerifyAuditChainAsync(Caller caller, CancellationToken cancellationToken) =>
        caller.IsStaff || caller.IsAdmin ? AuditChain.VerifyAsync(store.ReadAuditAsync(cancellationToken), cancellationToken) : throw new AccessDeniedException();
}
