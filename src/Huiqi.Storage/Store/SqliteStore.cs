using Microsoft.Data.Sqlite;

namespace Huiqi.Storage.Store;

/// <summary>The embedded default: one SQLite file under the data folder.</summary>
public sealed class SqliteStore : IStore
{
    private readonly string _connectionString;

    public SqliteStore(StorageOptions options)
    {
        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        DatabasePath = Path.Combine(dataDir, "huiqi.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    public string Provider => "sqlite";

    public string DatabasePath { get; }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
