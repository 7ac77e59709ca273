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

    /// <summary>Takes a second writer lock inside a serialised transaction (PostgreSQL; SQLite's one writer already holds everything).</summary>
    protected virtual Task LockAlsoAsync(DbConnection connection, DbTransaction transaction, long lockKey, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>SQL for "column is one of the array parameter's values" (Dapper expands a list for SQLite; PostgreSQL takes the array).</summary>
    protected abstract string AnyOf(string column, string parameter);

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

    public async Task<long> PutProfilesAsync(IReadOnlyList<StoredProfile> profiles, CancellationToken cancellationToken, IReadOnlyList<AuditEntry>? audits = null)
    {
        if (profiles.Count == 0)
        {
            return 0;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, ProfileWriteLock, cancellationToken);
        var seq = await NextChangeSeqAsync(connection, transaction, cancellationToken);
        await WriteProfileRowsAsync(connection, transaction, profiles, seq, cancellationToken);
        if (audits is { Count: > 0 })
        {
            // Always profile lock, then audit lock (ApplyAsync takes only the audit lock): no two writers wait on each other.
            await LockAlsoAsync(connection, transaction, AuditLock, cancellationToken);
            var chain = await AuditTailAsync(connection, transaction, cancellationToken);
            var links = new List<Statement>(audits.Count);
            foreach (var audit in audits)
            {
                var (link, next) = AuditLink(chain, audit);
                links.Add(link);
                chain = next;
            }

            await ExecuteAllAsync(connection, transaction, links, cancellationToken);
        }

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

    public async Task<string> IdentityAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition("SELECT id FROM store_identity", cancellationToken: cancellationToken)) ?? "";
    }

    public async Task<long> ProfileChangePositionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(change_seq), 0) FROM enterprises", cancellationToken: cancellationToken));
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
        public string? Region { get; set; }
        public string? TechDomains { get; set; }
        public string? EnterpriseName { get; set; }
        public long? ApprovedAmountFen { get; set; }
        public string? PublicityEndsOn { get; set; }
        public string? ObjectionReason { get; set; }
        public string? Resolution { get; set; }
        public string? ReceivingAccount { get; set; }
        public string? PaymentReference { get; set; }
        public string? Basis { get; set; }
        public string? Claims { get; set; }

        public EntitlementRecord ToRecord() => new(Id, Uscc, PolicyId, PolicyVersion, Period, RowCodec.ParseEntitlementStatus(Status), AmountFen,
            RowCodec.FromMillis(CreatedAt), RowCodec.FromMillis(UpdatedAt), Region, TechDomains, EnterpriseName, ApprovedAmountFen,
            Domain.Common.Dates.TryParse(PublicityEndsOn, out var ends) ? ends : null, ObjectionReason, Resolution, ReceivingAccount, PaymentReference)
        {
            // Rows from before migration 3 have no basis: they were created from facts as they were, and count as verified.
            Basis = Basis == "self_declared" ? Domain.Evaluation.Basis.SelfDeclared : Domain.Evaluation.Basis.Verified,
            Claims = Claims is { Length: > 0 } claims ? claims.Split(',') : [],
        };
    }

    private const string EntitlementColumns = """
        id AS Id, uscc AS Uscc, policy_id AS PolicyId, policy_version AS PolicyVersion, period AS Period, status AS Status,
        amount_fen AS AmountFen, created_at AS CreatedAt, updated_at AS UpdatedAt, region AS Region, tech_domains AS TechDomains,
        enterprise_name AS EnterpriseName, approved_amount_fen AS ApprovedAmountFen, publicity_ends_on AS PublicityEndsOn,
        objection_reason AS ObjectionReason, resolution AS Resolution, receiving_account AS ReceivingAccount, payment_reference AS PaymentReference,
        basis AS Basis, claims AS Claims
        """;

    /// <summary>One SQL statement with its named parameters (names without the @).</summary>
    protected sealed record Statement(string Sql, IReadOnlyDictionary<string, object?> Parameters);

    /// <summary>
    /// Runs statements in order inside the transaction and returns each one's affected row count. One round trip per
    /// statement here; PostgreSQL overrides it with batches (an entitlement is three statements, a publish 300,000).
    /// </summary>
    protected virtual async Task<int[]> ExecuteAllAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var rows = new int[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            rows[i] = await connection.ExecuteAsync(new CommandDefinition(statements[i].Sql, new DynamicParameters(statements[i].Parameters), transaction, cancellationToken: cancellationToken));
        }

        return rows;
    }

    private static Dictionary<string, object?> EntitlementParameters(EntitlementRecord e) => new()
    {
        ["Id"] = e.Id, ["Uscc"] = e.Uscc, ["PolicyId"] = e.PolicyId, ["PolicyVersion"] = e.PolicyVersion, ["Period"] = e.Period,
        ["Status"] = RowCodec.EntitlementStatusName(e.Status), ["AmountFen"] = e.AmountFen,
        ["CreatedAt"] = RowCodec.ToMillis(e.CreatedAt), ["UpdatedAt"] = RowCodec.ToMillis(e.UpdatedAt), ["Region"] = e.Region,
        ["TechDomains"] = e.TechDomains, ["EnterpriseName"] = e.EnterpriseName, ["ApprovedAmountFen"] = e.ApprovedAmountFen,
        ["PublicityEndsOn"] = e.PublicityEndsOn is { } d ? Domain.Common.Dates.Format(d) : null,
        ["ObjectionReason"] = e.ObjectionReason, ["Resolution"] = e.Resolution, ["ReceivingAccount"] = e.ReceivingAccount,
        ["PaymentReference"] = e.PaymentReference, ["Basis"] = Domain.Evaluation.AnswerBasis.Name(e.Basis),
        ["Claims"] = e.Claims.Count > 0 ? string.Join(',', e.Claims) : null,
    };

    private Statement TransitionStatement(EntitlementTransition transition)
    {
        var parameters = EntitlementParameters(transition.To);
        parameters["From"] = transition.From.Select(RowCodec.EntitlementStatusName).ToArray();
        var amountCheck = "";
        if (transition.IfAmount is { } check)
        {
            parameters["IfAmountFen"] = check.AmountFen;
            amountCheck = " AND amount_fen IS NOT DISTINCT FROM @IfAmountFen"; // null-safe: an unknown amount is a value here
        }

        return new Statement($"""
            UPDATE entitlements SET status = @Status, updated_at = @UpdatedAt, amount_fen = @AmountFen, approved_amount_fen = @ApprovedAmountFen,
                publicity_ends_on = @PublicityEndsOn, objection_reason = @ObjectionReason, resolution = @Resolution,
                receiving_account = @ReceivingAccount, payment_reference = @PaymentReference, basis = @Basis, claims = @Claims
            WHERE id = @Id AND {AnyOf("status", "@From")}{amountCheck}
            """, parameters);
    }

    private const string InsertEntitlementSql = """
        INSERT INTO entitlements (id, uscc, policy_id, policy_version, period, status, amount_fen, created_at, updated_at, region, tech_domains,
            enterprise_name, approved_amount_fen, publicity_ends_on, objection_reason, resolution, receiving_account, payment_reference, basis, claims)
        VALUES (@Id, @Uscc, @PolicyId, @PolicyVersion, @Period, @Status, @AmountFen, @CreatedAt, @UpdatedAt, @Region, @TechDomains,
            @EnterpriseName, @ApprovedAmountFen, @PublicityEndsOn, @ObjectionReason, @Resolution, @ReceivingAccount, @PaymentReference, @Basis, @Claims)
        ON CONFLICT DO NOTHING
        """;

    private const string InsertNotificationSql = """
        INSERT INTO notifications (id, uscc, kind, title, body, policy_id, read, created_at, entitlement_id, missing_fields)
        VALUES (@Id, @Uscc, @Kind, @Title, @Body, @PolicyId, @Read, @CreatedAt, @EntitlementId, @MissingFields)
        ON CONFLICT DO NOTHING
        """;

    private static Statement NotificationStatement(NotificationRecord n) => new(InsertNotificationSql, new Dictionary<string, object?>
    {
        ["Id"] = n.Id, ["Uscc"] = n.Uscc, ["Kind"] = n.Kind, ["Title"] = n.Title, ["Body"] = n.Body, ["PolicyId"] = n.PolicyId, ["Read"] = n.Read,
        ["CreatedAt"] = RowCodec.ToMillis(n.CreatedAt), ["EntitlementId"] = n.EntitlementId,
        ["MissingFields"] = n.MissingFields is { Count: > 0 } m ? string.Join(',', m) : null,
    });

    public async Task<IReadOnlyList<WorkflowChange>> ApplyAsync(IReadOnlyList<WorkflowChange> changes, CancellationToken cancellationToken, BudgetGuard? budget = null)
    {
        if (changes.Count == 0)
        {
            return [];
        }

        await using var connection = await OpenAsync(cancellationToken);
        // The audit lock: the chain is extended in this transaction, so no other writer may fork it.
        await using var transaction = await BeginSerializedAsync(connection, AuditLock, cancellationToken);
        var chain = await AuditTailAsync(connection, transaction, cancellationToken);

        // First each step itself (it applies or it does not), then the messages and audit links of those that applied.
        var steps = changes.Select(change => change switch
        {
            { Create: { } create } => new Statement(InsertEntitlementSql, EntitlementParameters(create)),
            { Transition: { } transition } => TransitionStatement(transition),
            { Notification: { } message } => NotificationStatement(message),
            _ => null,
        }).ToList();
        var stepRows = await ExecuteAllAsync(connection, transaction, [.. steps.OfType<Statement>()], cancellationToken);
        var applied = new List<WorkflowChange>(changes.Count);
        var followUps = new List<Statement>();
        for (int i = 0, row = 0; i < changes.Count; i++)
        {
            if (steps[i] is null || stepRows[row++] == 0)
            {
                continue; // already there, or no longer in a state this step starts from
            }

            var change = changes[i];
            applied.Add(change);
            if (change.Create is null && change.Transition is null)
            {
                continue; // a message on its own: sent above
            }

            if (change.Notification is { } notification)
            {
                followUps.Add(NotificationStatement(notification));
            }

            if (change.Audit is { } audit)
            {
                var (link, next) = AuditLink(chain, audit);
                followUps.Add(link);
                chain = next;
            }
        }

        await ExecuteAllAsync(connection, transaction, followUps, cancellationToken);

        if (budget is not null)
        {
            var approved = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COALESCE(SUM(approved_amount_fen), 0) FROM entitlements WHERE policy_id = @PolicyId AND status IN ('approved', 'disbursed')",
                new { budget.PolicyId }, transaction, cancellationToken: cancellationToken));
            if (approved > budget.BudgetFen)
            {
                await transaction.RollbackAsync(cancellationToken);
                throw new BudgetExceededException(budget.PolicyId);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    public async Task<EntitlementRecord?> GetEntitlementAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<EntitlementRow>(new CommandDefinition(
            $"SELECT {EntitlementColumns} FROM entitlements WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<EntitlementRecord>> QueryEntitlementsAsync(EntitlementQuery query, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        if (query.Uscc is { } uscc) { where.Add("uscc = @Uscc"); parameters.Add("Uscc", uscc); }
        if (query.PolicyId is { } policyId) { where.Add("policy_id = @PolicyId"); parameters.Add("PolicyId", policyId); }
        if (query.Statuses is { Count: > 0 } statuses) { where.Add(AnyOf("status", "@Statuses")); parameters.Add("Statuses", statuses.Select(RowCodec.EntitlementStatusName).ToArray()); }
        if (query.RegionPrefix is { Length: > 0 } prefix) { where.Add("region LIKE @RegionPrefix"); parameters.Add("RegionPrefix", prefix + "%"); }
        if (query.AfterId is { } after) { where.Add("id > @AfterId"); parameters.Add("AfterId", after); }
        var sql = $"SELECT {EntitlementColumns} FROM entitlements{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY id";
        if (query.Limit < int.MaxValue) { sql += " LIMIT @Limit"; parameters.Add("Limit", query.Limit); }
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EntitlementRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public Task<IReadOnlyList<EntitlementRecord>> ListEntitlementsAsync(string? uscc, string? policyId, CancellationToken cancellationToken) =>
        QueryEntitlementsAsync(new EntitlementQuery(uscc, policyId), cancellationToken);

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
        public string? EntitlementId { get; set; }
        public string? MissingFields { get; set; }

        public NotificationRecord ToRecord() => new(Id, Uscc, Kind, Title, Body, PolicyId, Read, RowCodec.FromMillis(CreatedAt), EntitlementId,
            MissingFields is { Length: > 0 } m ? m.Split(',') : []);
    }

    private const string NotificationColumns = "id AS Id, uscc AS Uscc, kind AS Kind, title AS Title, body AS Body, policy_id AS PolicyId, read AS Read, created_at AS CreatedAt, entitlement_id AS EntitlementId, missing_fields AS MissingFields";

    public async Task<IReadOnlyList<NotificationRecord>> ListNotificationsAsync(string uscc, bool unreadOnly, NotificationCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NotificationRow>(new CommandDefinition(
            $"""
            SELECT {NotificationColumns} FROM notifications
            WHERE uscc = @uscc AND (@unreadOnly = FALSE OR read = FALSE)
              AND (@afterAt IS NULL OR created_at < @afterAt OR (created_at = @afterAt AND id < @afterId))
            ORDER BY created_at DESC, id DESC LIMIT @limit
            """,
            new { uscc, unreadOnly, afterAt = after?.CreatedAtMillis, afterId = after?.Id ?? "", limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<NotificationRecord?> GetNotificationAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<NotificationRow>(new CommandDefinition(
            $"SELECT {NotificationColumns} FROM notifications WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlySet<string>> NotificationIdsAsync(string policyId, string kind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var ids = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM notifications WHERE policy_id = @policyId AND kind = @kind", new { policyId, kind }, cancellationToken: cancellationToken));
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    public async Task<long> CountUnreadAsync(string uscc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM notifications WHERE uscc = @uscc AND read = FALSE", new { uscc }, cancellationToken: cancellationToken));
    }

    public async Task<int> MarkNotificationsReadAsync(string uscc, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return ids.Count == 0
            ? await connection.ExecuteAsync(new CommandDefinition("UPDATE notifications SET read = TRUE WHERE uscc = @uscc AND read = FALSE", new { uscc }, cancellationToken: cancellationToken))
            : await connection.ExecuteAsync(new CommandDefinition($"UPDATE notifications SET read = TRUE WHERE uscc = @uscc AND read = FALSE AND {AnyOf("id", "@ids")}", new { uscc, ids = ids.ToArray() }, cancellationToken: cancellationToken));
    }

    // ---- corrections ----

    private sealed class CorrectionRow
    {
        public string Id { get; set; } = "";
        public string Uscc { get; set; } = "";
        public string? Region { get; set; }
        public string Field { get; set; } = "";
        public string? CurrentJson { get; set; }
        public string? CurrentProvenance { get; set; }
        public string? ProposedJson { get; set; }
        public string Reason { get; set; } = "";
        public string Status { get; set; } = "";
        public long CreatedAt { get; set; }
        public string? DecidedBy { get; set; }
        public string? Decision { get; set; }
        public string? EvidenceReference { get; set; }
        public long? DecidedAt { get; set; }

        public CorrectionRecord ToRecord() => new(Id, Uscc, Region, Field, CurrentJson,
            CurrentProvenance is { } p ? RowCodec.ReadProvenance(p).GetValueOrDefault(Field) : null, ProposedJson, Reason,
            RowCodec.ParseCorrectionStatus(Status), RowCodec.FromMillis(CreatedAt), DecidedBy, Decision, EvidenceReference,
            DecidedAt is { } at ? RowCodec.FromMillis(at) : null);
    }

    private const string CorrectionColumns = """
        id AS Id, uscc AS Uscc, region AS Region, field AS Field, current_json AS CurrentJson, current_provenance AS CurrentProvenance,
        proposed_json AS ProposedJson, reason AS Reason, status AS Status, created_at AS CreatedAt, decided_by AS DecidedBy,
        decision AS Decision, evidence_reference AS EvidenceReference, decided_at AS DecidedAt
        """;

    public async Task<bool> ApplyCorrectionAsync(CorrectionChange change, CancellationToken cancellationToken)
    {
        var c = change.Correction;
        var parameters = new Dictionary<string, object?>
        {
            ["Id"] = c.Id, ["Uscc"] = c.Uscc, ["Region"] = c.Region, ["Field"] = c.Field, ["CurrentJson"] = c.CurrentJson,
            ["CurrentProvenance"] = c.Current is { } p ? RowCodec.ProvenanceJson(new Dictionary<string, FieldProvenance> { [c.Field] = p }) : null,
            ["ProposedJson"] = c.ProposedJson, ["Reason"] = c.Reason, ["Status"] = RowCodec.CorrectionStatusName(c.Status),
            ["CreatedAt"] = RowCodec.ToMillis(c.CreatedAt), ["DecidedBy"] = c.DecidedBy, ["Decision"] = c.Decision,
            ["EvidenceReference"] = c.EvidenceReference, ["DecidedAt"] = c.DecidedAt is { } at ? RowCodec.ToMillis(at) : null,
            ["From"] = change.From is { } from ? RowCodec.CorrectionStatusName(from) : null,
        };
        var step = change.From is null
            ? new Statement("""
                INSERT INTO corrections (id, uscc, region, field, current_json, current_provenance, proposed_json, reason, status, created_at,
                    decided_by, decision, evidence_reference, decided_at)
                VALUES (@Id, @Uscc, @Region, @Field, @CurrentJson, @CurrentProvenance, @ProposedJson, @Reason, @Status, @CreatedAt,
                    @DecidedBy, @Decision, @EvidenceReference, @DecidedAt)
                ON CONFLICT DO NOTHING
                """, parameters)
            : new Statement("""
                UPDATE corrections SET status = @Status, decided_by = @DecidedBy, decision = @Decision, evidence_reference = @EvidenceReference,
                    decided_at = @DecidedAt
                WHERE id = @Id AND status = @From
                """, parameters);

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, AuditLock, cancellationToken);
        if ((await ExecuteAllAsync(connection, transaction, [step], cancellationToken))[0] == 0)
        {
            return false; // already there, or already decided
        }

        var (link, _) = AuditLink(await AuditTailAsync(connection, transaction, cancellationToken), change.Audit);
        await ExecuteAllAsync(connection, transaction, change.Notification is { } n ? [NotificationStatement(n), link] : [link], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<CorrectionRecord?> GetCorrectionAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<CorrectionRow>(new CommandDefinition(
            $"SELECT {CorrectionColumns} FROM corrections WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<CorrectionRecord>> QueryCorrectionsAsync(CorrectionQuery query, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        if (query.Status is { } status) { where.Add("status = @Status"); parameters.Add("Status", RowCodec.CorrectionStatusName(status)); }
        if (query.Uscc is { } uscc) { where.Add("uscc = @Uscc"); parameters.Add("Uscc", uscc); }
        if (query.RegionPrefix is { Length: > 0 } prefix) { where.Add("region LIKE @RegionPrefix"); parameters.Add("RegionPrefix", prefix + "%"); }
        if (query.AfterId is { } after) { where.Add("id > @AfterId"); parameters.Add("AfterId", after); }
        var sql = $"SELECT {CorrectionColumns} FROM corrections{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY id";
        if (query.Limit < int.MaxValue) { sql += " LIMIT @Limit"; parameters.Add("Limit", query.Limit); }
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<CorrectionRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
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
        public string? Detail { get; set; }

        public AuditRecord ToRecord() => new(Seq, new AuditEntry(Who, Role, What, PolicyId, PolicyVersion, Subject, SnapshotHash) { Detail = Detail }, RowCodec.FromMillis(At), PrevHash, Hash);
    }

    private const string AuditColumns = "seq AS Seq, who AS Who, role AS Role, what AS What, policy_id AS PolicyId, policy_version AS PolicyVersion, subject AS Subject, snapshot_hash AS SnapshotHash, at AS At, prev_hash AS PrevHash, hash AS Hash, detail AS Detail";

    public async Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginSerializedAsync(connection, AuditLock, cancellationToken);
        var tail = await AuditTailAsync(connection, transaction, cancellationToken);
        var (seq, previous, hash, at) = await AppendAuditAsync(connection, transaction, tail, entry, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AuditRecord(seq, entry, RowCodec.FromMillis(at), previous, hash);
    }

    /// <summary>The last link of the chain (seq 0 and the genesis hash when empty); read inside the audit lock.</summary>
    private static async Task<(long Seq, string Previous, string Hash, long At)> AuditTailAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var last = await connection.QueryFirstOrDefaultAsync<AuditRow>(new CommandDefinition(
            $"SELECT {AuditColumns} FROM audit_log ORDER BY seq DESC LIMIT 1", transaction: transaction, cancellationToken: cancellationToken));
        return last is null ? (0, RowCodec.GenesisHash, RowCodec.GenesisHash, 0) : (last.Seq, last.PrevHash, last.Hash, last.At);
    }

    private async Task<(long Seq, string Previous, string Hash, long At)> AppendAuditAsync(
        DbConnection connection, DbTransaction transaction, (long Seq, string Previous, string Hash, long At) tail, AuditEntry entry, CancellationToken cancellationToken)
    {
        var (link, next) = AuditLink(tail, entry);
        await ExecuteAllAsync(connection, transaction, [link], cancellationToken);
        return next;
    }

    /// <summary>The next link of the chain after <paramref name="tail"/>: its INSERT and the new tail.</summary>
    private (Statement Link, (long Seq, string Previous, string Hash, long At) Tail) AuditLink((long Seq, string Previous, string Hash, long At) tail, AuditEntry entry)
    {
        var seq = tail.Seq + 1;
        var at = RowCodec.ToMillis(Clock.GetUtcNow());
        var hash = RowCodec.AuditHash(tail.Hash, seq, entry, at);
        var link = new Statement(
            """
            INSERT INTO audit_log (seq, who, role, what, policy_id, policy_version, subject, snapshot_hash, at, prev_hash, hash, detail)
            VALUES (@Seq, @Who, @Role, @What, @PolicyId, @PolicyVersion, @Subject, @SnapshotHash, @At, @PrevHash, @Hash, @Detail)
            """,
            new Dictionary<string, object?>
            {
                ["Seq"] = seq, ["Who"] = entry.Who, ["Role"] = entry.Role, ["What"] = entry.What, ["PolicyId"] = entry.PolicyId,
                ["PolicyVersion"] = entry.PolicyVersion, ["Subject"] = entry.Subject, ["SnapshotHash"] = entry.SnapshotHash,
                ["At"] = at, ["PrevHash"] = tail.Hash, ["Hash"] = hash, ["Detail"] = entry.Detail,
            });
        return (link, (seq, tail.Hash, hash, at));
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
