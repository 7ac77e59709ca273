using System.Diagnostics;
using Huiqi.Domain.Common;
using Huiqi.Domain.Population;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Huiqi.Cli;

/// <summary>
/// The operators' tool, parsed by System.CommandLine: <c>--help</c> on every command, unknown commands and options
/// refused by name, values checked before anything runs, exit codes scripts can trust (0 done, 1 the command ran and
/// found a problem — rejected rows, a broken audit chain — or the command line was wrong, 2 the command could not run).
/// Store and Redis come from the same settings as the services: environment variables (<c>Huiqi__DataDir</c>,
/// <c>Huiqi__Store__Provider</c>, <c>ConnectionStrings__Postgres</c>, <c>ConnectionStrings__Redis</c>) or the options
/// <c>--data-dir</c>, <c>--provider</c>, <c>--postgres</c>, <c>--redis</c>.
/// </summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args) => Root().Parse(args).InvokeAsync();

    private static RootCommand Root()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "SQLite 数据目录（Huiqi:DataDir）", Recursive = true };
        var provider = new Option<string>("--provider") { Description = "存储：sqlite 或 postgres（Huiqi:Store:Provider）", Recursive = true };
        provider.AcceptOnlyFromAmong("sqlite", "postgres");
        var postgres = new Option<string>("--postgres") { Description = "PostgreSQL 连接串（ConnectionStrings:Postgres）", Recursive = true };
        var redis = new Option<string>("--redis") { Description = "Redis 配置（ConnectionStrings:Redis）", Recursive = true };
        var root = new RootCommand("huiqi — 惠企 operators' tool") { dataDir, provider, postgres, redis };

        // Every command reads its settings through one configuration: environment first, then what the command line says.
        IConfiguration Configuration(ParseResult result, params (string Key, string? Value)[] more)
        {
            var given = new Dictionary<string, string?>
            {
                ["Huiqi:DataDir"] = result.GetValue(dataDir),
                ["Huiqi:Store:Provider"] = result.GetValue(provider),
                ["ConnectionStrings:Postgres"] = result.GetValue(postgres),
                ["ConnectionStrings:Redis"] = result.GetValue(redis),
            };
            foreach (var (key, value) in more)
            {
                given[key] = value;
            }

            return new ConfigurationBuilder()
                .AddEnvironmentVariables()
                .AddInMemoryCollection(given.Where(g => g.Value is not null))
                .Build();
        }

        var migrate = new Command("migrate", "apply the store's schema migrations");
        migrate.SetAction((result, _) => Guarded(() => MigrateAsync(Configuration(result))));

        var file = new Argument<FileInfo>("FILE") { Description = "CSV (.csv) or NDJSON (any other name)" };
        file.AcceptExistingOnly();
        var partner = new Option<string>("--partner") { Description = "the partner (its sub) whose feed the file is: decides which fields are authoritative (docs/trust.md)" };
        var batch = new Option<int>("--batch") { Description = "rows per transaction", DefaultValueFactory = _ => 20_000 };
        batch.Validators.Add(r => InRange(r, 1, 1_000_000));
        var import = new Command("import", "import enterprise profiles from CSV (.csv) or NDJSON (any other name)") { file, partner, batch };
        import.SetAction((result, _) => Guarded(() => ImportAsync(Configuration(result,
            ("Cli:Partner", result.GetValue(partner)), ("Cli:Batch", result.GetValue(batch).ToString(System.Globalization.CultureInfo.InvariantCulture))), result.GetValue(file)!.FullName)));

        var count = new Option<int>("--count") { Description = "how many enterprises", DefaultValueFactory = _ => 10_000 };
        count.Validators.Add(r => InRange(r, 1, 50_000_000));
        var output = new Option<string>("--out") { Description = "write to this file (default: standard output)" };
        var seed = new Option<int>("--seed") { Description = "the generator's seed (the same seed, the same population)", DefaultValueFactory = _ => 20261123 };
        var generate = new Command("generate", "write a synthetic population as NDJSON") { count, output, seed };
        generate.SetAction((result, _) => Guarded(() => Task.FromResult(Generate(result.GetValue(count), result.GetValue(seed), result.GetValue(output)))));

        var role = new Option<string>("--role") { Description = "enterprise, staff, partner or admin", Required = true };
        role.AcceptOnlyFromAmong(Huiqi.Application.Callers.Roles.All);
        var uscc = new Option<string>("--uscc") { Description = "the enterprise (role enterprise)" };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "a known 6-digit region code (role staff)" };
        var scope = new Option<string>("--scope") { Description = "space-separated scopes (role partner)" };
        var sub = new Option<string>("--sub") { Description = "who the caller is" };
        var signingKey = new Option<string>("--signing-key") { Description = "HS256 key (default: Auth__SigningKey)" };
        var token = new Command("token", "mint a token with the configured signing key, for trying the gRPC API") { role, uscc, jurisdiction, scope, sub, signingKey };
        token.SetAction((result, _) => Guarded(() => Task.FromResult(Token(Configuration(result, ("Auth:SigningKey", result.GetValue(signingKey))),
            new Dictionary<string, string?>
            {
                ["role"] = result.GetValue(role), ["uscc"] = result.GetValue(uscc), ["jurisdiction"] = result.GetValue(jurisdiction),
                ["scope"] = result.GetValue(scope), ["sub"] = result.GetValue(sub),
            }))));

        var verify = new Command("verify", "recompute the audit log's hash chain; exit 1 and name the first broken link if it was altered");
        verify.SetAction((result, _) => Guarded(() => VerifyAuditAsync(Configuration(result))));
        var audit = new Command("audit", "the hash-chained audit log") { verify };

        root.Subcommands.Add(migrate);
        root.Subcommands.Add(import);
        root.Subcommands.Add(generate);
        root.Subcommands.Add(token);
        root.Subcommands.Add(audit);
        return root;
    }

    /// <summary>A number option's range; a value that is not a number at all is reported by the parser itself.</summary>
    private static void InRange(System.CommandLine.Parsing.OptionResult result, int min, int max)
    {
        if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && (value < min || value > max))
        {
            result.AddError($"{result.Option.Name} 应在 {min:N0} 到 {max:N0} 之间");
        }
    }

    /// <summary>What goes wrong outside our control (the store unreachable, a file unreadable) is exit code 2 with a plain message, not a stack trace.</summary>
    private static async Task<int> Guarded(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
        {
            return Fail($"失败：{ex.Message}");
        }
    }

    private static ServiceProvider Services(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddHuiqiStorage(configuration);
        return services.BuildServiceProvider();
    }

    private static async Task<int> MigrateAsync(IConfiguration configuration)
    {
        await using var services = Services(configuration);
        var store = services.GetRequiredService<IStore>();
        var applied = await store.MigrateAsync(CancellationToken.None);
        Console.WriteLine($"{store.Provider}: {applied} migration(s) applied, schema current");
        return 0;
    }

    private static async Task<int> VerifyAuditAsync(IConfiguration configuration)
    {
        await using var services = Services(configuration);
        var store = services.GetRequiredService<IStore>();
        var result = await AuditChain.VerifyAsync(store.ReadAuditAsync(CancellationToken.None));
        if (result.Intact)
        {
            Console.WriteLine($"audit chain intact: {result.Checked} record(s) verified");
            return 0;
        }

        Console.Error.WriteLine($"审计链在第 {result.BrokenAt} 条记录处断开：{result.Reason}");
        Console.WriteLine($"audit chain BROKEN at seq={result.BrokenAt} ({result.Checked} record(s) read)");
        return 1;
    }

    private static async Task<int> ImportAsync(IConfiguration configuration, string path)
    {
        await using var services = Services(configuration);
        var store = services.GetRequiredService<IStore>();
        await store.MigrateAsync(CancellationToken.None);
        // The CLI keeps no matching index: it only tells running instances to catch up.
        var writer = new ProfileWriter(store, TimeProvider.System, [new NotifyOtherInstances(services.GetRequiredService<ChangeFeed>())], FactAuthority.FromConfiguration(configuration));
        var importer = new ProfileImporter(writer);
        var format = ProfileFile.FormatOf(path);
        var totalBytes = new FileInfo(path).Length;
        using var stream = File.OpenRead(path);
        using var reader = new StreamReader(stream);
        var progress = new ProgressBar(() => stream.Position, totalBytes);
        var summary = await importer.ImportAsync(ProfileFile.Read(reader, format), ProfileSource.PartnerFeed,
            // Whose feed the file is decides which of its fields are authoritative (TRUST.md §1; Huiqi__Trust__Owners__…).
            FactAuthority.PartnerBy(configuration["Cli:Partner"] is { Length: > 0 } partner ? partner : $"cli:{Path.GetFileName(path)}"),
            configuration.GetValue("Cli:Batch", 20_000), progress);
        progress.Finish();

        foreach (var error in summary.Errors)
        {
            Console.Error.WriteLine($"第 {error.Line} 行 {error.Field}：{error.Reason}（{error.Code}）");
        }

        if (summary.Rejected > summary.Errors.Select(e => e.Line).Distinct().Count())
        {
            Console.Error.WriteLine($"（只列出前 {ProfileImporter.MaxReportedErrors} 条错误）");
        }

        Console.WriteLine($"rows={summary.Received} inserted={summary.Inserted} updated={summary.Updated} unchanged={summary.Unchanged} rejected={summary.Rejected}");
        Console.WriteLine($"elapsed_s={summary.Elapsed.TotalSeconds:0.00} rows_per_s={summary.RowsPerSecond:0}");
        return summary.Rejected > 0 ? 1 : 0;
    }

    private static int Generate(int count, int seed, string? output)
    {
        var watch = Stopwatch.StartNew();
        using var writer = output is null ? Console.Out : new StreamWriter(output);
        ProfileFile.WriteNdjson(writer, new PopulationGenerator(seed).Generate(count, Dates.TodayInChina()));
        if (output is not null)
        {
            Console.WriteLine($"wrote {count} profiles to {output} in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        return 0;
    }

    /// <summary>A token for trying the gRPC API (e.g. with grpcurl); the key comes from configuration, never from code.</summary>
    private static int Token(IConfiguration configuration, Dictionary<string, string?> given)
    {
        var options = configuration.GetSection("Auth").Get<Huiqi.Application.Callers.Tokens.AuthOptions>() ?? new Huiqi.Application.Callers.Tokens.AuthOptions();
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            return Fail("没有签名密钥：请设置环境变量 Auth__SigningKey 或使用 --signing-key（开发密钥见 src/Huiqi.Gateway/appsettings.Development.json）");
        }

        var claims = given.Where(c => !string.IsNullOrEmpty(c.Value)).ToDictionary(c => c.Key, c => c.Value!);
        claims.TryAdd("sub", $"cli-{claims["role"]}");
        // The same check as authentication: a token the platform would refuse is not minted.
        if (Huiqi.Application.Callers.Tokens.CallerClaims.Problem(claims.Select(c => new System.Security.Claims.Claim(c.Key, c.Value))) is { } problem)
        {
            return Fail($"--{problem.Field}：{problem.Message}");
        }

        Console.WriteLine(new Huiqi.Application.Callers.Tokens.TokenIssuer(options, TimeProvider.System).Issue(claims));
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}

/// <summary>A progress bar on a terminal, a line every 10% when the output is redirected.</summary>
internal sealed class ProgressBar(Func<long> position, long total) : IProgress<ImportProgress>
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private int _lastDecile = -1;

    public void Report(ImportProgress value)
    {
        var fraction = total == 0 ? 1 : Math.Min(1, position() / (double)total);
        var rate = value.Rows / Math.Max(_watch.Elapsed.TotalSeconds, 1e-3);
        if (Console.IsOutputRedirected)
        {
            var decile = (int)(fraction * 10);
            if (decile != _lastDecile)
            {
                _lastDecile = decile;
                Console.WriteLine($"{fraction:P0}  {value.Rows:N0} 行  {rate:N0} 行/秒  拒绝 {value.Rejected:N0}");
            }

            return;
        }

        var filled = (int)(fraction * 30);
        Console.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0}  {value.Rows:N0} 行  {rate:N0} 行/秒  拒绝 {value.Rejected:N0}   ");
    }

    public void Finish()
    {
        if (!Console.IsOutputRedirected)
        {
            Console.WriteLine();
        }
    }
}
