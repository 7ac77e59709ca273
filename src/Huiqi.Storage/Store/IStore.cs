namespace Huiqi.Storage.Store;

/// <summary>The store behind one interface: SQLite embedded, PostgreSQL in production. The store is the truth.</summary>
public interface IStore
{
    /// <summary>A short name for readiness reports: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Provider { get; }

    /// <summary>Opens a connection and runs a trivial query; throws when the store cannot be used.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
