using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Huiqi.Storage.Demo;
using Microsoft.Playwright;

namespace Huiqi.IntegrationTests.Browser;

/// <summary>
/// The enterprise owner's phone app (/app/) in the machine's own Chromium, driven by Playwright (no browser download:
/// <see cref="SystemChromium"/>), against the real platform with the demo data: the showcase enterprise signs in, reads
/// its home and an explanation, fills in the fact a policy waits for, tries the calculator, confirms an entitlement,
/// sees a message arrive live, searches. Every screen is checked with axe-core (no serious or critical violation) in
/// the normal and the 长辈版 layout, its tap targets measured, and photographed at 390×844 into docs/screenshots/.
/// </summary>
public sealed class AppStoryTests() : BrowserStory(population: 200)
{
    private string Owner => Platform.Token(("role", "enterprise"), ("uscc", DemoSeeder.ShowcaseUscc), ("sub", DemoSeeder.ShowcaseUscc));

    [Fact]
    public async Task An_owner_goes_through_the_whole_app_on_a_phone()
    {
        // The first 免申即享 pass has put the showcase's entitlements into 公示.
        await BrowserChecks.UntilAsync(async () => (await EntitlementsAsync()).Any(e => e.GetProperty("status").GetString() == "publicized"), "the showcase's entitlements in 公示");
        await using var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, Locale = "zh-CN", HasTouch = true, IsMobile = true, BaseURL = Platform.GatewayAddress.ToString(),
        });
        var page = await context.NewPageAsync();

        // Sign in (Development: ?dev-uscc=) and home.
        await page.GotoAsync($"/app/?dev-uscc={DemoSeeder.ShowcaseUscc}");
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州金城智造科技有限公司");
        await Expect(page.Locator(".hero .big")).ToContainTextAsync("万元");
        Assert.DoesNotContain("dev-uscc", page.Url); // the parameter is dropped once used
        await CheckScreenAsync(page, "app-home");

        // The list, and a policy that waits for a fact.
        await page.GetByRole(AriaRole.Link, new() { Name = "可享政策", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("可享政策");
        await CheckScreenAsync(page, "app-eligibility");
        await page.GetByRole(AriaRole.Button, new() { Name = "待补充信息" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "兰州市企业研发费用后补助" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州市企业研发费用后补助");
        await Expect(page.Locator("main")).ToContainTextAsync("还需要您补充：研发费用");
        await Expect(page.Locator("ol.conditions li")).ToHaveCountAsync(5);
        await Expect(page.Locator("ol.conditions")).ToContainTextAsync("来源："); // where each known fact came from
        await Expect(page.Locator("#clauses ~ p").First).Not.ToBeEmptyAsync();
        await CheckScreenAsync(page, "app-policy");

        // 补充信息: exactly the missing field, a wrong value answered beside it, then the answer changes.
        await page.GetByRole(AriaRole.Link, new() { Name = "补充信息" }).ClickAsync();
        var rd = page.GetByLabel("研发费用（万元）");
        await Expect(page.Locator("form .field")).ToHaveCountAsync(1);
        await rd.FillAsync("-5");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交并重新判断" }).ClickAsync();
        await Expect(page.Locator(".field[data-member='rdExpense'] .error")).Not.ToBeEmptyAsync();
        await Expect(rd).ToHaveAttributeAsync("aria-invalid", "true");
        await CheckScreenAsync(page, "app-fill");
        await rd.FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交并重新判断" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州市企业研发费用后补助");
        await Expect(page.Locator("main .chip.eligible")).ToHaveTextAsync("可享");
        await Expect(page.Locator("main")).ToContainTextAsync("依据自报信息"); // it rests on the owner's claim until checked (TRUST.md)

        // 政策计算器: more people, a higher tier, nothing saved.
        await page.GotoAsync("/app/#/calculator");
        await page.GetByLabel("从业人数（人数/个数）").FillAsync("60");
        await page.GetByRole(AriaRole.Button, new() { Name = "试算" }).ClickAsync();
        await Expect(page.Locator("#result")).ToContainTextAsync("稳岗返还");
        await Expect(page.Locator("#result .diff-up")).ToContainTextAsync("增加");
        await CheckScreenAsync(page, "app-calculator");
        var me = await (await Platform.Http.SendAsync(Get("/v1/me"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(38, me.GetProperty("employees").GetInt32()); // the calculator saved nothing

        // 资金进度: confirm one in 公示 with a receiving account.
        await page.GetByRole(AriaRole.Link, new() { Name = "资金进度" }).ClickAsync();
        var card = page.Locator("li.card", new() { HasText = "小微制造企业水电气补贴" });
        await Expect(card.Locator("[aria-current='step']")).ToHaveTextAsync("公示");
        await CheckScreenAsync(page, "app-entitlements");
        await card.GetByLabel("收款账户（选填）").FillAsync("6222 0200 1234 5678");
        await card.GetByRole(AriaRole.Button, new() { Name = "确认无误" }).ClickAsync();
        await Expect(page.Locator("li.card", new() { HasText = "小微制造企业水电气补贴" }).Locator("[aria-current='step']")).ToHaveTextAsync("确认");

        // 消息: an officer verifies the claimed R&D figure; the message arrives without a reload.
        await page.GetByRole(AriaRole.Link, new() { Name = "消息" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("消息");
        var before = await page.Locator("#inbox > li").CountAsync();
        var claimed = await BrowserChecks.UntilValueAsync(async () => (await EntitlementsAsync()).Cast<JsonElement?>().FirstOrDefault(e =>
            e!.Value.GetProperty("policyId").GetString() == "lz-rd-expense-subsidy" && e.Value.GetProperty("status").GetString() == "awaiting_verification"), "the claimed entitlement");
        var staff = Platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer-lz"));
        var verify = new HttpRequestMessage(HttpMethod.Post, $"/v1/verifications/{claimed.GetProperty("id").GetString()}/verify")
        {
            Content = JsonContent.Create(new { evidenceReference = "税务系统研发费用加计扣除申报表 2026" }),
        };
        verify.Headers.Authorization = new("Bearer", staff);
        (await Platform.Http.SendAsync(verify)).EnsureSuccessStatusCode();
        await Expect(page.Locator("#inbox > li")).ToHaveCountAsync(before + 1, new() { Timeout = 15_000 });
        await Expect(page.Locator("#toast")).ToContainTextAsync("新消息");
        await CheckScreenAsync(page, "app-messages");

        // 搜索政策
        await page.GotoAsync("/app/#/search");
        await page.GetByLabel("关键词").FillAsync("研发");
        await page.GetByRole(AriaRole.Button, new() { Name = "搜索", Exact = true }).ClickAsync();
        await Expect(page.Locator("ul.list li").First).ToContainTextAsync("研发");
        await CheckScreenAsync(page, "app-search");
    }

    [Fact]
    public async Task Signed_out_expired_and_offline_are_said_in_words()
    {
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 360, Height = 640 }, Locale = "zh-CN", BaseURL = Platform.GatewayAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/app/");
        await Expect(page.Locator("h1")).ToHaveTextAsync("登录惠企");
        await CheckScreenAsync(page, "app-sign-in");

        // A token that stops working (here: forged) sends the owner back to sign in, saying why.
        await page.EvaluateAsync("t => sessionStorage.setItem('huiqi.token', t)", Owner + "x");
        await page.GotoAsync("/app/?again=1#/eligibility"); // a fresh start (a new document) that finds the stored token
        await Expect(page.Locator("h1")).ToHaveTextAsync("登录惠企");
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("重新登录");

        // Offline: a banner and a retry, no blank page.
        await page.EvaluateAsync("t => sessionStorage.setItem('huiqi.token', t)", Owner);
        await page.GotoAsync("/app/?again=2#/");
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州金城智造科技有限公司");
        await context.SetOfflineAsync(true);
        await page.GetByRole(AriaRole.Link, new() { Name = "资金进度" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("出错了");
        await Expect(page.Locator("#banner")).ToContainTextAsync("网络已断开");
        await Expect(page.Locator("#banner").GetByRole(AriaRole.Button, new() { Name = "重试" })).ToBeVisibleAsync();
        await context.SetOfflineAsync(false);
        await Expect(page.Locator("h1")).ToHaveTextAsync("资金进度"); // back online, the failed screen is fetched again by itself

        // Offline again on a screen that worked: the banner says so and goes once online; the screen is left as it is.
        await context.SetOfflineAsync(true);
        await Expect(page.Locator("#banner")).ToContainTextAsync("网络已断开");
        await context.SetOfflineAsync(false);
        await Expect(page.Locator("#banner")).ToBeHiddenAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("资金进度");
    }

    [Fact]
    public async Task With_an_identity_provider_the_owner_signs_in_there_with_pkce()
    {
        await using var provider = await OidcStandIn.StartAsync(DemoSeeder.ShowcaseUscc);
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = provider.Authority, ["Auth:Issuer"] = provider.Authority, ["Auth:SigningKey"] = "",
            ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = "50",
        }); // Development: the only environment that accepts a provider over plain HTTP (the stand-in's)
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, Locale = "zh-CN", BaseURL = platform.GatewayAddress.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/app/");
        await Expect(page.Locator("h1")).ToHaveTextAsync("登录惠企");

        await page.GetByRole(AriaRole.Button, new() { Name = "登录", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州金城智造科技有限公司");
        Assert.Equal(1, provider.TokensIssued);
        Assert.Empty(provider.Refusals);
        Assert.DoesNotContain("code=", page.Url); // the code is used once and dropped from the address

        // A code replayed by someone else (a stolen redirect) gets nothing without the verifier that stays in the tab.
        var replay = await new HttpClient().PostAsync($"{provider.Authority}/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = "0123", ["redirect_uri"] = $"{platform.GatewayAddress}app/", ["client_id"] = "huiqi-app", ["code_verifier"] = "guess",
        }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, replay.StatusCode);
    }

    [Fact]
    public async Task Too_many_requests_are_answered_with_how_long_to_wait()
    {
        // A real limit, tight enough that a person tapping through the tabs meets it: 1 request/s, a burst of 6.
        await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = "20",
            ["Gateway:RateLimit:PerUserPerSecond"] = "1", ["Gateway:RateLimit:PerUserBurst"] = "6",
        });
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, Locale = "zh-CN", BaseURL = platform.GatewayAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/app/?dev-uscc={DemoSeeder.ShowcaseUscc}");
        await Expect(page.Locator("h1")).ToHaveTextAsync("兰州金城智造科技有限公司");
        for (var i = 0; i < 12 && !(await page.Locator("main").InnerTextAsync()).Contains("操作太频繁"); i++)
        {
            await page.GetByRole(AriaRole.Link, new() { Name = i % 2 == 0 ? "资金进度" : "首页", Exact = true }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('main').getAttribute('aria-busy') === 'false'");
        }

        await Expect(page.Locator("main [role=alert]")).ToContainTextAsync("秒后再试");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "重试" })).ToBeVisibleAsync();
    }

    /// <summary>axe-core with no serious or critical violation, tap targets measured, in the normal and the 长辈版 layout; a screenshot of each.</summary>
    private static async Task CheckScreenAsync(IPage page, string name)
    {
        foreach (var elder in new[] { false, true })
        {
            await ElderAsync(page, elder);
            await BrowserChecks.NoSeriousViolationsAsync(page, $"{name}{(elder ? " (长辈版)" : "")}");
            var (bodyPx, small) = await TargetsAsync(page, elder ? 60 : 44);
            Assert.True(bodyPx >= (elder ? 18 : 16), $"{name}: body text {bodyPx}px");
            Assert.True(small.Length == 0, $"{name}{(elder ? " (长辈版)" : "")}: tap targets below {(elder ? 60 : 44)}px: {string.Join(", ", small)}");
        }

        await page.ScreenshotAsync(new() { Path = BrowserChecks.Screenshot($"{name}-elder") });
        await ElderAsync(page, false);
        await page.ScreenshotAsync(new() { Path = BrowserChecks.Screenshot(name) });
    }

    /// <summary>The 长辈版 switch in the header, pressed as a person would; it says which layout is on.</summary>
    private static async Task ElderAsync(IPage page, bool on)
    {
        var button = page.Locator("#elder");
        if (await button.GetAttributeAsync("aria-pressed") != (on ? "true" : "false"))
        {
            await button.ClickAsync();
        }

        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", on ? "true" : "false");
    }

    /// <summary>The body's font size and the controls smaller than <paramref name="min"/> px (links inside a sentence excepted, as WCAG does).</summary>
    private static async Task<(double BodyPx, string[] Small)> TargetsAsync(IPage page, int min)
    {
        var result = await page.EvaluateAsync<JsonElement>("""
            min => {
              const small = [];
              for (const el of document.querySelectorAll('button, a.button, a.item, .tabs a, .stats a, input, select, textarea, label.choice')) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) continue; // not shown
                if (el.type === 'radio' || el.type === 'checkbox') continue; // their label is the target (label.choice)
                if (r.height < min - 0.5) small.push(`${el.tagName.toLowerCase()} “${(el.textContent || el.name || '').trim().slice(0, 12)}” ${Math.round(r.height)}px`);
              }
              return { body: parseFloat(getComputedStyle(document.body).fontSize), small };
            }
            """, min);
        return (result.GetProperty("body").GetDouble(), [.. result.GetProperty("small").EnumerateArray().Select(s => s.GetString()!)]);
    }

    private HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", Owner);
        return request;
    }

    private async Task<IReadOnlyList<JsonElement>> EntitlementsAsync()
    {
        var response = await Platform.Http.SendAsync(Get("/v1/me/entitlements"));
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

}

/// <summary>A browser test's world: the real platform with the demo data (and <c>population</c> enterprises), and the system Chromium.</summary>
public abstract class BrowserStory(int population) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    protected PlatformHost Platform { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = population.ToString() });
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserChecks.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Platform.DisposeAsync();
    }

    protected static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}

