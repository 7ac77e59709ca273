namespace Huiqi.Storage;

/// <summary>Where the truth lives. Bound from the <c>Huiqi</c> configuration section and <c>ConnectionStrings</c>.</summary>
public sealed record StorageOptions
{
    /// <summary><c>sqlite</c> (the embedded default) or <c>postgres</c>.</summary>
    public string Provider { get; init; } = "sqlite";

    /// <summary>Folder of the embedded SQLite file (<c>Huiqi:DataDir</c>), ignored by git.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary>Npgsql connection string (<c>ConnectionStrings:Postgres</c>); required when Provider is postgres.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>StackExchange.Redis configuration (<c>ConnectionStrings:Redis</c>); null means no Redis.</summary>
    public string? RedisConfiguration { get; init; }

    /// <summary>Load the demo policies and a synthetic population into an empty store at start-up (<c>Huiqi:Demo:Seed</c>).</summary>
    public bool SeedDemoData { get; init; }

    /// <summary>How many synthetic enterprises the demo seed writes (<c>Huiqi:Demo:Population</c>).</summary>
    public int DemoPopulation { get; init; } = 10_000;

    /// <summary>How often an instance reads the store's change feed when no Redis notice wakes it (<c>Huiqi:ChangeFeed:PollSeconds</c>).</summary>
    public TimeSpan ChangeFeedPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Where this instance keeps a snapshot of its matching index (<c>Huiqi:Index:SnapshotPath</c>), so that a restart is
    /// ready in seconds rather than after a full load; empty: none (docs/eligibility.md, "Snapshot").
    /// </summary>
    public string? IndexSnapshotPath { get; init; }

    /// <summary>How often the snapshot is written again (<c>Huiqi:Index:SnapshotMinutes</c>); also once after a full load.</summary>
    public TimeSpan IndexSnapshotInterval { get; init; } = TimeSpan.FromMinutes(30);

    public bool UsesPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase);
}
