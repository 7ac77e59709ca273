using Huiqi.Storage.Cache;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Huiqi.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Health check names, shared by the backend's gRPC health mapping.</summary>
    public const string StoreCheck = "store";
    public const string RedisCheck = "redis";

    public static StorageOptions ReadStorageOptions(this IConfiguration configuration) => new()
    {
        Provider = configuration["Huiqi:Store:Provider"] ?? "sqlite",
        DataDir = configuration["Huiqi:DataDir"] ?? "./data",
        PostgresConnectionString = configuration.GetConnectionString("Postgres"),
        RedisConfiguration = configuration.GetConnectionString("Redis"),
    };

    /// <summary>Registers the store chosen by configuration, the Redis connection, and their health checks.</summary>
    public static IServiceCollection AddHuiqiStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.ReadStorageOptions();
        services.AddSingleton(options);
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
        var health = services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>(StoreCheck, tags: ["ready"]);
        if (!string.IsNullOrWhiteSpace(options.RedisConfiguration))
        {
            // Not tagged "ready": Redis is a cache, so its absence degrades the service but does not stop it.
            health.AddCheck<RedisHealthCheck>(RedisCheck);
        }

        return services;
    }
}
