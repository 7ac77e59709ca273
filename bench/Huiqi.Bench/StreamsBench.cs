using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Huiqi.Domain.Profiles;

namespace Huiqi.Bench;

/// <summary>
/// `-- streams --url URL --pid GATEWAY_PID [--count 1000]`: opens that many server-sent event streams at once, each for
/// a different enterprise (tokens from the development token route), waits for every `ready` event, and reports the
/// gateway process's resident memory before and with them open (from /proc).
/// </summary>
internal static class StreamsBench
{
    public static async Task RunAsync(string[] args)
    {
        var url = new Uri(args.Arg("--url", "http://127.0.0.1:8080"));
        var count = args.IntArg("--count", 1000);
        var pid = args.IntArg("--pid", 0);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = count + 10 }) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };

        var tokens = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var minted = await http.PostAsJsonAsync("/v1/dev/token", new { role = "enterprise", uscc = Uscc.Complete($"91620102MA{i:D7}") });
            tokens.Add((await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
        }

        GC.Collect();
        var before = BenchArgs.RssMb(pid) * 1024;
        var watch = Stopwatch.StartNew();
        var open = new List<(HttpResponseMessage Response, StreamReader Reader)>();
        var ready = 0;
        foreach (var batch in tokens.Chunk(100))
        {
            var opened = await Task.WhenAll(batch.Select(async token =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me/notifications/stream");
                request.Headers.Authorization = new("Bearer", token);
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var first = response.IsSuccessStatusCode ? await reader.ReadLineAsync() : null;
                return (response, reader, first == "event: ready");
            }));
            foreach (var (response, reader, isReady) in opened)
            {
                open.Add((response, reader));
                ready += isReady ? 1 : 0;
            }
        }

        var openSeconds = watch.Elapsed.TotalSeconds;
        await Task.Delay(3000);
        var with = BenchArgs.RssMb(pid) * 1024;
        Console.WriteLine($"streams={count} ready={ready} open_s={openSeconds:0.0}");
        Console.WriteLine($"gateway_rss_before_mb={before / 1024.0:0.0} gateway_rss_with_streams_mb={with / 1024.0:0.0} per_stream_kb={(with - before) / (double)count:0.0}");
        foreach (var (response, reader) in open)
        {
            reader.Dispose();
            response.Dispose();
        }

        await Task.Delay(3000);
        Console.WriteLine($"gateway_rss_after_close_mb={BenchArgs.RssMb(pid):0.0}");
    }
}
