using System.Net.Http.Json;
using System.Text.Json;
using Huiqi.Storage.Demo;
using Microsoft.Playwright;

namespace Huiqi.IntegrationTests.Browser;

/// <summary>
/// The policy officer's console (/console/) in the system Chromium against the real platform with the demo data: draft a
/// policy from text (a mistake shown at its line and column), watch the 政策沙盘 change as a threshold moves, check it,
/// publish it, compare a new version of a policy in force, verify a claimed entitlement, answer an objection, approve a
/// batch over budget (按比例核减), pay from a file, read the policy's statistics, verify the audit chain. axe-core on every screen; screenshots at 1280×900 in docs/screenshots/.
/// </summary>
public sealed class ConsoleStoryTests() : BrowserStory(population: 300)
{
    private string Staff => Platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer-lz"));

    [Fact]
    public async Task An_officer_drafts_checks_publishes_compares_verifies_approves_and_pays()
    {
        await using var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = "zh-CN", BaseURL = Platform.GatewayAddress.ToString() });
        var page = await context.NewPageAsync();

        // Signed in as staff of Lanzhou (Development); the demo policies are listed.
        await page.GotoAsync("/console/?dev-jurisdiction=620100");
        await Expect(page.Locator("h1")).ToHaveTextAsync("政策");
        await Expect(page.Locator("table")).ToContainTextAsync("稳岗返还");
        await CheckAsync(page, "console-policies");

        // A new policy from text; a typo is shown where it is; the sandbox follows the threshold.
        await page.GetByRole(AriaRole.Link, new() { Name = "新建政策" }).First.ClickAsync();
        await page.GetByLabel("政策编号").FillAsync("lz-console-story");
        await page.GetByLabel("政策名称").FillAsync("规模以上企业稳岗补贴（试行）");
        await page.GetByLabel("发布机关").FillAsync("兰州市人力资源和社会保障局");
        await page.GetByLabel("每户金额（万元，定额）").FillAsync("1");
        await page.GetByLabel("预算（万元，选填）").FillAsync("2");
        var criteria = page.GetByLabel("条件（文本形式）");
        await criteria.FillAsync("region under 620100 and\nemployees >== 10");
        await Expect(page.Locator("#criteria-status")).ToContainTextAsync("第 2 行");
        await criteria.FillAsync("region under 620100 and employees >= 10");
        await Expect(page.Locator("#criteria-status")).ToContainTextAsync("从业人数不低于 10人");
        var wide = long.Parse(await page.Locator("[data-figure=eligible]").InnerTextAsync());
        await CheckAsync(page, "console-editor");
        await criteria.FillAsync("region under 620100 and employees >= 50");
        await Expect(page.Locator("#criteria-status")).ToContainTextAsync("不低于 50人");
        await Expect(page.Locator("[data-figure=eligible]")).Not.ToHaveTextAsync(wide.ToString());
        var narrow = long.Parse(await page.Locator("[data-figure=eligible]").InnerTextAsync());
        Assert.True(narrow < wide, $"the sandbox did not follow the threshold: {wide} → {narrow}");
        Assert.True(narrow >= 3, "too few firms for the approval below");
        await Expect(page.Locator("#sandbox")).ToContainTextAsync("超出预算");

        // Checks before publishing: no examples, so the conditions are untested.
        await page.GetByRole(AriaRole.Button, new() { Name = "发布前检查" }).ClickAsync();
        await Expect(page.Locator("#review")).ToContainTextAsync("没有样例");
        await page.GetByRole(AriaRole.Button, new() { Name = "发布", Exact = true }).ClickAsync();
        await Expect(page.Locator("#review")).ToContainTextAsync("已发布第 1 版");

        // A new version of a policy in force, compared with it over the whole population.
        await page.GotoAsync("/console/#/edit/lz-employment-stability");
        await Expect(page.Locator("#criteria-status")).ToContainTextAsync("即：");
        await Expect(page.GetByLabel("金额规则")).ToHaveValueAsync("tiers"); // 稳岗返还 pays by head-count tiers
        await Expect(page.GetByLabel("每户金额（万元，定额）")).ToBeHiddenAsync();
        await page.GetByLabel("条件（文本形式）").FillAsync("region under 620100 and employees >= 50 and tax_credit in [A, B, M] and not dishonest = true");
        await Expect(page.Locator("#criteria-status")).ToContainTextAsync("不低于 50人");
        await page.GetByRole(AriaRole.Button, new() { Name = "与现行版本比较" }).ClickAsync();
        await Expect(page.Locator("[data-figure=lost]")).Not.ToHaveTextAsync("0 家");
        await Expect(page.Locator("[data-figure=gained]")).ToHaveTextAsync("0 家");
        await CheckAsync(page, "console-compare");

        // A claim to verify: the showcase owner declares its R&D expense; the officer checks it against evidence.
        var patch = new HttpRequestMessage(HttpMethod.Patch, "/v1/me") { Content = JsonContent.Create(new { rdExpense = 2_000_000_00 }) };
        patch.Headers.Authorization = new("Bearer", Owner(DemoSeeder.ShowcaseUscc));
        (await Platform.Http.SendAsync(patch)).EnsureSuccessStatusCode();
        await BrowserChecks.UntilAsync(async () => (await GetAsync("/v1/verifications", Staff)).GetProperty("items").GetArrayLength() > 0, "an item in the verification queue");
        await page.GetByRole(AriaRole.Link, new() { Name = "核验队列" }).ClickAsync();
        var item = page.Locator("section.card", new() { HasText = "兰州金城智造科技有限公司" }).First;
        await Expect(item).ToContainTextAsync("研发费用");
        await CheckAsync(page, "console-verifications");
        await item.GetByLabel("核验依据（凭证号）").FillAsync("税务系统研发费用加计扣除申报表 2026");
        await item.GetByRole(AriaRole.Button, new() { Name = "核验通过" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("核验通过");

        // The new policy's entitlements, confirmed by their owners, approved over budget: each is cut pro rata.
        var publicized = await BrowserChecks.UntilFoundAsync(async () =>
        {
            var list = (await GetAsync("/v1/entitlements?policyId=lz-console-story&status=publicized&limit=200", Staff)).GetProperty("items").EnumerateArray().ToList();
            return list.Count >= 4 ? list : null;
        }, "the new policy's entitlements in 公示");
        // A fourth owner objects during 公示; the officer answers it.
        var objected = publicized[3];
        var objection = new HttpRequestMessage(HttpMethod.Post, $"/v1/me/entitlements/{objected.GetProperty("id").GetString()}/object") { Content = JsonContent.Create(new { reason = "本企业已申请同类补贴，不应重复享受" }) };
        objection.Headers.Authorization = new("Bearer", Owner(objected.GetProperty("uscc").GetString()!));
        (await Platform.Http.SendAsync(objection)).EnsureSuccessStatusCode();
        await page.GetByRole(AriaRole.Link, new() { Name = "异议处理" }).ClickAsync();
        var raised = page.Locator("section.card", new() { HasText = "不应重复享受" });
        await Expect(raised).ToContainTextAsync("规模以上企业稳岗补贴（试行）");
        await CheckAsync(page, "console-objections");
        await raised.GetByLabel("处理意见").FillAsync("经核实，同类补贴未发放");
        await raised.GetByRole(AriaRole.Button, new() { Name = "异议不成立，确认" }).ClickAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("已处理");

        foreach (var e in publicized.Take(3))
        {
            var confirm = new HttpRequestMessage(HttpMethod.Post, $"/v1/me/entitlements/{e.GetProperty("id").GetString()}/confirm") { Content = JsonContent.Create(new { }) };
            confirm.Headers.Authorization = new("Bearer", Owner(e.GetProperty("uscc").GetString()!));
            (await Platform.Http.SendAsync(confirm)).EnsureSuccessStatusCode();
        }

        await page.GotoAsync("/console/#/approvals?policy=lz-console-story");
        await Expect(page.Locator("main h2")).ToContainTextAsync("4 户"); // three confirmed, and the one whose objection was dismissed
        await Expect(page.Locator("#preview")).ToContainTextAsync("50.0%"); // the preview before approving: 2万 of 4万
        await Expect(page.Locator("#pending")).ToContainTextAsync("5,000元");
        await page.GetByRole(AriaRole.Button, new() { Name = "全部批准" }).ClickAsync();
        await Expect(page.Locator("#approval")).ToContainTextAsync("按比例核减");
        await Expect(page.Locator("#approval")).ToContainTextAsync("合计 2万元"); // floor(1万 × 2万 / 4万) = 5,000元 each
        await Expect(page.Locator("#approval")).ToContainTextAsync("5,000元");
        await CheckAsync(page, "console-approvals");

        // A payment file: the four approved, and a line that names nothing.
        var ids = publicized.Take(4).Select(e => e.GetProperty("id").GetString()).ToList();
        await page.GetByRole(AriaRole.Link, new() { Name = "拨付文件" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("拨付文件");
        await page.GetByLabel("政策", new() { Exact = true }).SelectOptionAsync("lz-console-story");
        await page.GetByLabel("或直接粘贴").FillAsync(string.Join("\n", ids.Select((id, i) => $"{id},PAY-2026-{i + 1:D4}")) + "\nent-nobody,PAY-2026-9999");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交拨付" }).ClickAsync();
        await Expect(page.Locator("#result")).ToContainTextAsync("已拨付 4 笔");
        await Expect(page.Locator("#result")).ToContainTextAsync("未拨付 1 笔");
        await CheckAsync(page, "console-payments");

        // Statistics of the new policy, and the audit chain of everything above.
        await page.GotoAsync("/console/#/statistics?policy=lz-console-story");
        await Expect(page.Locator("table").First).ToContainTextAsync("4 户");
        await CheckAsync(page, "console-statistics");
        await page.GetByRole(AriaRole.Link, new() { Name = "审计校验" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "开始校验" }).ClickAsync();
        await Expect(page.Locator("#audit-result")).ToContainTextAsync("审计日志完整");
        await CheckAsync(page, "console-audit");
    }

    private string Owner(string uscc) => Platform.Token(("role", "enterprise"), ("uscc", uscc), ("sub", uscc));

    private static async Task CheckAsync(IPage page, string name)
    {
        await BrowserChecks.NoSeriousViolationsAsync(page, name);
        await page.ScreenshotAsync(new() { Path = BrowserChecks.Screenshot(name), FullPage = true });
    }

    private async Task<JsonElement> GetAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        var response = await Platform.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

}
