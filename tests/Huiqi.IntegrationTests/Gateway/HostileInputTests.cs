using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// Bytes, headers and bodies an attacker or a bad network sends, each named by the attack: the answer is a 4xx
/// problem (application/problem+json, zh-CN, a code), never a 5xx, whatever the client says it accepts.
/// </summary>
public sealed class HostileInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string attack)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{attack}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()), attack);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("title").GetString()!);
        return problem.Clone();
    }

    private async Task<HttpResponseMessage> SendBytesAsync(HttpMethod method, string path, string? token, byte[] body, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        configure?.Invoke(request);
        return await fixture.Platform.Http.SendAsync(request);
    }

    [Fact]
    public async Task Invalid_utf8_or_a_lone_surrogate_in_any_json_string_is_400_on_every_body_route_even_anonymous()
    {
        var f = fixture;
        byte[] Raw(string before, byte[] bad, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];
        var bodies = new (string Attack, byte[] Body)[]
        {
            ("invalid UTF-8 in a value", Raw("""{"role": "enterprise", "uscc": "9162""", [0xC3, 0x28, 0xFF], "\"}")),
            ("a lone surrogate escaped", Encoding.UTF8.GetBytes("""{"role": "enterprise", "uscc": "\ud800"}""")),
            ("invalid UTF-8 in a member name", Raw("{\"", [0xFE, 0xFF], "\": 1}")),
            ("a lone low surrogate deep in an array", Encoding.UTF8.GetBytes("""{"role": "staff", "sub": ["a", "\udc00"]}""")),
        };
        var routes = new (HttpMethod Method, string Path, string? Token)[]
        {
            (HttpMethod.Post, "/v1/dev/token", null),
            (HttpMethod.Patch, "/v1/me", f.TokenA),
            (HttpMethod.Put, $"/v1/enterprises/{f.A}", f.Admin),
            (HttpMethod.Post, "/v1/policies", f.StaffIn),
            (HttpMethod.Post, "/v1/me/corrections", f.TokenA),
            (HttpMethod.Post, $"/v1/me/entitlements/{f.EntitlementOfA.Id}/object", f.TokenA),
            (HttpMethod.Post, "/v1/entitlements/approve", f.StaffIn),
        };
        foreach (var (method, path, token) in routes)
        {
            foreach (var (attack, body) in bodies)
            {
                var problem = await ProblemAsync(await SendBytesAsync(method, path, token, body), HttpStatusCode.BadRequest, $"{attack} → {method} {path}");
                Assert.Contains(problem.GetProperty("code").GetString(), new[] { "json.encoding", "json.malformed" });
            }
        }
    }

    [Theory]
    [InlineData("Infinity")]
    [InlineData("NaN")]
    [InlineData("1, 2")]
    [InlineData("1e-9")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public async Task A_request_timeout_that_is_no_deadline_or_overflows_is_a_400_naming_the_header(string value)
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, "/v1/me/eligibility", fixture.TokenA, configure: r => r.Headers.TryAddWithoutValidation("Request-Timeout", value));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, $"Request-Timeout: {value}");
        Assert.Equal("Request-Timeout", problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("3600")]
    [InlineData("1e20")]  // overflowed the deadline arithmetic once (500)
    [InlineData("1e308")]
    public async Task A_generous_request_timeout_is_capped_at_the_gateways_own_not_refused(string value)
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, "/v1/me/eligibility", fixture.TokenA, configure: r => r.Headers.TryAddWithoutValidation("Request-Timeout", value));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/event-stream")]
    [InlineData("text/html")]
    public async Task Refusals_are_problem_json_whatever_the_client_accepts(string accept)
    {
        using var anonymous = await fixture.SendAsync(HttpMethod.Get, "/v1/me", null, configure: r => r.Headers.TryAddWithoutValidation("Accept", accept));
        await ProblemAsync(anonymous, HttpStatusCode.Unauthorized, $"401 with Accept: {accept}");
        using var forbidden = await fixture.SendAsync(HttpMethod.Get, "/v1/entitlements", fixture.TokenA, configure: r => r.Headers.TryAddWithoutValidation("Accept", accept));
        await ProblemAsync(forbidden, HttpStatusCode.Forbidden, $"403 with Accept: {accept}");
        using var missing = await fixture.SendAsync(HttpMethod.Get, "/v1/nothing-here", fixture.Admin, configure: r => r.Headers.TryAddWithoutValidation("Accept", accept));
        await ProblemAsync(missing, HttpStatusCode.NotFound, $"404 with Accept: {accept}");
    }

    /// <summary>Raw HTTP/1.1 over a socket: what HttpClient will not send.</summary>
    private async Task<string> RawAsync(Func<NetworkStream, Task> send)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.Platform.GatewayAddress.Host, fixture.Platform.GatewayAddress.Port);
        var stream = client.GetStream();
        await send(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, timeout.Token)) > 0)
            {
                response.Append(buffer, 0, read);
                if (response.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && response.ToString().TrimEnd().EndsWith('}'))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // the server closed the connection after answering
        }

        return response.ToString();
    }

    private string Head(string method, string path, string extra) =>
        $"{method} {path} HTTP/1.1\r\nHost: {fixture.Platform.GatewayAddress.Authority}\r\nAuthorization: Bearer {fixture.TokenA}\r\nContent-Type: application/json\r\n{extra}\r\n";

    [Fact]
    public async Task A_malformed_chunked_body_is_400_not_500()
    {
        var answer = await RawAsync(async s =>
        {
            await s.WriteAsync(Encoding.ASCII.GetBytes(Head("PATCH", "/v1/me", "Transfer-Encoding: chunked\r\n") + "zz\r\n{\"name\": 1}\r\n0\r\n\r\n"));
        });
        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Contains("application/problem+json", answer);
    }

    [Fact]
    public async Task A_body_that_arrives_too_slowly_is_408_not_500()
    {
        var answer = await RawAsync(async s =>
        {
            await s.WriteAsync(Encoding.ASCII.GetBytes(Head("PATCH", "/v1/me", "Content-Length: 4000\r\n") + "{\"name\": \""));
            for (var i = 0; i < 12; i++)
            {
                await Task.Delay(1000);
                try
                {
                    await s.WriteAsync("x"u8.ToArray()); // one byte a second: far below the minimum rate, after its grace period
                }
                catch (IOException)
                {
                    return; // the server gave up on the body and answered
                }
            }
        });
        Assert.StartsWith("HTTP/1.1 408", answer);
        Assert.Contains("application/problem+json", answer);
    }

    [Fact]
    public async Task A_request_line_or_headers_over_the_limit_get_a_problem_not_a_bare_refusal()
    {
        using var longLine = await fixture.SendAsync(HttpMethod.Get, "/v1/policies?q=" + new string('a', 10_000), fixture.TokenA);
        await ProblemAsync(longLine, HttpStatusCode.RequestUriTooLong, "a 10 KB request line");

        using var bigHeaders = await fixture.SendAsync(HttpMethod.Get, "/v1/policies", fixture.TokenA,
            configure: r => r.Headers.TryAddWithoutValidation("X-Padding", new string('b', 40_000)));
        await ProblemAsync(bigHeaders, HttpStatusCode.RequestHeaderFieldsTooLarge, "40 KB of headers");
    }
}
