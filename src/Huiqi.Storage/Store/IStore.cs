using Huiqi.Domain.Policies;

namespace Huiqi.Storage.Store;

/// <summary>
/// The store behind one interface: SQLite embedded, PostgreSQL in production, with the same behaviour (one test
/// suite runs against both). The store is the truth; Redis only caches it.
/// </summary>
public interface IStore
{
    /// <summary>A short name for readiness reports: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Provider { get; }

    /// <summary>Opens a connection and runs a trivial query; throws when the store cannot be used.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>Applies the schema migrations not applied yet; returns how many ran.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    // ---- enterprise profiles ----

    Task<StoredProfile?> GetProfileAsync(string uscc, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, StoredProfile>> GetProfilesAsync(IReadOnlyCollection<string> usccs, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts or replaces the profiles in one transaction (all or none), stamping one new change sequence number on them;
    /// <paramref name="audits"/> (the previous values they replace) join the hash chain in the same transaction.
    /// </summary>
    Task<long> PutProfilesAsync(IReadOnlyList<StoredProfile> profiles, CancellationToken cancellationToken, IReadOnlyList<AuditEntry>? audits = null);

    /// <summary>Profiles changed after <paramref name="afterSeq"/> in change order (0: every profile): start-up loading and the change feed.</summary>
    IAsyncEnumerable<StoredProfile> StreamProfilesAsync(long afterSeq, CancellationToken cancellationToken);

    Task<long> CountProfilesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// This database's identity, made once when its schema was created (32 hex digits): what tells an index snapshot of
    /// this database from one of another (or of a restored copy taken before it).
    /// </summary>
    Task<string> IdentityAsync(CancellationToken cancellationToken);

    /// <summary>The change feed's position: the highest change sequence of any profile (0 when there are none).</summary>
    Task<long> ProfileChangePositionAsync(CancellationToken cancellationToken);

    // ---- policies ----

    /// <summary>One version, or the latest when <paramref name="version"/> is null.</summary>
    Task<PolicyRecord?> GetPolicyAsync(string policyId, int? version, CancellationToken cancellationToken);

    Task<IReadOnlyList<PolicyRecord>> ListPolicyVersionsAsync(string policyId, CancellationToken cancellationToken);

    /// <summary>The latest version of every policy (a draft, if one is being edited).</summary>
    Task<IReadOnlyList<PolicyRecord>> ListCurrentPoliciesAsync(CancellationToken cancellationToken);

    /// <summary>The latest published or retired version of every policy: what matching uses while a new version is drafted.</summary>
    Task<IReadOnlyList<PolicyRecord>> ListPublishedPoliciesAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a version, or replaces it while it is a draft; a published or retired version only changes status (publish, retire).</summary>
    Task SavePolicyAsync(PolicyRecord record, CancellationToken cancellationToken);

    /// <summary>Changes whenever any policy changes: instances compare it to reload their catalogue.</summary>
    Task<long> PolicyChangeStampAsync(CancellationToken cancellationToken);

    // ---- entitlements, notifications, audit ----

    /// <summary>Applies workflow steps in one transaction (see <see cref="WorkflowChange"/>); returns the ones that applied.</summary>
    Task<IReadOnlyList<WorkflowChange>> ApplyAsync(IReadOnlyList<WorkflowChange> changes, CancellationToken cancellationToken, BudgetGuard? budget = null);

    Task<EntitlementRecord?> GetEntitlementAsync(string id, CancellationToken cancellationToken);

    /// <summary>Entitlements in id order (keyset paging with <see cref="EntitlementQuery.AfterId"/>).</summary>
    Task<IReadOnlyList<EntitlementRecord>> QueryEntitlementsAsync(EntitlementQuery query, CancellationToken cancellationToken);

    Task<IReadOnlyList<EntitlementRecord>> ListEntitlementsAsync(string? uscc, string? policyId, CancellationToken cancellationToken);

    /// <summary>An enterprise's inbox, newest first, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<NotificationRecord>> ListNotificationsAsync(string uscc, bool unreadOnly, NotificationCursor? after, int limit, CancellationToken cancellationToken);

    Task<NotificationRecord?> GetNotificationAsync(string id, CancellationToken cancellationToken);

    /// <summary>The ids of the messages of one kind about one policy (so a re-run asks nobody twice without trying to).</summary>
    Task<IReadOnlySet<string>> NotificationIdsAsync(string policyId, string kind, CancellationToken cancellationToken);

    Task<long> CountUnreadAsync(string uscc, CancellationToken cancellationToken);

    /// <summary>Marks the given (or, with none, all) unread messages of an enterprise read; returns how many changed.</summary>
    Task<int> MarkNotificationsReadAsync(string uscc, IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    // ---- correction requests (TRUST.md §2.1) ----

    /// <summary>Creates a correction request (if absent) or decides one (if still in the expected state), with its message and audit record; false when nothing applied.</summary>
    Task<bool> ApplyCorrectionAsync(CorrectionChange change, CancellationToken cancellationToken);

    Task<CorrectionRecord?> GetCorrectionAsync(string id, CancellationToken cancellationToken);

    /// <summary>Correction requests in id order (keyset paging with <see cref="CorrectionQuery.AfterId"/>).</summary>
    Task<IReadOnlyList<CorrectionRecord>> QueryCorrectionsAsync(CorrectionQuery query, CancellationToken cancellationToken);

    /// <summary>Appends one record to the hash chain (serialised, so the chain never forks).</summary>
    Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    IAsyncEnumerable<AuditRecord> ReadAuditAsync(CancellationToken cancellationToken);
}

/// <summary>Where an inbox page ends: the last message's time and id.</summary>
public sealed record NotificationCursor(long CreatedAtMillis, string Id);

public static class StoreExtensions
{
    /// <summary>The policies as the matching engine sees them: latest version of each, status and version from the store.</summary>
    public static async Task<IReadOnlyList<Policy>> LoadPoliciesAsync(this IStore store, CancellationToken cancellationToken) =>
        [.. (await store.ListPublishedPoliciesAsync(cancellationToken)).Select(r => r.Policy)];
}
