using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Huiqi.Storage.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests.Gateway;

/// <summary>
/// The embedded default with its demo data (21 policies from the seeds, a small population) and the workflow running,
/// plus one caller of every kind: the enterprise that holds an entitlement (A), another enterprise (B), staff in and
/// out of A's jurisdiction, partners with and without scopes, an admin.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public PlatformHost Platform { get; private set; } = null!;

    public string A { get; private set; } = "";
    public string B { get; private set; } = "";
    public EntitlementRecord EntitlementOfA { get; private set; } = null!;
    public string LanzhouPolicy => EntitlementOfA.PolicyId;

    public string TokenA => Platform.Token(("role", "enterprise"), ("uscc", A), ("sub", A));
    public string TokenB => Platform.Token(("role", "enterprise"), ("uscc", B), ("sub", B));
    public string StaffIn => Platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer-lz"));
    public string StaffOut => Platform.Token(("role", "staff"), ("jurisdiction", "620400"), ("sub", "officer-by"));
    public string Partner => Platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:read profiles:write eligibility:read policies:read"));
    public string PartnerNoScope => Platform.Token(("role", "partner"), ("sub", "stranger"));
    public string Admin => Platform.Token(("role", "admin"), ("sub", "ops"));

    public async Task InitializeAsync()
    {
        Platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Demo:Seed"] = "true",
            ["Huiqi:Demo:Population"] = "800",
            ["Gateway:RateLimit:Enabled"] = "false",
            ["Gateway:CorsOrigins:0"] = "https://app.huiqi.example",
        });
        var store = Platform.BackendServices.GetRequiredService<IStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var lanzhou = (await store.QueryEntitlementsAsync(new EntitlementQuery(RegionPrefix: "6201"), CancellationToken.None))
                .Where(e => e.PolicyId.StartsWith("lz-", StringComparison.Ordinal) && e.PolicyId != "lz-new-area-settle-award"
                    && e.Status != EntitlementStatus.AwaitingVerification).ToList(); // one from the departments' facts, not a demo claim
            if (lanzhou.Count >= 2)
            {
                EntitlementOfA = lanzhou[0];
                A = lanzhou[0].Uscc;
                B = lanzhou.First(e => e.Uscc != A).Uscc;
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the workflow created no entitlements for the demo data");
            }

            await Task.Delay(200);
        }
    }

    public Task DisposeAsync() => Platform.DisposeAsync().AsTask();

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        configure?.Invoke(request);
        return Platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead); // a stream answers with headers first
    }

    /// <summary>A staff officer of Lanzhou drafts <paramref name="policyJson"/> and publishes it (免申即享 matching starts).</summary>
    public async Task PublishAsync(string policyJson)
    {
        using var draft = await SendAsync(HttpMethod.Post, "/v1/policies", StaffIn, policyJson);
        draft.EnsureSuccessStatusCode();
        var id = JsonDocument.Parse(await draft.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        (await SendAsync(HttpMethod.Post, $"/v1/policies/{id}/publish", StaffIn)).EnsureSuccessStatusCode();
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var response = await SendAsync(method, path, token, json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
