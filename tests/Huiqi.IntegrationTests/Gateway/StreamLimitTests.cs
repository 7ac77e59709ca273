using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Domain.Profiles;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// Server-sent events under abuse: one token may not pin an unbounded number of streams, and a stream lives no longer
/// than the token that opened it.
/// </summary>
public sealed class StreamLimitTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private static readonly string Owner = Uscc.Complete("91620102MA01WT001");

    public async Task InitializeAsync() => _platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:RateLimit:Enabled"] = "false",
        ["Backend:MaxWatchesPerCaller"] = "3",
    });

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task<HttpResponseMessage> OpenAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me/notifications/stream") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        return await _platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task One_token_holding_many_streams_is_refused_past_the_cap_and_a_closed_one_frees_its_place()
    {
        var token = _platform.Token(("role", "enterprise"), ("uscc", Owner));
        var open = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await OpenAsync(token));
            Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
        }

        using (var refused = await OpenAsync(token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("watch.limit", problem.GetProperty("code").GetString());
        }

        // Another user is not affected.
        using (var other = await OpenAsync(_platform.Token(("role", "enterprise"), ("uscc", Uscc.Complete("91620102MA01WT002")))))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        open[0].Dispose(); // the phone closes one
        for (var i = 0; ; i++)
        {
            using var again = await OpenAsync(token);
            if (again.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(i < 100, "a closed stream did not give its place back within 10 s");
            await Task.Delay(100);
        }

        open.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task A_stream_ends_when_the_token_that_opened_it_expires()
    {
        var issuer = _platform.BackendServices.GetRequiredService<TokenIssuer>();
        var shortLived = issuer.Issue(new Dictionary<string, string> { ["role"] = "enterprise", ["uscc"] = Owner }, TimeSpan.FromSeconds(3));
        using var response = await OpenAsync(shortLived);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<string>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                events.Add(line[7..]);
            }
        }

        Assert.Equal(["expired"], events); // told, then the stream ended
    }
}
