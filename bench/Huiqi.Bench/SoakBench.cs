using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Huiqi.Bench;

/// <summary>
/// `-- soak --url URL --pid GATEWAY_PID [--rate 2000] [--minutes 30]`: a steady rate of `GET /v1/me/eligibility` over many
/// enterprises (tokens from the development token route) for a long time, printing per minute the requests, failures,
/// p50/p99 latency and the gateway's resident memory, then the first and last five minutes side by side. Requests are
/// sent on a clock, not when the previous one returns (at most 256 in flight; beyond that they are counted as dropped).
/// </summary>
internal static class SoakBench
{
    public static async Task RunAsync(string[] args)
    {
        var url = new Uri(args.Arg("--url", "http://127.0.0.1:8080"));
        var rate = args.IntArg("--rate", 2000);
        var minutes = args.IntArg("--minutes", 30);
        var pid = args.IntArg("--pid", 0);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        var admin = (await (await http.PostAsJsonAsync("/v1/dev/token", new { role = "admin", sub = "soak" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var usccs = new List<string>();
        foreach (var policy in new[] { "lz-utilities-subsidy", "lz-employment-stability" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/policies/{policy}/matches?limit=500");
            request.Headers.Authorization = new("Bearer", admin);
            var page = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
            usccs.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("uscc").GetString()!));
        }

        var tokens = new List<string>();
        foreach (var uscc in usccs.Distinct().Take(1000))
        {
            tokens.Add((await (await http.PostAsJsonAsync("/v1/dev/token", new { role = "enterprise", uscc })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
        }

        Console.WriteLine($"rate_per_s={rate} minutes={minutes} enterprises={tokens.Count}");
        Console.WriteLine("minute requests failed dropped p50_ms p99_ms gateway_rss_mb");
        var rows = new List<(int Minute, double P50, double P99, double RssMb, long Failed)>();
        var inFlight = 0;
        var next = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        for (var minute = 1; minute <= minutes; minute++)
        {
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            long failed = 0, dropped = 0, sent = 0;
            var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
            double owed = 0;
            while (Stopwatch.GetTimestamp() < end && await timer.WaitForNextTickAsync())
            {
                owed += rate / 100.0;
                for (; owed >= 1; owed--)
                {
                    if (Volatile.Read(ref inFlight) >= 256)
                    {
                        dropped++;
                        continue;
                    }

                    Interlocked.Increment(ref inFlight);
                    sent++;
                    var token = tokens[next++ % tokens.Count];
                    _ = Task.Run(async () =>
                    {
                        var started = Stopwatch.GetTimestamp();
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me/eligibility");
                            request.Headers.Authorization = new("Bearer", token);
                            using var response = await http.SendAsync(request);
                            await response.Content.CopyToAsync(Stream.Null);
                            if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); }
                        }
                        catch (Exception)
                        {
                            Interlocked.Increment(ref failed);
                        }
                        finally
                        {
                            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            Interlocked.Decrement(ref inFlight);
                        }
                    });
                }
            }

            var sorted = latencies.Order().ToArray();
            double Pct(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
            var rss = BenchArgs.RssMb(pid);
            rows.Add((minute, Pct(0.5), Pct(0.99), rss, failed));
            Console.WriteLine($"{minute} {sent} {failed} {dropped} {Pct(0.5):0.00} {Pct(0.99):0.00} {rss:0.0}");
        }

        var first = rows.Take(5).ToList();
        var last = rows.TakeLast(5).ToList();
        Console.WriteLine($"first_5_min: p99_ms_median={first.Select(r => r.P99).Order().ElementAt(first.Count / 2):0.00} rss_mb_max={first.Max(r => r.RssMb):0.0} failed={first.Sum(r => r.Failed)}");
        Console.WriteLine($"last_5_min:  p99_ms_median={last.Select(r => r.P99).Order().ElementAt(last.Count / 2):0.00} rss_mb_max={last.Max(r => r.RssMb):0.0} failed={last.Sum(r => r.Failed)}");
    }
}