/// <summary>What every browser test shares: the system Chromium, the checks on a screen, waiting, and where screenshots go.</summary>
public static class BrowserChecks
{
    /// <summary>The machine's Chromium, headless. The suite runs test classes side by side on two cores: a page may take
    /// longer than Playwright's 5 s default, so assertions wait up to 20 s.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        return playwright.Chromium.LaunchAsync(new() { ExecutablePath = SystemChromium.Path, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>Polls every 200 ms for up to 30 s until <paramref name="condition"/> holds.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 150; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"waited 30 s for {what}");
    }

    /// <summary>Polls until <paramref name="probe"/> finds something.</summary>
    public static async Task<T> UntilFoundAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        T? found = null;
        await UntilAsync(async () => (found = await probe()) is not null, what);
        return found!;
    }

    /// <summary>As <see cref="UntilFoundAsync{T}"/> for a struct: "not yet" is null, never a default value that looks found.</summary>
    public static async Task<T> UntilValueAsync<T>(Func<Task<T?>> probe, string what) where T : struct
    {
        T? found = null;
        await UntilAsync(async () => (found = await probe()) is not null, what);
        return found!.Value;
    }

    /// <summary>axe-core (WCAG 2.0/2.1 A and AA, best practices): no serious or critical violation.</summary>
    public static async Task NoSeriousViolationsAsync(IPage page, string screen)
    {
        // The settled screen is what is checked: a toast fading in is, for a moment, text of too low a contrast.
        await page.EvaluateAsync("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))");
        var results = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{screen}: " + string.Join("; ", serious.Select(v => $"{v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    /// <summary>docs/screenshots/{name}.png in the repository the tests run from.</summary>
    public static string Screenshot(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "docs", "screenshots");
        Directory.CreateDirectory(path);
        return Path.Combine(path, $"{name}.png");
    }
}

/// <summary>The machine's Chromium (Debian's <c>chromium</c>, installed by test.sh): Playwright drives it, nothing is downloaded.</summary>
public static class SystemChromium
{
    public static string Path =>
        new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => p is not null && File.Exists(p))
        ?? throw new InvalidOperationException("no system Chromium: run ./test.sh (it installs Debian's chromium and fonts-noto-cjk) or set CHROMIUM_PATH");
}
