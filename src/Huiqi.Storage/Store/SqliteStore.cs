using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Huiqi.Storage.Store;

/// <summary>The embedded default: one SQLite file under the data folder, WAL journal, writers serialised by BEGIN IMMEDIATE.</summary>
public sealed class SqliteStore : SqlStore
{
    private readonly string _connectionString;

    public SqliteStore(StorageOptions options, TimeProvider clock) : base(clock)
    {
        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        DatabasePath = Path.Combine(dataDir, "huiqi.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute("PRAGMA journal_mode = WAL;");
    }

    public override string Provider => "sqlite";

    public string DatabasePath { get; }

    private protected override Migrations.Migration[] MigrationList => Migrations.Sqlite;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL with NORMAL sync: durable at checkpoints, safe against corruption; the usual choice for WAL.
        await connection.ExecuteAsync("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
        return connection;
    }

    protected override Task<DbTransaction> BeginSerializedAsync(DbConnection connection, long lockKey, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false)); // BEGIN IMMEDIATE: one writer at a time

    protected override string AnyOf(string column, string parameter) => $"{column} IN {parameter}";

    protected override string Json(string parameter) => parameter;

    protected override Task<long> NextChangeSeqAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM enterprises", transaction: transaction, cancellationToken: cancellationToken));

    protected override async Task WriteProfileRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoredProfile> profiles, long seq, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO enterprises (uscc, region, profile, provenance, fingerprint, updated_at, change_seq)
            VALUES ($uscc, $region, $profile, $provenance, $fingerprint, $updated, $seq)
            ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, profile = excluded.profile, provenance = excluded.provenance,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at, change_seq = excluded.change_seq
            """;
        var parameters = new[] { "$uscc", "$region", "$profile", "$provenance", "$fingerprint", "$updated", "$seq" }
            .Select(name => { var p = command.CreateParameter(); p.ParameterName = name; command.Parameters.Add(p); return p; })
            .ToArray();
        await command.PrepareAsync(cancellationToken);
        foreach (var profile in profiles)
        {
            parameters[0].Value = profile.Profile.Uscc;
            parameters[1].Value = (object?)profile.Profile.Region ?? DBNull.Value;
            parameters[2].Value = profile.ProfileJsonText;
            parameters[3].Value = RowCodec.ProvenanceJson(profile.Provenance);
            parameters[4].Value = profile.Fingerprint;
            parameters[5].Value = RowCodec.ToMillis(profile.UpdatedAt);
            parameters[6].Value = seq;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // One JSON array parameter instead of thousands of expanded ones: SQLite still looks each key up in the primary key.
    protected override Task<IEnumerable<ProfileRow>> SelectProfilesAsync(DbConnection connection, IReadOnlyCollection<string> usccs) =>
        connection.QueryAsync<ProfileRow>(SelectProfilesSql("uscc IN (SELECT value FROM json_each(@usccs))"), new { usccs = System.Text.Json.JsonSerializer.Serialize(usccs) });
}
