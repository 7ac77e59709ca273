using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using Huiqi.Domain.Serialization;

namespace Huiqi.Storage.Store;

/// <summary>
/// What SQLite and PostgreSQL share: the same tables, the same SQL where the dialects agree (both have
/// <c>ON CONFLICT</c>), and hooks for what differs (bulk writes, serialising writers, JSON columns).
/// </summary>
public abstract class SqlStore(TimeProvider clock) : IStore
{
    protected TimeProvider Clock { get; } = clock;

    public abstract string Provider { get; }

    private protected abstract Migrations.Migration[] MigrationList { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Starts a transaction that writers take one at a time (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).</summary>
    protected abstract Task<DbTransaction> BeginSerializedAsync(DbConnection connection, long lockKey, CancellationToken cancellationToken);

    /// <summary>SQL for a JSON-typed parameter.</summary>
    protected abstract string Json(string parameter);

    protected abstract Task<long> NextChangeSeqAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    protected abstract Task WriteProfileRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoredProfile> profiles, long seq, CancellationToken cancellationToken);

    protected abstract Task<IEnumerable<ProfileRow>> SelectProfilesAsync(DbConnection connection, IReadOnlyCollection<string> usccs);

    protected const long ProfileWriteLock = 0x6875_6971_0001, AuditLock = 0x6875_6971_0002, MigrationLock = 0x6875_6971_0003, PolicyLock = 0x6875_6971_0004;

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            cancellationToken: cancellationToken));
        var applied = 0;
        foreach (var migration in MigrationList)
        {
            await using var transaction = await BeginSerializedAsync(connection, MigrationLock, cancellationToken);
            var done = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version", new { migration.Version }, transaction, cancellationToken: cancellationToken));
            if (done > 0)
            {
                continue;
            }

            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { migration.Version, migration.Name, At = RowCodec.ToMillis(Clock.GetUtcNow()) }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            applied++;
        }

        return applied;
    }

    // ---- profiles ----

    // Row classes with settable properties: Dapper converts column types (SQLite integers are 64-bit, PostgreSQL's vary).
    protected sealed class ProfileRow
    {
        public string Uscc { get; set; } = "";
        public string Profile { get; set; } = "";
        public string Provenance { get; set; } = "";
        public string Fingerprint { get; set; } = "";
        public long UpdatedAt { get; set; }
        public long ChangeSeq { get; set; }

        public StoredProfile ToStored() => RowCodec.Profile(Profile, Provenance, Fingerprint, UpdatedAt, ChangeSeq);
    }

    private const string ProfileColumns = "uscc AS Uscc, profile AS Profile, provenance AS Provenance, fingerprint AS Fingerprint, updated_at AS UpdatedAt, change_seq AS ChangeSeq";

    public async Task<StoredProfile?> GetProfileAsync(string uscc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ProfileRow>(new CommandDefinition(
            $"SELECT {ProfileColumns} FROM enterprises WHERE uscc = @uscc", new { uscc }, cancellationToken: cancellationToken));
        return row?.ToStored();
    }

    public async Task<IReadOnlyDictionary<string, StoredProfile>> GetProfilesAsync(IReadOnlyCollection<string> usccs, CancellationToken cancellationToken)
    {
        if (usccs.Count == 0)
        {
            return new Dictionary<string, StoredProfile>();
        }

        await using var connection = await OpenAsync(cancellationToken);
        var rows = await SelectProfilesAsync(connection, usccs);
        return rows.ToDictionary(r => r.Uscc, r => r.ToStored(), StringComparer.Ordinal);
    }

    protected static string SelectProfilesSql(string usccCondition) => $"SELECT {ProfileColumns} FROM enterprises WHERE {usccCondition}";

    public async Task<long> PutProfilesAsync(IReadOnlyList<StoredProfile> profiles, CancellationToken cancellationToken)
    {
        if (profiles.Count == 0)
        {
            return 0;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, ProfileWriteLock, cancellationToken);
        var seq = await NextChangeSeqAsync(connection, transaction, cancellationToken);
        await WriteProfileRowsAsync(connection, transaction, profiles, seq, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    public async IAsyncEnumerable<StoredProfile> StreamProfilesAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT profile, provenance, fingerprint, updated_at, change_seq FROM enterprises WHERE change_seq > @after ORDER BY change_seq";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "after";
        parameter.Value = afterSeq;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return RowCodec.Profile(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4));
        }
    }

    public async Task<long> CountProfilesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM enterprises", cancellationToken: cancellationToken));
    }

    // ---- policies ----

    private sealed class PolicyRow
    {
        public string PolicyId { get; set; } = "";
        public int Version { get; set; }
        public string Status { get; set; } = "";
        public string Document { get; set; } = "";
        public long CreatedAt { get; set; }
        public string CreatedBy { get; set; } = "";
        public long? PublishedAt { get; set; }
        public long? RetiredAt { get; set; }

        public PolicyRecord ToRecord() => RowCodec.Policy(PolicyId, Version, Status, Document, CreatedAt, CreatedBy, PublishedAt, RetiredAt);
    }

    private const string PolicyColumns = "policy_id AS PolicyId, version AS Version, status AS Status, document AS Document, created_at AS CreatedAt, created_by AS CreatedBy, published_at AS PublishedAt, retired_at AS RetiredAt";

    public async Task<PolicyRecord?> GetPolicyAsync(string policyId, int? version, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<PolicyRow>(new CommandDefinition(
            version is null
                ? $"SELECT {PolicyColumns} FROM policy_versions WHERE policy_id = @policyId ORDER BY version DESC LIMIT 1"
                : $"SELECT {PolicyColumns} FROM policy_versions WHERE policy_id = @policyId AND version = @version",
            new { policyId, version }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<PolicyRecord>> ListPolicyVersionsAsync(string policyId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<PolicyRow>(new CommandDefinition(
            $"SELECT {PolicyColumns} FROM policy_versions WHERE policy_id = @policyId ORDER BY version", new { policyId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<IReadOnlyList<PolicyRecord>> ListCurrentPoliciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<PolicyRow>(new CommandDefinition(
            $"""
            SELECT {PolicyColumns} FROM policy_versions p
            WHERE version = (SELECT MAX(version) FROM policy_versions q WHERE q.policy_id = p.policy_id)
            ORDER BY policy_id
            """, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<IReadOnlyList<PolicyRecord>> ListPublishedPoliciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<PolicyRow>(new CommandDefinition(
            $"""
            SELECT {PolicyColumns} FROM policy_versions p
            WHERE status <> 'draft' AND version = (SELECT MAX(version) FROM policy_versions q WHERE q.policy_id = p.policy_id AND q.status <> 'draft')
            ORDER BY policy_id
            """, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task SavePolicyAsync(PolicyRecord record, CancellationToken cancellationToken)
    {
        var policy = record.Policy;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, PolicyLock, cancellationToken);
        var existing = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT status FROM policy_versions WHERE policy_id = @Id AND version = @Version", new { policy.Id, policy.Version }, transaction, cancellationToken: cancellationToken));
        var document = PolicyJson.Serialize(record.Document);
        if (existing is not null && existing != "draft")
        {
            // A published (or retired) version may change status, never its definition: a change is a new version.
            var stored = await connection.QuerySingleAsync<string>(new CommandDefinition(
                "SELECT document FROM policy_versions WHERE policy_id = @Id AND version = @Version", new { policy.Id, policy.Version }, transaction, cancellationToken: cancellationToken));
            if (!SameDefinition(stored, record.Document))
            {
                throw new PublishedVersionImmutableException(policy.Id, policy.Version);
            }
        }

        var stamp = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(MAX(change_stamp), 0) + 1 FROM policy_versions", transaction: transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO policy_versions (policy_id, version, status, jurisdiction, document, created_at, created_by, published_at, retired_at, change_stamp)
            VALUES (@Id, @Version, @Status, @Jurisdiction, {Json("@Document")}, @CreatedAt, @CreatedBy, @PublishedAt, @RetiredAt, @Stamp)
            ON CONFLICT (policy_id, version) DO UPDATE SET
                status = excluded.status, jurisdiction = excluded.jurisdiction, document = excluded.document,
                published_at = excluded.published_at, retired_at = excluded.retired_at, change_stamp = excluded.change_stamp
            """,
            new
            {
                policy.Id,
                policy.Version,
                Status = RowCodec.StatusName(policy.Status),
                policy.Jurisdiction,
                Document = document,
                CreatedAt = RowCodec.ToMillis(record.CreatedAt),
                record.CreatedBy,
                PublishedAt = record.PublishedAt is { } p ? RowCodec.ToMillis(p) : (long?)null,
                RetiredAt = record.RetiredAt is { } r ? RowCodec.ToMillis(r) : (long?)null,
                Stamp = stamp,
            }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Whether a stored definition equals a new one (JSONB may reorder keys, so compare parsed).</summary>
    private static bool SameDefinition(string stored, PolicyJson.Document document)
    {
        var parsed = PolicyJson.Parse(stored);
        var mine = document.Policy;
        return parsed.Policy with { Id = mine.Id, Version = mine.Version, Status = mine.Status } == mine
            && parsed.Summary == document.Summary && parsed.Clauses.SequenceEqual(document.Clauses) && parsed.SourceUrl == document.SourceUrl;
    }

    public async Task<long> PolicyChangeStampAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(change_stamp), 0) FROM policy_versions", cancellationToken: cancellationToken));
    }

    // ---- entitlements, notifications ----

    private sealed class EntitlementRow
    {
        public string Id { get; set; } = "";
        public string Uscc { get; set; } = "";
        public string PolicyId { get; set; } = "";
        public int PolicyVersion { get; set; }
        public string Period { get; set; } = "";
        public string Status { get; set; } = "";
        public long? AmountFen { get; set; }
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }
    }

    public async Task<int> InsertEntitlementsAsync(IReadOnlyList<EntitlementRecord> entitlements, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = 0;
        foreach (var e in entitlements)
        {
            inserted += await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO entitlements (id, uscc, policy_id, policy_version, period, status, amount_fen, created_at, updated_at)
                VALUES (@Id, @Uscc, @PolicyId, @PolicyVersion, @Period, @Status, @AmountFen, @CreatedAt, @UpdatedAt)
                ON CONFLICT DO NOTHING
                """,
                new { e.Id, e.Uscc, e.PolicyId, e.PolicyVersion, e.Period, Status = e.Status.ToString().ToLowerInvariant(), e.AmountFen,
                    CreatedAt = RowCodec.ToMillis(e.CreatedAt), UpdatedAt = RowCodec.ToMillis(e.UpdatedAt) }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public async Task<IReadOnlyList<EntitlementRecord>> ListEntitlementsAsync(string? uscc, string? policyId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EntitlementRow>(new CommandDefinition(
            """
            SELECT id AS Id, uscc AS Uscc, policy_id AS PolicyId, policy_version AS PolicyVersion, period AS Period, status AS Status,
                   amount_fen AS AmountFen, created_at AS CreatedAt, updated_at AS UpdatedAt
            FROM entitlements WHERE (@uscc IS NULL OR uscc = @uscc) AND (@policyId IS NULL OR policy_id = @policyId) ORDER BY created_at, id
            """, new { uscc, policyId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new EntitlementRecord(r.Id, r.Uscc, r.PolicyId, r.PolicyVersion, r.Period,
            Enum.Parse<EntitlementStatus>(r.Status, ignoreCase: true), r.AmountFen, RowCodec.FromMillis(r.CreatedAt), RowCodec.FromMillis(r.UpdatedAt)))];
    }

    private sealed class NotificationRow
    {
        public string Id { get; set; } = "";
        public string Uscc { get; set; } = "";
        public string Kind { get; set; } = "";
        public string Title { get; set; } = "";
        public string Body { get; set; } = "";
        public string? PolicyId { get; set; }
        public bool Read { get; set; }
        public long CreatedAt { get; set; }
    }

    public async Task AddNotificationsAsync(IReadOnlyList<NotificationRecord> notifications, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var n in notifications)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO notifications (id, uscc, kind, title, body, policy_id, read, created_at) VALUES (@Id, @Uscc, @Kind, @Title, @Body, @PolicyId, @Read, @CreatedAt) ON CONFLICT DO NOTHING",
                new { n.Id, n.Uscc, n.Kind, n.Title, n.Body, n.PolicyId, n.Read, CreatedAt = RowCodec.ToMillis(n.CreatedAt) }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<NotificationRecord>> ListNotificationsAsync(string uscc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NotificationRow>(new CommandDefinition(
            "SELECT id AS Id, uscc AS Uscc, kind AS Kind, title AS Title, body AS Body, policy_id AS PolicyId, read AS Read, created_at AS CreatedAt FROM notifications WHERE uscc = @uscc ORDER BY created_at DESC, id",
            new { uscc }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new NotificationRecord(r.Id, r.Uscc, r.Kind, r.Title, r.Body, r.PolicyId, r.Read, RowCodec.FromMillis(r.CreatedAt)))];
    }

    // ---- audit ----

    private sealed class AuditRow
    {
        public long Seq { get; set; }
        public string Who { get; set; } = "";
        public string Role { get; set; } = "";
        public string What { get; set; } = "";
        public string? PolicyId { get; set; }
        public int? PolicyVersion { get; set; }
        public string? Subject { get; set; }
        public string? SnapshotHash { get; set; }
        public long At { get; set; }
        public string PrevHash { get; set; } = "";
        public string Hash { get; set; } = "";

        public AuditRecord ToRecord() => new(Seq, new AuditEntry(Who, Role, What, PolicyId, PolicyVersion, Subject, SnapshotHash), RowCodec.FromMillis(At), PrevHash, Hash);
    }

    private const string AuditColumns = "seq AS Seq, who AS Who, role AS Role, what AS What, policy_id AS PolicyId, policy_version AS PolicyVersion, subject AS Subject, snapshot_hash AS SnapshotHash, at AS At, prev_hash AS PrevHash, hash AS Hash";

    public async Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, AuditLock, cancellationToken);
        var last = await connection.QueryFirstOrDefaultAsync<AuditRow>(new CommandDefinition(
            $"SELECT {AuditColumns} FROM audit_log ORDER BY seq DESC LIMIT 1", transaction: transaction, cancellationToken: cancellationToken));
        var seq = (last?.Seq ?? 0) + 1;
        var previous = last?.Hash ?? RowCodec.GenesisHash;
        var at = RowCodec.ToMillis(Clock.GetUtcNow());
        var hash = RowCodec.AuditHash(previous, seq, entry, at);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_log (seq, who, role, what, policy_id, policy_version, subject, snapshot_hash, at, prev_hash, hash)
            VALUES (@Seq, @Who, @Role, @What, @PolicyId, @PolicyVersion, @Subject, @SnapshotHash, @At, @PrevHash, @Hash)
            """,
            new { Seq = seq, entry.Who, entry.Role, entry.What, entry.PolicyId, entry.PolicyVersion, entry.Subject, entry.SnapshotHash, At = at, PrevHash = previous, Hash = hash },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new AuditRecord(seq, entry, RowCodec.FromMillis(at), previous, hash);
    }

    public async IAsyncEnumerable<AuditRecord> ReadAuditAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition($"SELECT {AuditColumns} FROM audit_log ORDER BY seq", cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            yield return row.ToRecord();
        }
    }
}
