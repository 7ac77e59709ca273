using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Huiqi.Testing;

namespace Huiqi.Bench;

/// <summary>
/// `-- hostile --url http://127.0.0.1:8080 [--count 100000] [--seed 1] [--concurrency 16]`: the hostile-input suite's
/// requests by the hundred thousand against a running platform in Development (tokens come from its development token
/// route), printing how many got each status and the first few 5xx (target: none).
/// </summary>
internal static class HostileBench
{
    public static async Task RunAsync(string[] args)
    {
        var url = new Uri(args.Arg("--url", "http://127.0.0.1:8080"));
        var count = args.IntArg("--count", 100000);
        var seed = args.IntArg("--seed", 1);
        var concurrency = args.IntArg("--concurrency", 16);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

        async Task<string> TokenAsync(object body) =>
            (await (await http.PostAsJsonAsync("/v1/dev/token", body)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var admin = await TokenAsync(new { role = "admin", sub = "bench" });
        http.DefaultRequestHeaders.Authorization = new("Bearer", admin);
        var match = await http.GetFromJsonAsync<JsonElement>("/v1/policies/lz-utilities-subsidy/matches?status=eligible&limit=2");
        var usccs = match.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("uscc").GetString()!).ToList();
        http.DefaultRequestHeaders.Authorization = null;
        string?[] tokens =
        [
            admin, await TokenAsync(new { role = "staff", jurisdiction = "620100", sub = "bench-lz" }), await TokenAsync(new { role = "staff", jurisdiction = "620400", sub = "bench-by" }),
            await TokenAsync(new { role = "partner", sub = "bench-bank", scope = "profiles:read profiles:write eligibility:read policies:read" }),
            .. await Task.WhenAll(usccs.Select(u => TokenAsync(new { role = "enterprise", uscc = u }))),
        ];
        var requests = new HostileRequests(await http.GetStringAsync("/openapi/v1.json"), seed, tokens, [.. usccs, "lz-utilities-subsidy", "lz-employment-stability", "cor-0000"]);

        var byStatus = new ConcurrentDictionary<int, int>();
        var serverErrors = new ConcurrentQueue<string>();
        var gate = new object();
        var sent = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref sent) <= count)
            {
                HttpRequestMessage request;
                string description;
                lock (gate)
                {
                    (request, description) = requests.Next(); // the generator is seeded, not thread-safe
                }

                try
                {
                    using var response = await http.SendAsync(request);
                    var status = (int)response.StatusCode;
                    byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status >= 500 && serverErrors.Count < 20)
                    {
                        serverErrors.Enqueue($"{status} ← {description}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    byStatus.AddOrUpdate(0, 1, (_, n) => n + 1); // the connection itself failed
                    if (serverErrors.Count < 20)
                    {
                        serverErrors.Enqueue($"connection: {ex.Message} ← {description}");
                    }
                }
                finally
                {
                    request.Dispose();
                }
            }
        }));

        Console.WriteLine($"requests={count} seed={seed} concurrency={concurrency} seconds={watch.Elapsed.TotalSeconds:0.0} per_s={count / watch.Elapsed.TotalSeconds:0}");
        foreach (var (status, n) in byStatus.OrderBy(s => s.Key))
        {
            Console.WriteLine($"status_{(status == 0 ? "connection_failed" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}={n}");
        }

        Console.WriteLine($"server_errors_5xx={byStatus.Where(s => s.Key >= 500).Sum(s => s.Value)}");
        foreach (var error in serverErrors)
        {
            Console.WriteLine($"  {error}");
        }
    }
}
