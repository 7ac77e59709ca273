using System.Diagnostics;
using System.Text;
using Huiqi.Domain.Profiles;

namespace Huiqi.Bench;

/// <summary>
/// `-- writes --url URL --token PARTNER_TOKEN --seconds N --prefix 91620102FT`: one writer creating new profiles through
/// the gateway, one request at a time, each with its own USCC (prefix + a counter), for the fault runs of
/// bench/faults.sh. Prints one line per request: status, USCC, milliseconds; the script counts rows against them.
/// </summary>
internal static class WritesBench
{
    public static async Task RunAsync(string[] args)
    {
        using var http = new HttpClient { BaseAddress = new Uri(args.Arg("--url", "http://127.0.0.1:8080")), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", args.Arg("--token", ""));
        var prefix = args.Arg("--prefix", "91620102FT");
        var until = DateTime.UtcNow.AddSeconds(double.Parse(args.Arg("--seconds", "30"), System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; DateTime.UtcNow < until; i++)
        {
            var uscc = Uscc.Complete($"{prefix}{i:D7}");
            var body = $$"""{"name": "故障测试{{i}}有限公司", "region": "620102", "employees": {{10 + i % 90}}}""";
            var watch = Stopwatch.StartNew();
            int status;
            try
            {
                using var response = await http.PutAsync($"/v1/enterprises/{uscc}", new StringContent(body, Encoding.UTF8, "application/json"));
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            Console.WriteLine($"{status} {uscc} {watch.ElapsedMilliseconds}");
            await Task.Delay(20); // about 40 writes a second: a partner's feed, not a flood
        }
    }
}
