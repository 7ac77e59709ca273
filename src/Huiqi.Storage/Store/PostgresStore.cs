using System.Data.Common;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Huiqi.Storage.Store;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>. Bulk profile writes: binary COPY into a staging table, then one upsert.</summary>
public sealed class PostgresStore(NpgsqlDataSource dataSource, TimeProvider clock) : SqlStore(clock), IAsyncDisposable
{
    public override string Provider => "postgres";

    private protected override Migrations.Migration[] MigrationList => Migrations.Postgres;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginSerializedAsync(DbConnection connection, long lockKey, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Held until commit: writers of one kind go one at a time, so change numbers commit in order.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@lockKey)", new { lockKey }, transaction, cancellationToken: cancellationToken));
        return transaction;
    }

    protected override Task LockAlsoAsync(DbConnection connection, DbTransaction transaction, long lockKey, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@lockKey)", new { lockKey }, transaction, cancellationToken: cancellationToken));

    protected override string AnyOf(string column, string parameter) => $"{column} = ANY({parameter})";

    /// <summary>Statements in batches of 1,000 per round trip (NpgsqlBatch), each with its own affected-row count.</summary>
    protected override async Task<int[]> ExecuteAllAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        const int perRoundTrip = 1_000;
        var rows = new int[statements.Count];
        for (var start = 0; start < statements.Count; start += perRoundTrip)
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
            var count = Math.Min(perRoundTrip, statements.Count - start);
            for (var i = 0; i < count; i++)
            {
                var command = new NpgsqlBatchCommand(statements[start + i].Sql);
                foreach (var (name, value) in statements[start + i].Parameters)
                {
                    command.Parameters.AddWithValue(name, value ?? DBNull.Value);
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            for (var i = 0; i < count; i++)
            {
                rows[start + i] = batch.BatchCommands[i].RecordsAffected;
            }
        }

        return rows;
    }

    protected override string Json(string parameter) => $"CAST({parameter} AS jsonb)";

    protected override Task<long> NextChangeSeqAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT nextval('enterprise_change_seq')", transaction: transaction, cancellationToken: cancellationToken));

    protected override async Task WriteProfileRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoredProfile> profiles, long seq, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        var pgTransaction = (NpgsqlTransaction)transaction;
        // Mostly new enterprises (a bulk load): COPY straight into the table. If any already exists, undo that
        // and go the general way: COPY into a staging table, then one upsert.
        await pgTransaction.SaveAsync("direct", cancellationToken);
        try
        {
            await CopyAsync(npgsql, "enterprises (uscc, region, profile, provenance, fingerprint, updated_at, change_seq)", profiles, seq, cancellationToken);
            await pgTransaction.ReleaseAsync("direct", cancellationToken);
            return;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await pgTransaction.RollbackAsync("direct", cancellationToken);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TEMP TABLE staging_enterprises (uscc TEXT, region TEXT, profile TEXT, provenance TEXT, fingerprint TEXT, updated_at BIGINT, change_seq BIGINT) ON COMMIT DROP",
            transaction: transaction, cancellationToken: cancellationToken));
        await CopyAsync(npgsql, "staging_enterprises (uscc, region, profile, provenance, fingerprint, updated_at, change_seq)", profiles, seq, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO enterprises (uscc, region, profile, provenance, fingerprint, updated_at, change_seq)
            SELECT DISTINCT ON (uscc) uscc, region, profile, provenance, fingerprint, updated_at, change_seq FROM staging_enterprises
            ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, profile = excluded.profile, provenance = excluded.provenance,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at, change_seq = excluded.change_seq
            """, transaction: transaction, cancellationToken: cancellationToken));
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string target, IReadOnlyList<StoredProfile> profiles, long seq, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var profile in profiles)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(profile.Profile.Uscc, NpgsqlDbType.Text, cancellationToken);
            if (profile.Profile.Region is { } region)
            {
                await importer.WriteAsync(region, NpgsqlDbType.Text, cancellationToken);
            }
            else
            {
                await importer.WriteNullAsync(cancellationToken);
            }

            await importer.WriteAsync(profile.ProfileJsonText, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(RowCodec.ProvenanceJson(profile.Provenance), NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(profile.Fingerprint, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(RowCodec.ToMillis(profile.UpdatedAt), NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    protected override Task<IEnumerable<ProfileRow>> SelectProfilesAsync(DbConnection connection, IReadOnlyCollection<string> usccs) =>
        connection.QueryAsync<ProfileRow>(SelectProfilesSql("uscc = ANY(@usccs)"), new { usccs = usccs.ToArray() });

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
