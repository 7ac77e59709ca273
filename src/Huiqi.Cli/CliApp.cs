using System.Diagnostics;
using Huiqi.Domain.Common;
using Huiqi.Domain.Population;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Huiqi.Cli;

/// <summary>
/// The operators' tool. Store and Redis come from the same settings as the services: environment variables
/// (<c>Huiqi__DataDir</c>, <c>Huiqi__Store__Provider</c>, <c>ConnectionStrings__Postgres</c>,
/// <c>ConnectionStrings__Redis</c>) or the options <c>--data-dir</c>, <c>--provider</c>, <c>--postgres</c>, <c>--redis</c>.
/// </summary>
public static class CliApp
{
    private static readonly (string Verb, string Summary, bool Built)[] Verbs =
    [
        ("migrate", "apply the store's schema migrations", true),
        ("import FILE [--partner SUB]", "import enterprise profiles from CSV (.csv) or NDJSON (any other name), as the feed of partner SUB", true),
        ("generate --count N [--out FILE]", "write a synthetic population as NDJSON (default: stdout)", true),
        ("token --role R [--uscc U] [--jurisdiction J] [--scope S] [--sub S]", "mint a token with the configured signing key (Auth__SigningKey)", true),
        ("audit verify", "recompute the audit log's hash chain; exit 1 and name the first broken link if it was altered", true),
    ];

    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "Huiqi:DataDir",
        ["--provider"] = "Huiqi:Store:Provider",
        ["--postgres"] = "ConnectionStrings:Postgres",
        ["--redis"] = "ConnectionStrings:Redis",
        ["--count"] = "Cli:Count",
        ["--out"] = "Cli:Out",
        ["--seed"] = "Cli:Seed",
        ["--batch"] = "Cli:Batch",
        ["--partner"] = "Cli:Partner",
        ["--role"] = "Cli:Token:role",
        ["--uscc"] = "Cli:Token:uscc",
        ["--jurisdiction"] = "Cli:Token:jurisdiction",
        ["--scope"] = "Cli:Token:scope",
        ["--sub"] = "Cli:Token:sub",
        ["--signing-key"] = "Auth:SigningKey",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine("huiqi — 惠企 operators' tool\n\nusage: huiqi <verb> [options]\n");
            foreach (var (name, summary, built) in Verbs)
            {
                Console.WriteLine($"  {name,-34} {summary}{(built ? "" : " (not built yet)")}");
            }

            Console.WriteLine("\noptions: --data-dir DIR  --provider sqlite|postgres  --postgres CONNSTR  --redis CONFIG");
            return 0;
        }

        var verb = args[0];
        var positional = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine([.. args.Skip(1 + positional.Length)], Switches)
            .Build();
        try
        {
            return verb switch
            {
                "migrate" => await MigrateAsync(configuration),
                "import" when positional.Length == 1 => await ImportAsync(configuration, positional[0]),
                "import" => Fail("用法：huiqi import FILE"),
                "generate" => Generate(configuration),
                "token" => Token(configuration),
                "audit" when positional is ["verify"] => await VerifyAuditAsync(configuration),
                "audit" => Fail("用法：huiqi audit verify"),
                _ when Verbs.Any(v => v.Verb.Split(' ')[0] == verb) => Fail($"命令 {verb} 尚未实现。"),
                _ => Fail($"未知命令：{verb}（运行 huiqi --help 查看可用命令）"),
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
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
        if (!File.Exists(path))
        {
            return Fail($"找不到文件：{path}");
        }

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

    private static int Generate(IConfiguration configuration)
    {
        var count = configuration.GetValue("Cli:Count", 10_000);
        var seed = configuration.GetValue("Cli:Seed", 20261123);
        var output = configuration["Cli:Out"];
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
    private static int Token(IConfiguration configuration)
    {
        var options = configuration.GetSection("Auth").Get<Huiqi.Backend.Auth.AuthOptions>() ?? new Huiqi.Backend.Auth.AuthOptions();
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            return Fail("没有签名密钥：请设置环境变量 Auth__SigningKey 或使用 --signing-key（开发密钥见 src/Huiqi.Gateway/appsettings.Development.json）");
        }

        var claims = configuration.GetSection("Cli:Token").GetChildren().Where(c => !string.IsNullOrEmpty(c.Value)).ToDictionary(c => c.Key, c => c.Value!);
        if (!claims.TryGetValue("role", out var role) || !Huiqi.Backend.Auth.Roles.All.Contains(role))
        {
            return Fail($"--role 应为 {string.Join("、", Huiqi.Backend.Auth.Roles.All)} 之一");
        }

        claims.TryAdd("sub", $"cli-{role}");
        Console.WriteLine(new Huiqi.Backend.Auth.TokenIssuer(options, TimeProvider.System).Issue(claims));
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
