using Huiqi.Domain.Matching;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Demo;
using Huiqi.Storage.Matching;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Import;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Huiqi.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Health check names, shared by the backend's gRPC health mapping.</summary>
    public const string StoreCheck = "store";
    public const string RedisCheck = "redis";
    public const string IndexCheck = "index";

    public static StorageOptions ReadStorageOptions(this IConfiguration configuration) => new()
    {
        Provider = configuration["Huiqi:Store:Provider"] ?? "sqlite",
        DataDir = configuration["Huiqi:DataDir"] ?? "./data",
        PostgresConnectionString = configuration.GetConnectionString("Postgres"),
        RedisConfiguration = configuration.GetConnectionString("Redis"),
        SeedDemoData = configuration.GetValue("Huiqi:Demo:Seed", false),
        DemoPopulation = configuration.GetValue("Huiqi:Demo:Population", 10_000),
        ChangeFeedPollInterval = TimeSpan.FromSeconds(configuration.GetValue("Huiqi:ChangeFeed:PollSeconds", 2.0)),
        IndexSnapshotPath = configuration["Huiqi:Index:SnapshotPath"] is { Length: > 0 } path ? path : null,
        IndexSnapshotInterval = TimeSpan.FromMinutes(configuration.GetValue("Huiqi:Index:SnapshotMinutes", 30.0)),
    };

    /// <summary>Registers the store chosen by configuration, the Redis connection, and their health checks.</summary>
    public static IServiceCollection AddHuiqiStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.ReadStorageOptions();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        if (options.UsesPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            {
                throw new InvalidOperationException("Huiqi:Store:Provider is postgres but ConnectionStrings:Postgres is not set.");
            }

            services.AddSingleton(_ => NpgsqlDataSource.Create(options.PostgresConnectionString));
            services.AddSingleton<IStore, PostgresStore>();
        }
        else
        {
            services.AddSingleton<IStore, SqliteStore>();
        }

        services.AddSingleton<RedisConnection>();
        services.AddSingleton<ChangeFeed>();
        services.AddMemoryCache();
        services.AddSingleton<ProfileCache>();
        services.AddSingleton<EligibilityIndex>();
        services.AddSingleton<IndexSnapshots>();
        services.AddSingleton<IndexSync>();
        services.AddSingleton<IProfileChangeListener>(sp => sp.GetRequiredService<IndexSync>());
        services.AddSingleton<IProfileChangeListener>(sp => sp.GetRequiredService<ProfileCache>());
        services.AddSingleton(FactAuthority.FromConfiguration(configuration)); // a wrong mapping stops start-up, naming the key
        services.AddSingleton<ProfileWriter>();
        services.AddSingleton<ProfileImporter>();
        services.AddSingleton<DemoSeeder>();
        // Start order matters: migrate (and seed) before the index loads.
        services.AddSingleton<StoreReady>();
        services.AddHostedService<StoreInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<IndexSync>());
        if (options.IndexSnapshotPath is not null)
        {
            services.AddHostedService<IndexSnapshotWriter>();
        }

        var health = services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>(StoreCheck, tags: ["ready"])
            .Add(new HealthCheckRegistration(IndexCheck, sp => sp.GetRequiredService<IndexSync>(), HealthStatus.Unhealthy, ["ready"]));
        if (!string.IsNullOrWhiteSpace(options.RedisConfiguration))
        {
            // Not tagged "ready": Redis is a cache, so its absence degrades the service but does not stop it.
            health.AddCheck<RedisHealthCheck>(RedisCheck);
        }

        return services;
    }
}
