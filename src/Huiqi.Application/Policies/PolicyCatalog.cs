using Huiqi.Application.Callers;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Matching;
using Huiqi.Storage.Store;

namespace Huiqi.Application.Policies;

/// <summary>Which policies a list asks for (API.md's GET /v1/policies filters); empty strings mean "any".</summary>
public sealed record PolicyQuery(DateOnly AsOf, PolicyListStatus Status, string Jurisdiction = "", string Region = "", string Industry = "", string TechDomain = "", string Text = "");

/// <summary>In force on the date (the default), or every version in one status.</summary>
public enum PolicyListStatus
{
    InForce,
    Draft,
    Published,
    Retired,
}

/// <summary>
/// The policy catalogue, kept parsed in memory: the current version of every policy, read from the store once and
/// again only when policies change (here, or in another instance through the change feed), so a list or a search
/// costs a scan of ready records, not a parse of every stored document. Lists are ordered by policy id.
/// </summary>
public sealed class PolicyCatalog
{
    private readonly IStore _store;
    private long _generation;
    private volatile Snapshot? _snapshot;

    public PolicyCatalog(IStore store, IndexSync sync)
    {
        _store = store;
        sync.PoliciesReloaded += () =>
        {
            Interlocked.Increment(ref _generation);
            _snapshot = null;
        };
    }

    /// <summary>The policies of <paramref name="query"/> this caller may see, ordered by id.</summary>
    public async Task<IReadOnlyList<PolicyRecord>> ListAsync(Caller caller, PolicyQuery query, CancellationToken cancellationToken)
    {
        RequireReader(caller);
        var errors = new List<FieldError>();
        if (query.Jurisdiction.Length > 0 && !Codes.IsRegionCode(query.Jurisdiction)) { errors.Add(new("jurisdiction", "region.invalid", "应为6位行政区划代码")); }
        if (query.Region.Length > 0 && !Codes.IsRegionCode(query.Region)) { errors.Add(new("region", "region.invalid", "应为6位行政区划代码")); }
        if (errors.Count > 0) { throw new InvalidInputException(errors); }

        var snapshot = await SnapshotAsync(cancellationToken);
        // Chinese has no case: a query with no cased character at all is matched ordinally (vectorised), which then gives
        // the same answer as a case-folded match character by character, at a fraction of the cost.
        var comparison = string.Equals(query.Text.ToUpperInvariant(), query.Text.ToLowerInvariant(), StringComparison.Ordinal)
            ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var candidates = query.Status == PolicyListStatus.Draft ? snapshot.Drafts : snapshot.Published;
        var matching = new List<PolicyRecord>();
        foreach (var entry in candidates)
        {
            var r = entry.Record;
            if (CanSee(caller, r)
                && query.Status switch
                {
                    PolicyListStatus.InForce => r.Policy.IsInForce(query.AsOf),
                    PolicyListStatus.Published => r.Policy.Status == Domain.Policies.PolicyStatus.Published,
                    PolicyListStatus.Retired => r.Policy.Status == Domain.Policies.PolicyStatus.Retired,
                    _ => true,
                }
                && (query.Jurisdiction.Length == 0 || Under(r.Policy.Jurisdiction, query.Jurisdiction))
                && (query.Region.Length == 0 || Under(query.Region, r.Policy.Jurisdiction))
                && (query.Industry.Length == 0 || Mentions(r.Policy.Criteria, FieldCatalog.Industry, query.Industry))
                && (query.TechDomain.Length == 0 || Mentions(r.Policy.Criteria, FieldCatalog.TechDomains, query.TechDomain))
                && (query.Text.Length == 0 || entry.Text.Contains(query.Text, comparison)))
            {
                matching.Add(r);
            }
        }

        return matching;
    }

    /// <summary>Any role may read policies; a partner needs <c>policies:read</c>.</summary>
    public static void RequireReader(Caller caller)
    {
        if (caller.IsPartner && !caller.HasScope(Scopes.PoliciesRead))
        {
            throw new AccessDeniedException();
        }
    }

    /// <summary>
    /// One version; 0 (or null) is the current one: the latest published (or retired) version, or — for a policy never
    /// published — its draft to those who may see drafts. What the caller may not see is not there.
    /// </summary>
    public async Task<PolicyRecord> GetAsync(Caller caller, string policyId, int? version, CancellationToken cancellationToken)
    {
        RequireReader(caller);
        PolicyRecord? record;
        if (version is null or 0)
        {
            var versions = await _store.ListPolicyVersionsAsync(policyId, cancellationToken);
            record = versions.LastOrDefault(r => r.Policy.Status != Domain.Policies.PolicyStatus.Draft) ?? versions.LastOrDefault(r => CanSee(caller, r));
        }
        else
        {
            record = await _store.GetPolicyAsync(policyId, version, cancellationToken);
        }

        return record is not null && CanSee(caller, record) ? record : throw new NotFoundException("政策");
    }

    /// <summary>Every version the caller may see, oldest first.</summary>
    public async Task<IReadOnlyList<PolicyRecord>> VersionsAsync(Caller caller, string policyId, CancellationToken cancellationToken)
    {
        RequireReader(caller);
        var visible = (await _store.ListPolicyVersionsAsync(policyId, cancellationToken)).Where(r => CanSee(caller, r)).ToList();
        return visible.Count > 0 ? visible : throw new NotFoundException("政策");
    }

    /// <summary>Published and retired versions are public; drafts only for the staff who govern them and admin.</summary>
    public static bool CanSee(Caller caller, PolicyRecord record) =>
        record.Policy.Status != Domain.Policies.PolicyStatus.Draft || caller.Governs(record.Policy.Jurisdiction);

    private async Task<Snapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is { } ready)
        {
            return ready;
        }

        var generation = Interlocked.Read(ref _generation);
        var published = await _store.ListPublishedPoliciesAsync(cancellationToken);
        var drafts = (await _store.ListCurrentPoliciesAsync(cancellationToken)).Where(r => r.Policy.Status == Domain.Policies.PolicyStatus.Draft);
        var snapshot = new Snapshot([.. published.Select(Entry.Of).OrderBy(e => e.Record.Policy.Id, StringComparer.Ordinal)],
            [.. drafts.Select(Entry.Of).OrderBy(e => e.Record.Policy.Id, StringComparer.Ordinal)]);
        if (Interlocked.Read(ref _generation) == generation)
        {
            _snapshot = snapshot; // not when policies changed while it was read: the next call reads them again
        }

        return snapshot;
    }

    private static bool Under(string region, string ancestor) => CriteriaEvaluator.IsUnder(FieldCatalog.Region, region, ancestor);

    /// <summary>Whether the criteria name this code for the field (as an operand), e.g. a policy for tech domain X.</summary>
    private static bool Mentions(Criterion criterion, string field, string code) => criterion switch
    {
        AllOf all => all.Children.Any(c => Mentions(c, field, code)),
        AnyOf any => any.Children.Any(c => Mentions(c, field, code)),
        Not not => Mentions(not.Child, field, code),
        Predicate p when p.Field == field => p.Values.Any(v => v is TextOperand t && (t.Value == code || code.StartsWith(t.Value, StringComparison.Ordinal))),
        _ => false,
    };

    private sealed record Snapshot(Entry[] Published, Entry[] Drafts);

    /// <summary>A record with the text a search looks in (title, summary, clauses) joined once.</summary>
    private sealed record Entry(PolicyRecord Record, string Text)
    {
        public static Entry Of(PolicyRecord record) =>
            new(record, string.Join('\n', [record.Policy.Title, record.Document.Summary, .. record.Document.Clauses]));
    }
}
