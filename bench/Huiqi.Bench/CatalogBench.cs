using System.Diagnostics;
using Huiqi.Application.Callers;
using Huiqi.Application.Eligibility;
using Huiqi.Application.Policies;
using Huiqi.Domain.Common;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;
using Huiqi.Domain.Serialization;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Matching;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Huiqi.Bench;

/// <summary>
/// `-- catalog [--data-dir DIR] [--policies N]`: the catalogue at a real platform's scale (Shanghai ~7,600 policies,
/// Beijing 京策 20,000+). The demo store (its 21 policies and 10,000 enterprises, SQLite) gains N typical published
/// policies (default 20,000), then, through the application core both faces call: a policy search (GET
/// /v1/policies?q=…) and the first page of the list, and one enterprise's answer over every policy in force: how many
/// policies the conjunct index left to evaluate, the first page (50) without and with its conditions explained (what
/// GET /v1/me/eligibility asks for), and every answer. Latencies of single calls, in one process; prints name=value lines.
/// The data folder is kept, so a gateway can be started on it (docs/benchmarks.md).
/// </summary>
public static class CatalogBench
{
    public static async Task RunAsync(string[] args)
    {
        var dataDir = args.Arg("--data-dir", Directory.CreateTempSubdirectory("huiqi-catalog-").FullName);
        var count = args.IntArg("--policies", 20_000);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Huiqi:DataDir"] = dataDir,
            ["Huiqi:Demo:Seed"] = "true",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHuiqiStorage(configuration);
        builder.Services.AddSingleton<PolicyCatalog>();
        builder.Services.AddSingleton<EnterpriseAnswers>();
        using var host = builder.Build();
        await host.StartAsync();
        var sync = host.Services.GetRequiredService<IndexSync>();
        await sync.Loaded;
        var store = host.Services.GetRequiredService<IStore>();
        var index = host.Services.GetRequiredService<EligibilityIndex>();

        var generator = new PolicyGenerator(2026);
        var existing = (await store.ListPublishedPoliciesAsync(CancellationToken.None)).Count;
        var saving = Stopwatch.StartNew();
        for (var i = existing; i < count + 21; i++)
        {
            var policy = generator.Typical($"bench-{i:D6}") with { Title = $"{Topic(i)}专项扶持政策（第{i}号）" };
            var document = new PolicyJson.Document(policy, $"支持{Topic(i)}的企业，按条件给予奖励或补贴。", [$"第一条 为支持{Topic(i)}，制定本政策。", "第二条 符合条件的企业免申即享。"], null);
            await store.SavePolicyAsync(new PolicyRecord(document, DateTimeOffset.UtcNow, "bench", DateTimeOffset.UtcNow), CancellationToken.None);
        }

        await sync.PoliciesChangedAsync(CancellationToken.None);
        Console.WriteLine($"machine={Environment.ProcessorCount} cores, .NET {Environment.Version}; data_dir={dataDir}");
        Console.WriteLine($"policies_in_force={index.Policies.Count} enterprises={index.Count} save_s={saving.Elapsed.TotalSeconds:F1}");

        var catalog = host.Services.GetRequiredService<PolicyCatalog>();
        var answers = host.Services.GetRequiredService<EnterpriseAnswers>();
        var admin = new Caller(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(ClaimNames.Role, Roles.Admin), new System.Security.Claims.Claim(ClaimNames.Subject, "bench")], "bench")));
        var today = Dates.TodayInChina();

        var first = Stopwatch.StartNew();
        await catalog.ListAsync(admin, new PolicyQuery(today, PolicyListStatus.InForce), CancellationToken.None);
        Console.WriteLine($"catalog_first_load_ms={first.Elapsed.TotalMilliseconds:F0}");

        string[] terms = ["人工智能", "专精特新", "第12345号", "研发", "没有这个词", "高新技术"];
        var hits = 0;
        Report("search_ms", await TimeAsync(500, async n =>
        {
            var found = await catalog.ListAsync(admin, new PolicyQuery(today, PolicyListStatus.InForce, Text: terms[n % terms.Length]), CancellationToken.None);
            hits += found.Count;
        }));
        Report("list_in_force_ms", await TimeAsync(200, n => catalog.ListAsync(admin, new PolicyQuery(today, PolicyListStatus.InForce), CancellationToken.None)));
        // 500 enterprises spread over the population whatever their status for any policy.
        var usccs = index.MatchPolicy(index.Policies[0], today) is var r
            ? Enum.GetValues<Domain.Evaluation.EligibilityStatus>().SelectMany(s => index.Outcomes(r, index.Policies[0], today, s))
                .OrderBy(o => o.Slot).Where((_, i) => i % Math.Max(1, index.Count / 500) == 0).Take(500).Select(o => o.Outcome.Uscc).ToArray()
            : [];
        var evaluated = usccs.Select(u => index.AnswerEnterprise(u, today)!.Evaluated).Order().ToArray();
        Console.WriteLine($"policies_evaluated_per_answer: median={evaluated[evaluated.Length / 2]} p99={evaluated[(int)(evaluated.Length * 0.99)]} max={evaluated[^1]} of {index.Policies.Count}");
        // Of those, the ones answered for a first page of 50: the others can never be eligible and wait until a page reaches them.
        var firstPage = usccs.Select(u => index.AnswerEnterprise(u, today) is { } r && r.Page(0, 50) is not null ? r.EvaluatedSoFar : 0).Order().ToArray();
        Console.WriteLine($"policies_answered_for_first_page: median={firstPage[firstPage.Length / 2]} p99={firstPage[(int)(firstPage.Length * 0.99)]} max={firstPage[^1]}");
        Report("index_match_enterprise_ms", await TimeAsync(usccs.Length, n => Task.FromResult(index.MatchEnterprise(usccs[n], today))));
        Report("enterprise_answer_page_ms", await TimeAsync(usccs.Length, n => answers.AnswerAsync(admin, usccs[n], today, explain: false, CancellationToken.None, offset: 0, limit: 50)));
        Report("enterprise_answer_first_page_explained_ms", await TimeAsync(usccs.Length, n => answers.AnswerAsync(admin, usccs[n], today, explain: true, CancellationToken.None, offset: 0, limit: 50)));
        Report("enterprise_answer_all_ms", await TimeAsync(usccs.Length, n => answers.AnswerAsync(admin, usccs[n], today, explain: false, CancellationToken.None)));
        Report("enterprise_answer_all_explained_ms", await TimeAsync(50, n => answers.AnswerAsync(admin, usccs[n], today, explain: true, CancellationToken.None)));
        await host.StopAsync();
    }

    private static readonly string[] Topics = ["人工智能", "专精特新", "研发投入", "高新技术", "稳岗就业", "外贸出口", "首次入规", "数字化转型"];

    private static string Topic(int i) => Topics[i % Topics.Length];

    private static void Report(string name, double[] ms)
    {
        Array.Sort(ms);
        Console.WriteLine($"{name}: median={ms[ms.Length / 2]:F3} p99={ms[(int)(ms.Length * 0.99)]:F3} max={ms[^1]:F3} calls={ms.Length}");
    }

    /// <summary>Each call timed alone after two warm-up passes (tiered JIT).</summary>
    private static async Task<double[]> TimeAsync(int calls, Func<int, Task> call)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            for (var n = 0; n < Math.Min(calls, 50); n++) { await call(n); }
        }

        var ms = new double[calls];
        for (var n = 0; n < calls; n++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await call(n);
            ms[n] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        return ms;
    }
}
