using Huiqi.Application.Callers;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Matching;
using Huiqi.Storage.Store;

namespace Huiqi.Application.Policies;

/// <summary>What went wrong with a policy command, for the RPC layer to turn into a status.</summary>
public sealed class PolicyRefusedException(string code, string message, IReadOnlyList<ExampleFailure>? failures = null) : Exception(message)
{
    public string Code { get; } = code;
    public IReadOnlyList<ExampleFailure> Failures { get; } = failures ?? [];
}

/// <summary>
/// Drafts, versions, publishing and retiring. A change to a published policy makes the next version as a draft;
/// publishing runs the examples and refuses, naming the failing ones; every command is audited and reaches the
/// matching index here and, through the change feed, in the other instances.
/// </summary>
public sealed class PolicyWorkflow(IStore store, IndexSync index, TimeProvider clock)
{
    /// <summary>Staff whose jurisdiction covers the policy's, and admin, may write; the check comes before the document is read.</summary>
    public static void RequireWriter(Caller caller)
    {
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw new AccessDeniedException();
        }
    }

    public Task<PolicyRecord> CreateDraftAsync(Caller caller, PolicyJson.Document document, CancellationToken cancellationToken)
    {
        RequireWriter(caller);
        return caller.Governs(document.Policy.Jurisdiction) ? CreateDraftAsync(document, caller, cancellationToken) : throw new AccessDeniedException();
    }

    /// <param name="expectedEtag">Optional: the ETag the change was made against (ABORTED <c>policy.etag_mismatch</c> when the policy moved on).</param>
    public async Task<PolicyRecord> UpdateDraftAsync(Caller caller, PolicyJson.Document document, string expectedEtag, CancellationToken cancellationToken)
    {
        RequireWriter(caller);
        var latest = await store.GetPolicyAsync(document.Policy.Id, null, cancellationToken);
        if (latest is null || !caller.Governs(latest.Policy.Jurisdiction))
        {
            throw caller.IsAdmin ? new NotFoundException("政策") : new AccessDeniedException();
        }

        if (!caller.Governs(document.Policy.Jurisdiction))
        {
            throw new AccessDeniedException();
        }

        if (expectedEtag.Length > 0 && expectedEtag != PolicyEtags.Of(latest))
        {
            throw new RefusedException(RefusalKind.Aborted, "policy.etag_mismatch", "政策已被他人修改，请刷新后重试");
        }

        return await UpdateDraftAsync(document, caller, cancellationToken);
    }

    /// <param name="version">A draft version; null: the current one.</param>
    public async Task<PolicyRecord> PublishAsync(Caller caller, string policyId, int? version, CancellationToken cancellationToken)
    {
        RequireWriter(caller);
        var record = await store.GetPolicyAsync(policyId, version, cancellationToken);
        if (record is null || !caller.Governs(record.Policy.Jurisdiction))
        {
            throw caller.IsAdmin ? new NotFoundException("政策") : new AccessDeniedException();
        }

        return await PublishAsync(record, caller, cancellationToken);
    }

    /// <summary>Retires the version in force (the latest published one).</summary>
    public async Task<PolicyRecord> RetireAsync(Caller caller, string policyId, CancellationToken cancellationToken)
    {
        RequireWriter(caller);
        var versions = await store.ListPolicyVersionsAsync(policyId, cancellationToken);
        if (versions.Count == 0 || !caller.Governs(versions[^1].Policy.Jurisdiction))
        {
            throw caller.IsAdmin ? new NotFoundException("政策") : new AccessDeniedException();
        }

        var current = versions.LastOrDefault(v => v.Policy.Status == PolicyStatus.Published)
            ?? throw new PolicyRefusedException("policy.not_published", "只有已发布的政策可以停止执行");
        return await RetireAsync(current, caller, cancellationToken);
    }

    public async Task<PolicyRecord> CreateDraftAsync(PolicyJson.Document document, Caller caller, CancellationToken cancellationToken)
    {
        var id = document.Policy.Id.Length > 0 ? document.Policy.Id : $"p-{Guid.NewGuid():N}"[..14];
        if (await store.GetPolicyAsync(id, null, cancellationToken) is not null)
        {
            throw new PolicyRefusedException("policy.exists", $"政策编号“{id}”已存在");
        }

        var record = new PolicyRecord(document with { Policy = document.Policy with { Id = id, Version = 1, Status = PolicyStatus.Draft } }, clock.GetUtcNow(), caller.Name);
        await SaveAsync(record, caller, "policy.create", cancellationToken);
        return record;
    }

    public async Task<PolicyRecord> UpdateDraftAsync(PolicyJson.Document document, Caller caller, CancellationToken cancellationToken)
    {
        var latest = await store.GetPolicyAsync(document.Policy.Id, null, cancellationToken)
            ?? throw new PolicyRefusedException("policy.not_found", "政策不存在");
        var version = latest.Policy.Status == PolicyStatus.Draft ? latest.Policy.Version : latest.Policy.Version + 1;
        var record = new PolicyRecord(document with { Policy = document.Policy with { Version = version, Status = PolicyStatus.Draft } }, clock.GetUtcNow(), caller.Name);
        await SaveAsync(record, caller, version == latest.Policy.Version ? "policy.update_draft" : "policy.new_version", cancellationToken);
        return record;
    }

    public async Task<PolicyRecord> PublishAsync(PolicyRecord draft, Caller caller, CancellationToken cancellationToken)
    {
        if (draft.Policy.Status != PolicyStatus.Draft)
        {
            throw new PolicyRefusedException("policy.not_draft", "只有草稿可以发布");
        }

        var failures = PolicyExamples.Run(draft.Policy);
        if (failures.Count > 0)
        {
            throw new PolicyRefusedException("policy.examples_failed", string.Join("；", failures.Select(f => f.Message)), failures);
        }

        var now = clock.GetUtcNow();
        var published = draft with { Document = draft.Document with { Policy = draft.Policy with { Status = PolicyStatus.Published } }, PublishedAt = now };
        await SaveAsync(published, caller, "policy.publish", cancellationToken);
        return published;
    }

    public async Task<PolicyRecord> RetireAsync(PolicyRecord current, Caller caller, CancellationToken cancellationToken)
    {
        if (current.Policy.Status != PolicyStatus.Published)
        {
            throw new PolicyRefusedException("policy.not_published", "只有已发布的政策可以停止执行");
        }

        var retired = current with { Document = current.Document with { Policy = current.Policy with { Status = PolicyStatus.Retired } }, RetiredAt = clock.GetUtcNow() };
        await SaveAsync(retired, caller, "policy.retire", cancellationToken);
        return retired;
    }

    private async Task SaveAsync(PolicyRecord record, Caller caller, string what, CancellationToken cancellationToken)
    {
        await store.SavePolicyAsync(record, cancellationToken);
        await store.AppendAuditAsync(new AuditEntry(caller.Name, caller.Role, what, record.Policy.Id, record.Policy.Version, null, null), cancellationToken);
        await index.PoliciesChangedAsync(cancellationToken);
    }
}
