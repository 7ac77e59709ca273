using System.Security.Claims;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Application.Entitlements;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Text;
using Huiqi.Storage;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Logging.Abstractions;
using EntitlementStatus = Huiqi.Storage.Store.EntitlementStatus;

namespace Huiqi.IntegrationTests.Workflow;

/// <summary>A clock the test moves by hand (公示 lasts working days; the test does not wait for them).</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>10:00 China Standard Time on <paramref name="day"/>.</summary>
    public void SetDay(DateOnly day) => Now = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), Dates.ChinaOffset).ToUniversalTime();
}

/// <summary>
/// The 免申即享 workflow over a real SQLite store and a real matching index, with a hand-moved clock: who gets an
/// entitlement, what they are told, 公示 in working days, objections, approval within the budget, revocation.
/// </summary>
public sealed class EntitlementWorkflowTests : IAsyncLifetime
{
    private static readonly DateOnly Friday = new(2026, 11, 20);
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-wf-{Guid.NewGuid():N}");
    private readonly ManualClock _clock = new(DateTimeOffset.UnixEpoch);
    private readonly EligibilityIndex _index = new();
    private SqliteStore _store = null!;
    private EntitlementWorkflow _workflow = null!;

    private static readonly Caller Officer = new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("role", "staff"), new Claim("jurisdiction", "620100"), new Claim("sub", "officer-1")], "test")));

    public async Task InitializeAsync()
    {
        _clock.SetDay(Friday);
        _store = new SqliteStore(new StorageOptions { DataDir = _dataDir }, _clock);
        await _store.MigrateAsync(CancellationToken.None);
        var events = new EntitlementEvents(new RedisConnection(new StorageOptions(), NullLogger<RedisConnection>.Instance), NullLogger<EntitlementEvents>.Instance);
        _workflow = new EntitlementWorkflow(_store, _index, events, new WorkflowOptions { PublicityWorkingDays = 5, BatchSize = 100 }, _clock, NullLogger<EntitlementWorkflow>.Instance);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static Caller EnterpriseCaller(string uscc) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("role", "enterprise"), new Claim("uscc", uscc)], "test")));

    private static EnterpriseProfile Firm(int n, long? employees, string region = "620102") =>
        new() { Uscc = Uscc.Complete($"9162010{n:D10}"), Name = $"企业{n}", Region = region, Employees = employees, TechDomains = new(["electronic_info"]) };

    private static Policy Award(string id, string criteria, long amountFen = 20_000_000, string? group = null, long? budget = null, int version = 1, bool once = false) => new()
    {
        Id = id,
        Version = version,
        Status = PolicyStatus.Published,
        Title = $"测试政策 {id}",
        Jurisdiction = "620100",
        Criteria = CriteriaText.Parse(criteria),
        Benefit = new FixedBenefit(amountFen),
        ExclusionGroup = group,
        BudgetFen = budget,
        OncePerEnterprise = once,
    };

    /// <summary>The enterprises are known, the policy is in force, and its publish-time pass has run.</summary>
    private async Task PublishAsync(Policy policy, params EnterpriseProfile[] firms)
    {
        foreach (var firm in firms) { _index.Upsert(firm); }
        _index.SetPolicies([policy]);
        await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None);
    }

    private async Task<List<EntitlementRecord>> EntitlementsAsync() => [.. await _store.ListEntitlementsAsync(null, null, CancellationToken.None)];

    private async Task<List<NotificationRecord>> InboxAsync(string uscc) => [.. await _store.ListNotificationsAsync(uscc, false, null, 100, CancellationToken.None)];

    [Fact]
    public async Task Publishing_creates_one_entitlement_per_eligible_enterprise_and_asks_unknown_ones_for_exactly_their_missing_facts()
    {
        EnterpriseProfile eligible = Firm(1, 50), ineligible = Firm(2, 5), unknown = Firm(3, null);
        foreach (var firm in new[] { eligible, ineligible, unknown }) { _index.Upsert(firm); }
        var policy = Award("p-jobs", "employees >= 10");
        _index.SetPolicies([policy]);

        var summary = await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None);

        Assert.Equal(new ReconcileSummary(1, 1, 0), summary);
        var entitlement = Assert.Single(await EntitlementsAsync());
        Assert.Equal((eligible.Uscc, EntitlementStatus.Matched, 20_000_000L, "v1"), (entitlement.Uscc, entitlement.Status, entitlement.AmountFen!.Value, entitlement.Period));
        Assert.Equal(["new_entitlement"], (await InboxAsync(eligible.Uscc)).Select(n => n.Kind));
        Assert.Empty(await InboxAsync(ineligible.Uscc));
        var ask = Assert.Single(await InboxAsync(unknown.Uscc));
        Assert.Equal("missing_fields", ask.Kind);
        Assert.Equal(["employees"], ask.MissingFields!);

        // Again (a retry, another instance, the daily run): nothing new, nothing doubled.
        Assert.Equal(new ReconcileSummary(0, 0, 0), await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None));
        Assert.Single(await EntitlementsAsync());
        Assert.Single(await InboxAsync(unknown.Uscc));
        var audit = await _store.ReadAuditAsync(CancellationToken.None).ToListAsync();
        Assert.Equal("entitlement.match", Assert.Single(audit).Entry.What);
        Assert.Equal(Domain.Serialization.ProfileJson.Fingerprint(eligible), audit[0].Entry.SnapshotHash);
        Assert.True((await AuditChain.VerifyAsync(_store.ReadAuditAsync(CancellationToken.None))).Intact);
    }

    [Fact]
    public async Task Entitlements_go_to_exactly_the_enterprises_the_reference_evaluator_finds_eligible()
    {
        var population = new PopulationGenerator(7).Generate(3_000).ToList();
        foreach (var firm in population) { _index.Upsert(firm); }
        var policy = Award("p-random", "region under 620000 and employees >= 20 and annual_revenue < 5000万 and not dishonest = true") with
        {
            Benefit = new RateBenefit(Domain.Criteria.FieldCatalog.RdExpense, 1_000, 50_000_000),
        };
        _index.SetPolicies([policy]);

        await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None);

        var expected = population.Select(p => (p.Uscc, Answer: PolicyEvaluator.Evaluate(policy, p, Friday)))
            .Where(x => x.Answer.Status == EligibilityStatus.Eligible).ToDictionary(x => x.Uscc, x => x.Answer.AmountFen);
        Assert.InRange(expected.Count, 50, 2_900); // the population is varied enough for this to mean something
        var actual = (await EntitlementsAsync()).ToDictionary(e => e.Uscc, e => e.AmountFen);
        Assert.Equal(expected.OrderBy(x => x.Key), actual.OrderBy(x => x.Key));
        var unknown = population.Where(p => PolicyEvaluator.Evaluate(policy, p, Friday).Status == EligibilityStatus.Unknown).ToList();
        foreach (var firm in unknown.Take(50))
        {
            var ask = Assert.Single(await InboxAsync(firm.Uscc));
            Assert.Equal(PolicyEvaluator.Evaluate(policy, firm, Friday).MissingFields, ask.MissingFields!);
        }
    }

    [Fact]
    public async Task Gongshi_lasts_five_working_days_then_confirms_without_objection()
    {
        var firm = Firm(1, 50);
        var policy = Award("p-gongshi", "employees >= 10");
        await PublishAsync(policy, firm);

        await _workflow.AdvancePublicityAsync(CancellationToken.None);
        var publicized = Assert.Single(await EntitlementsAsync());
        Assert.Equal(EntitlementStatus.Publicized, publicized.Status);
        Assert.Equal(new DateOnly(2026, 11, 27), publicized.PublicityEndsOn); // Mon–Fri of the next week: the weekend does not count

        _clock.SetDay(new DateOnly(2026, 11, 26));
        await _workflow.AdvancePublicityAsync(CancellationToken.None);
        Assert.Equal(EntitlementStatus.Publicized, Assert.Single(await EntitlementsAsync()).Status);

        _clock.SetDay(new DateOnly(2026, 11, 27)); // the last day: a reminder, once
        await _workflow.AdvancePublicityAsync(CancellationToken.None);
        await _workflow.AdvancePublicityAsync(CancellationToken.None);
        Assert.Single(await InboxAsync(firm.Uscc), n => n.Kind == "publicity_ending");

        _clock.SetDay(new DateOnly(2026, 11, 28));
        await _workflow.AdvancePublicityAsync(CancellationToken.None);
        Assert.Equal(EntitlementStatus.Confirmed, Assert.Single(await EntitlementsAsync()).Status);
        Assert.Contains(await InboxAsync(firm.Uscc), n => n.Kind == "status_changed" && n.Body.Contains("自动确认"));
        Assert.Equal(["entitlement.match", "entitlement.publicize", "entitlement.confirm_auto"],
            (await _store.ReadAuditAsync(CancellationToken.None).ToListAsync()).Select(a => a.Entry.What));
    }

    [Fact]
    public async Task An_objection_is_resolved_by_staff_and_a_confirmation_repeats_harmlessly()
    {
        EnterpriseProfile a = Firm(1, 50), b = Firm(2, 60);
        var policy = Award("p-object", "employees >= 10");
        await PublishAsync(policy, a, b);
        var all = await EntitlementsAsync();
        var ofA = all.Single(e => e.Uscc == a.Uscc);
        var ofB = all.Single(e => e.Uscc == b.Uscc);

        var confirmed = await _workflow.ConfirmAsync(ofA.Id, "6222 0000 1111", EnterpriseCaller(a.Uscc), CancellationToken.None);
        Assert.Equal(EntitlementStatus.Confirmed, confirmed.Status);
        Assert.Equal(confirmed.Status, (await _workflow.ConfirmAsync(ofA.Id, "6222 0000 1111", EnterpriseCaller(a.Uscc), CancellationToken.None)).Status);
        var again = await _workflow.ConfirmAsync(ofA.Id, null, EnterpriseCaller(a.Uscc), CancellationToken.None); // a second tap without the account
        Assert.Equal((EntitlementStatus.Confirmed, "6222 0000 1111"), (again.Status, again.ReceivingAccount));
        await Assert.ThrowsAsync<EntitlementRefusedException>(() => _workflow.ObjectAsync(ofA.Id, "金额有误", EnterpriseCaller(a.Uscc), CancellationToken.None));

        var objected = await _workflow.ObjectAsync(ofB.Id, "我们已享受过同类补贴", EnterpriseCaller(b.Uscc), CancellationToken.None);
        Assert.Equal((EntitlementStatus.Objected, "我们已享受过同类补贴"), (objected.Status, objected.ObjectionReason));
        var resolved = await _workflow.ResolveObjectionAsync(ofB.Id, uphold: true, "核实属实，撤销", Officer, policy.Title, CancellationToken.None);
        Assert.Equal(EntitlementStatus.Revoked, resolved.Status);
        await Assert.ThrowsAsync<EntitlementRefusedException>(() => _workflow.ResolveObjectionAsync(ofB.Id, uphold: false, "再议", Officer, policy.Title, CancellationToken.None));
        // confirm, object, uphold: the repeated confirmation wrote nothing
        Assert.Equal(["entitlement.confirm", "entitlement.object", "entitlement.objection_upheld"],
            await _store.ReadAuditAsync(CancellationToken.None).Where(a => a.Entry.What != "entitlement.match").Select(a => a.Entry.What).ToListAsync());
    }

    [Fact]
    public async Task Approval_scales_amounts_pro_rata_and_the_sum_approved_never_exceeds_the_budget()
    {
        var firms = Enumerable.Range(1, 3).Select(i => Firm(i, 50)).ToList();
        var policy = Award("p-budget", "employees >= 10", amountFen: 20_000_000, budget: 50_000_000);
        await PublishAsync(policy, [.. firms]);
        var entitlements = await EntitlementsAsync();
        foreach (var e in entitlements.Take(1))
        {
            await _workflow.ConfirmAsync(e.Id, null, EnterpriseCaller(e.Uscc), CancellationToken.None);
        }

        var first = await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None);
        Assert.Equal((1, 20_000_000L, false), (first.Approved.Count, first.ApprovedTotalFen, first.Prorated));

        foreach (var e in entitlements.Skip(1))
        {
            await _workflow.ConfirmAsync(e.Id, null, EnterpriseCaller(e.Uscc), CancellationToken.None);
        }

        var second = await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None);
        // 30万 remain for 40万 asked: each 20万 becomes floor(20万 × 30 / 40) = 15万 (按比例核减, ELIGIBILITY.md §5).
        Assert.True(second.Prorated);
        Assert.All(second.Approved, e => Assert.Equal(15_000_000, e.ApprovedAmountFen));
        var approvedTotal = (await EntitlementsAsync()).Where(e => e.Status == EntitlementStatus.Approved).Sum(e => e.ApprovedAmountFen!.Value);
        Assert.Equal(50_000_000, approvedTotal);
        await Assert.ThrowsAsync<EntitlementRefusedException>(async () =>
        {
            var more = Firm(9, 50);
            _index.Upsert(more);
            await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None);
            var extra = (await EntitlementsAsync()).Single(e => e.Uscc == more.Uscc);
            await _workflow.ConfirmAsync(extra.Id, null, EnterpriseCaller(more.Uscc), CancellationToken.None);
            await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None); // budget used up
        });

        var paid = await _workflow.DisburseAsync(second.Approved[0].Id, "PAY-2026-0001", Officer, policy.Title, CancellationToken.None);
        Assert.Equal((EntitlementStatus.Disbursed, "PAY-2026-0001"), (paid.Status, paid.PaymentReference));
        Assert.Contains(await InboxAsync(paid.Uscc), n => n.Kind == "disbursed" && n.Body.Contains("15万元"));
        await Assert.ThrowsAsync<EntitlementRefusedException>(() => _workflow.DisburseAsync(second.Approved[0].Id, "PAY-AGAIN", Officer, policy.Title, CancellationToken.None));
        // The same payment sent again (a timeout, a retry) is done, as in a payment file; nothing is written twice.
        var retried = await _workflow.DisburseAsync(second.Approved[0].Id, "PAY-2026-0001", Officer, policy.Title, CancellationToken.None);
        Assert.Equal((EntitlementStatus.Disbursed, "PAY-2026-0001"), (retried.Status, retried.PaymentReference));
        Assert.Single(await _store.ReadAuditAsync(CancellationToken.None).Where(r => r.Entry.What == "entitlement.disburse").ToListAsync());
    }

    [Fact]
    public async Task Budget_rounding_never_overspends_with_uneven_amounts()
    {
        var random = new Random(3);
        for (var round = 0; round < 20; round++)
        {
            var firms = Enumerable.Range(1, random.Next(2, 9)).Select(i => Firm(round * 100 + i, random.Next(10, 1_000))).ToList();
            firms.ForEach(f => _index.Upsert(f));
            var budget = random.NextInt64(1, 5_000_000);
            var policy = Award($"p-round-{round}", $"employees >= 10 and region under 620102", budget: budget) with
            {
                Benefit = new RateBenefit(Domain.Criteria.FieldCatalog.Employees, 123_457),
                Criteria = CriteriaText.Parse($"employees >= 10 and name in [{string.Join(", ", firms.Select(f => $"\"{f.Name}\""))}]"),
            };
            _index.SetPolicies([policy]);
            await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None);
            foreach (var e in await _store.ListEntitlementsAsync(null, policy.Id, CancellationToken.None))
            {
                await _workflow.ConfirmAsync(e.Id, null, EnterpriseCaller(e.Uscc), CancellationToken.None);
            }

            var result = await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None);
            Assert.InRange(result.ApprovedTotalFen, 0, budget);
            Assert.Equal(result.ApprovedTotalFen, (await _store.ListEntitlementsAsync(null, policy.Id, CancellationToken.None)).Sum(e => e.ApprovedAmountFen ?? 0));
        }
    }

    [Fact]
    public async Task A_profile_change_revokes_an_entitlement_before_approval_but_not_after()
    {
        EnterpriseProfile a = Firm(1, 50), b = Firm(2, 50);
        var policy = Award("p-revoke", "employees >= 10");
        await PublishAsync(policy, a, b);
        var ofB = (await EntitlementsAsync()).Single(e => e.Uscc == b.Uscc);
        await _workflow.ConfirmAsync(ofB.Id, null, EnterpriseCaller(b.Uscc), CancellationToken.None);
        await _workflow.ApproveAsync(policy, [ofB.Id], Officer, CancellationToken.None);

        _index.Upsert(a with { Employees = 3 });
        _index.Upsert(b with { Employees = 3 });
        var summary = await _workflow.ReconcileEnterprisesAsync([a.Uscc, b.Uscc], CancellationToken.None);

        Assert.Equal(1, summary.Revoked);
        var all = await EntitlementsAsync();
        Assert.Equal(EntitlementStatus.Revoked, all.Single(e => e.Uscc == a.Uscc).Status);
        Assert.Equal(EntitlementStatus.Approved, all.Single(e => e.Uscc == b.Uscc).Status);
        Assert.Contains(await InboxAsync(a.Uscc), n => n.Kind == "status_changed" && n.Body.Contains("撤销"));

        // The facts change back: the same entitlement starts again (not a second one).
        _index.Upsert(a);
        await _workflow.ReconcileEnterprisesAsync([a.Uscc], CancellationToken.None);
        var again = (await EntitlementsAsync()).Where(e => e.Uscc == a.Uscc).ToList();
        Assert.Equal(EntitlementStatus.Matched, Assert.Single(again).Status);
        Assert.Equal(2, (await InboxAsync(a.Uscc)).Count(n => n.Kind == "new_entitlement"));

        // A new enterprise that becomes eligible by a profile change gets its entitlement at once.
        var c = Firm(3, 1);
        _index.Upsert(c);
        await _workflow.ReconcileEnterprisesAsync([c.Uscc], CancellationToken.None);
        Assert.DoesNotContain(await EntitlementsAsync(), e => e.Uscc == c.Uscc);
        _index.Upsert(c with { Employees = 12 });
        Assert.Equal(1, (await _workflow.ReconcileEnterprisesAsync([c.Uscc], CancellationToken.None)).Created);
    }

    [Fact]
    public async Task Once_per_enterprise_holds_across_versions_and_otherwise_each_version_pays_once()
    {
        var firm = Firm(1, 50);
        _index.Upsert(firm);
        var once = Award("p-once", "employees >= 10", once: true);
        var each = Award("p-each", "employees >= 10");
        _index.SetPolicies([once, each]);
        await _workflow.ReconcileAllAsync(CancellationToken.None);

        var v2Once = once with { Version = 2 };
        var v2Each = each with { Version = 2 };
        _index.SetPolicies([v2Once, v2Each]);
        await _workflow.ReconcileAllAsync(CancellationToken.None);

        var rows = await EntitlementsAsync();
        Assert.Single(rows, e => e.PolicyId == "p-once");
        Assert.Equal(["v1", "v2"], rows.Where(e => e.PolicyId == "p-each").Select(e => e.Period).Order());
    }

    [Fact]
    public async Task A_yearly_policy_pays_once_per_calendar_year_whatever_its_version()
    {
        var firm = Firm(1, 50);
        _index.Upsert(firm);
        var yearly = Award("p-yearly", "employees >= 10") with { Recurrence = Recurrence.Yearly };
        _index.SetPolicies([yearly]);
        await _workflow.ReconcileAllAsync(CancellationToken.None);

        // A new version in the same year: still the one entitlement of 2026.
        var v2 = yearly with { Version = 2 };
        _index.SetPolicies([v2]);
        Assert.Equal(0, (await _workflow.ReconcileAllAsync(CancellationToken.None)).Created);
        Assert.Equal(0, (await _workflow.ReconcileEnterprisesAsync([firm.Uscc], CancellationToken.None)).Created);

        // The daily run on the first day of 2027 (China Standard Time): a new year, a new entitlement, on the new version.
        _clock.SetDay(new DateOnly(2027, 1, 1));
        Assert.Equal(1, (await _workflow.ReconcileAllAsync(CancellationToken.None)).Created);
        Assert.Equal(0, (await _workflow.ReconcileAllAsync(CancellationToken.None)).Created);

        var rows = (await EntitlementsAsync()).OrderBy(e => e.Period, StringComparer.Ordinal).ToList();
        Assert.Equal([("2026", 1), ("2027", 2)], rows.Select(e => (e.Period, e.PolicyVersion)));
        Assert.Equal(2, rows.Select(e => e.Id).Distinct().Count());

        // Once per enterprise wins over a recurrence: never a second one.
        var onceYearly = Award("p-once-yearly", "employees >= 10", once: true) with { Recurrence = Recurrence.Yearly };
        _index.SetPolicies([v2, onceYearly]);
        await _workflow.ReconcileAllAsync(CancellationToken.None);
        _clock.SetDay(new DateOnly(2028, 1, 3));
        await _workflow.ReconcileAllAsync(CancellationToken.None);
        Assert.Equal([""], (await EntitlementsAsync()).Where(e => e.PolicyId == "p-once-yearly").Select(e => e.Period));
    }

    [Fact]
    public async Task Until_approval_the_amount_follows_the_facts_and_an_unknown_amount_waits_with_its_figure_asked_for()
    {
        var firm = Firm(1, 50); // eligible, but without the R&D expense the rate is applied to
        var policy = Award("p-rate", "employees >= 10") with { Benefit = new RateBenefit(Domain.Criteria.FieldCatalog.RdExpense, 1_000, 50_000_000) };
        await PublishAsync(policy, firm);

        var entitlement = Assert.Single(await EntitlementsAsync());
        Assert.Null(entitlement.AmountFen);
        var hello = Assert.Single(await InboxAsync(firm.Uscc));
        Assert.Equal("new_entitlement", hello.Kind);
        Assert.Equal(["rd_expense"], hello.MissingFields!);
        Assert.Contains("金额需补充“研发费用”后计算", hello.Body);

        await _workflow.ConfirmAsync(entitlement.Id, null, EnterpriseCaller(firm.Uscc), CancellationToken.None);
        var waiting = await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None);
        Assert.Empty(waiting.Approved);
        Assert.Equal([entitlement.Id], waiting.WaitingForAmount);

        // The figure arrives: the amount is computed, the enterprise told once, however often the passes run.
        _index.Upsert(firm with { RdExpense = 300_000_000 }); // 300万元 → 10% = 30万元
        Assert.Equal(1, (await _workflow.ReconcileEnterprisesAsync([firm.Uscc], CancellationToken.None)).Repriced);
        Assert.Equal(new ReconcileSummary(0, 0, 0, 0), await _workflow.ReconcileEnterprisesAsync([firm.Uscc], CancellationToken.None));
        Assert.Equal(new ReconcileSummary(0, 0, 0, 0), await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None));
        var priced = Assert.Single(await EntitlementsAsync());
        Assert.Equal((EntitlementStatus.Confirmed, 30_000_000L), (priced.Status, priced.AmountFen!.Value));
        var told = Assert.Single(await InboxAsync(firm.Uscc), n => n.Kind == "amount_changed");
        Assert.Contains("30万元", told.Body);

        // A policy pass sees a changed figure too (the base of the rate grew; the cap holds).
        _index.Upsert(firm with { RdExpense = 900_000_000 });
        Assert.Equal(1, (await _workflow.ReconcilePolicyAsync(policy, CancellationToken.None)).Repriced);
        Assert.Equal(50_000_000L, Assert.Single(await EntitlementsAsync()).AmountFen);

        var approved = await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None);
        Assert.Equal((50_000_000L, 0), (approved.ApprovedTotalFen, approved.WaitingForAmount.Count));

        // After approval the amount is what was approved, whatever the facts do.
        _index.Upsert(firm with { RdExpense = 100_000_000 });
        Assert.Equal(0, (await _workflow.ReconcileEnterprisesAsync([firm.Uscc], CancellationToken.None)).Repriced);
        Assert.Equal(50_000_000L, Assert.Single(await EntitlementsAsync()).AmountFen);
        Assert.Equal(2, await _store.ReadAuditAsync(CancellationToken.None).CountAsync(a => a.Entry.What == "entitlement.amount"));
        Assert.True((await AuditChain.VerifyAsync(_store.ReadAuditAsync(CancellationToken.None))).Intact);
    }

    [Fact]
    public async Task An_approval_computed_on_an_amount_that_changed_meanwhile_does_not_apply()
    {
        var firm = Firm(1, 50) with { RdExpense = 300_000_000 };
        var policy = Award("p-race", "employees >= 10") with { Benefit = new RateBenefit(Domain.Criteria.FieldCatalog.RdExpense, 1_000) };
        await PublishAsync(policy, firm);
        var stale = Assert.Single(await EntitlementsAsync());
        await _workflow.ConfirmAsync(stale.Id, null, EnterpriseCaller(firm.Uscc), CancellationToken.None);
        stale = Assert.Single(await EntitlementsAsync());

        // Another instance reprices it first; an approval step built on the old amount then finds nothing to do.
        _index.Upsert(firm with { RdExpense = 400_000_000 });
        await _workflow.ReconcileEnterprisesAsync([firm.Uscc], CancellationToken.None);
        var step = new WorkflowChange(Transition: new EntitlementTransition([EntitlementStatus.Confirmed],
            stale with { Status = EntitlementStatus.Approved, ApprovedAmountFen = stale.AmountFen }, new AmountCheck(stale.AmountFen)));
        Assert.Empty(await _store.ApplyAsync([step], CancellationToken.None));
        Assert.Equal((EntitlementStatus.Confirmed, 40_000_000L), (Assert.Single(await EntitlementsAsync()).Status, Assert.Single(await EntitlementsAsync()).AmountFen!.Value));
    }

    [Fact]
    public async Task A_payment_file_disburses_what_is_approved_refuses_the_rest_line_by_line_and_can_be_sent_again()
    {
        EnterpriseProfile a = Firm(1, 50), b = Firm(2, 60), c = Firm(3, 70);
        var policy = Award("p-pay", "employees >= 10");
        await PublishAsync(policy, a, b, c);
        var all = await EntitlementsAsync();
        string Of(EnterpriseProfile firm) => all.Single(e => e.Uscc == firm.Uscc).Id;
        foreach (var firm in new[] { a, b }) { await _workflow.ConfirmAsync(Of(firm), null, EnterpriseCaller(firm.Uscc), CancellationToken.None); }
        await _workflow.ApproveAsync(policy, [], Officer, CancellationToken.None); // a and b approved; c still matched

        (string, string)[] file = [(Of(a), "PAY-A"), ("ent-nobody", "PAY-X"), (Of(c), "PAY-C"), (Of(b), "PAY-B")];
        var first = await _workflow.DisburseBatchAsync(policy, file, Officer, CancellationToken.None);

        Assert.Equal([Of(a), Of(b)], first.Disbursed.Select(e => e.Id));
        Assert.Equal(40_000_000, first.DisbursedTotalFen);
        Assert.Equal([("ent-nobody", "not_found"), (Of(c), "entitlement.state")], first.Refused.Select(r => (r.EntitlementId, r.Code)));
        var paidA = (await EntitlementsAsync()).Single(e => e.Uscc == a.Uscc);
        Assert.Equal(("PAY-A", EntitlementStatus.Disbursed), (paidA.PaymentReference, paidA.Status));
        Assert.Single(await InboxAsync(b.Uscc), n => n.Kind == "disbursed");

        // The same file again (a timeout, a second click): the same answer, nothing written twice.
        var audited = await _store.ReadAuditAsync(CancellationToken.None).CountAsync();
        var again = await _workflow.DisburseBatchAsync(policy, file, Officer, CancellationToken.None);
        Assert.Equal(first.Disbursed.Select(e => e.Id), again.Disbursed.Select(e => e.Id));
        Assert.Equal(first.Refused, again.Refused);
        Assert.Equal(audited, await _store.ReadAuditAsync(CancellationToken.None).CountAsync());
        Assert.Single(await InboxAsync(b.Uscc), n => n.Kind == "disbursed");

        // Paid once already, under another reference: refused, the first payment stands.
        var other = await _workflow.DisburseBatchAsync(policy, [(Of(a), "PAY-A-AGAIN")], Officer, CancellationToken.None);
        Assert.Equal("entitlement.paid_elsewhere", Assert.Single(other.Refused).Code);
        Assert.Equal("PAY-A", (await EntitlementsAsync()).Single(e => e.Uscc == a.Uscc).PaymentReference);
    }

    [Fact]
    public async Task An_excluded_outcome_creates_no_entitlement()
    {
        var firm = Firm(1, 50);
        _index.Upsert(firm);
        var lower = Award("p-lower", "employees >= 10", amountFen: 10_000_000, group: "ladder");
        var higher = Award("p-higher", "employees >= 10", amountFen: 30_000_000, group: "ladder");
        _index.SetPolicies([lower, higher]);

        await _workflow.ReconcileAllAsync(CancellationToken.None);

        Assert.Equal(["p-higher"], (await EntitlementsAsync()).Select(e => e.PolicyId));
    }
}
