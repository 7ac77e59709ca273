using Huiqi.Testing;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// The hostile-input suite: seeded requests generated from the gateway's own OpenAPI document over every /v1 route,
/// with odd paths, queries, headers, tokens and bodies. Not one may be a 5xx, and every 4xx is a problem document with a
/// code. (The bench's <c>hostile</c> mode sends the same kind of requests by the hundred thousand.)
/// </summary>
public sealed class HostileSuiteTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Thousands_of_generated_hostile_requests_over_every_route_get_no_5xx_and_problems_for_every_4xx(int seed)
    {
        var f = fixture;
        var openApi = await f.Platform.Http.GetStringAsync("/openapi/v1.json");
        var requests = new HostileRequests(openApi, seed, [f.TokenA, f.TokenB, f.StaffIn, f.StaffOut, f.Partner, f.PartnerNoScope, f.Admin],
            [f.A, f.B, f.LanzhouPolicy, f.EntitlementOfA.Id, "lz-utilities-subsidy", "cor-0000", "91350100M000100Y43"]);
        Assert.True(requests.Routes.Count >= 30, $"only {requests.Routes.Count} routes found in the OpenAPI document");

        var failures = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        var kestrel = 0;
        for (var i = 0; i < 1500; i++)
        {
            var (request, description) = requests.Next();
            using var response = await f.Platform.Http.SendAsync(request);
            var status = (int)response.StatusCode;
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            if (status >= 500)
            {
                failures.Add($"{status} ← {description}");
            }
            else if (response.Content.Headers.ContentLength == 0
                && (status is 414 or 431 || (status == 400 && request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal))))
            {
                kestrel++; // Kestrel refuses these before the application runs (a NUL in the target, a line or headers too long); no body (docs/gateway.md)
            }
            else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{status} without a problem document ({response.Content.Headers.ContentType}) ← {description}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} bad answers (by status: {string.Join(", ", byStatus.Select(s => $"{s.Key}×{s.Value}"))}):\n{string.Join("\n", failures.Take(15))}");
        Assert.True(byStatus.Keys.Any(s => s is >= 200 and < 300), "no request got through at all: the generator is too hostile to reach a handler");
        Assert.True(kestrel < 300, $"{kestrel} requests never reached the application: the generator should mostly test ours");
        Assert.True(byStatus.ContainsKey(400) && byStatus.ContainsKey(401) && byStatus.ContainsKey(403), "the mix should meet bad input, bad tokens and wrong roles");
    }
}
