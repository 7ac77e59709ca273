using Dapper;
using Huiqi.Domain.Common;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage;
using Huiqi.Storage.Demo;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Npgsql;

namespace Huiqi.IntegrationTests;

/// <summary>One behaviour, two stores: every test here runs against SQLite and against a real PostgreSQL.</summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    protected IStore Store { get; private set; } = null!;

    protected abstract Task<IStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        Assert.Equal(4, await Store.MigrateAsync(CancellationToken.None));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private ProfileWriter Writer() => new(Store, TimeProvider.System, [], FactAuthority.None);

    private static List<EnterpriseProfile> Population(int count, int seed = 1) => [.. new PopulationGenerator(seed).Generate(count)];

    [Fact]
    public async Task Migrations_apply_once()
    {
        Assert.Equal(0, await Store.MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_store_has_one_identity_of_its_own_and_its_change_position_is_the_last_change()
    {
        // What an index snapshot is checked against (docs/eligibility.md, "Snapshot"); another database's identity
        // differs (IndexSnapshotTests: two databases with the same data).
        var identity = await Store.IdentityAsync(CancellationToken.None);
        Assert.Matches("^[0-9a-f]{32}$", identity);
        Assert.Equal(identity, await Store.IdentityAsync(CancellationToken.None));

        Assert.Equal(0, await Store.ProfileChangePositionAsync(CancellationToken.None));
        var profiles = Population(12, seed: 5);
        await Writer().WriteAsync([.. profiles.Take(6).Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "a", CancellationToken.None);
        await Writer().WriteAsync([.. profiles.Skip(6).Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "b", CancellationToken.None);
        var last = await Store.StreamProfilesAsync(0, CancellationToken.None).Select(p => p.ChangeSeq).MaxAsync();
        Assert.True(last > 0);
        Assert.Equal(last, await Store.ProfileChangePositionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Profiles_round_trip_with_provenance()
    {
        var profiles = Population(50);
        var result = await Writer().WriteAsync([.. profiles.Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "tax", CancellationToken.None);

        Assert.Equal((50, 0, 0), (result.Inserted, result.Updated, result.Unchanged));
        Assert.Equal(50, await Store.CountProfilesAsync(CancellationToken.None));
        var stored = await Store.GetProfileAsync(profiles[7].Uscc, CancellationToken.None);
        Assert.Equal(ProfileJson.Normalize(profiles[7]), stored!.Profile);
        Assert.All(stored.Provenance.Values, p => Assert.Equal((ProfileSource.PartnerFeed, "tax"), (p.Source, p.By)));
        Assert.Equal(ProfileFields.All.Count(f => ProfileFields.Get(profiles[7], f) is not null), stored.Provenance.Count);
        var batch = await Store.GetProfilesAsync([profiles[1].Uscc, profiles[2].Uscc, "91350100M000100Y43"], CancellationToken.None);
        Assert.Equal(2, batch.Count);
    }

    [Fact]
    public async Task A_patch_changes_only_its_fields_and_records_who_declared_them()
    {
        var profile = Population(1)[0] with { Employees = 10, AnnualRevenue = 100, TaxCredit = null, ListingBoard = null };
        await Writer().WriteAsync([new ProfileChange(profile)], ProfileSource.PartnerFeed, "partner:tax", CancellationToken.None);

        var patch = new EnterpriseProfile { Uscc = profile.Uscc, TaxCredit = "A" };
        var result = await Writer().WriteAsync([new ProfileChange(patch, ["tax_credit", "listing_board"])], ProfileSource.SelfDeclared, "owner", CancellationToken.None);

        Assert.Equal(1, result.Updated);
        var stored = (await Store.GetProfileAsync(profile.Uscc, CancellationToken.None))!;
        Assert.Equal("A", stored.Profile.TaxCredit);                     // an absent fact filled in: a claim
        Assert.Null(stored.Profile.ListingBoard);                         // named in the mask, absent in the patch: still absent
        Assert.Equal(100, stored.Profile.AnnualRevenue);                  // not named: kept
        Assert.Equal(ProfileSource.SelfDeclared, stored.Provenance["tax_credit"].Source);
        Assert.Equal(ProfileSource.PartnerFeed, stored.Provenance["annual_revenue"].Source);
        Assert.False(stored.Provenance.ContainsKey("listing_board"));
    }

    /// <summary>TRUST.md §1's example mapping: tax-bureau owns the money fields, market-regulation the register's.</summary>
    private static readonly FactAuthority Owners = new(new Dictionary<string, IReadOnlyList<string>>
    {
        ["tax-bureau"] = ["annual_revenue", "rd_expense", "tax_credit"],
        ["market-regulation"] = ["name", "region", "dishonest"],
    });

    private ProfileWriter OwnedWriter() => new(Store, TimeProvider.System, [], Owners);

    [Fact]
    public async Task A_claim_never_replaces_a_partner_or_staff_value_and_a_refused_request_writes_nothing()
    {
        var uscc = Population(1)[0].Uscc;
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, Region = "620102", Dishonest = true, AnnualRevenue = 5_000_000 })],
            ProfileSource.PartnerFeed, "partner:market-regulation", CancellationToken.None);
        var before = (await Store.GetProfileAsync(uscc, CancellationToken.None))!;

        // A claim over a partner value, with a field that alone would be fine: refused whole, naming the field and its source.
        var refused = await Assert.ThrowsAsync<FactRefusedException>(() => OwnedWriter().WriteAsync(
            [new ProfileChange(new EnterpriseProfile { Uscc = uscc, AnnualRevenue = 9_000_000, Employees = 30 }, ["annual_revenue", "employees"])],
            ProfileSource.SelfDeclared, $"enterprise:{uscc}", CancellationToken.None));
        var only = Assert.Single(refused.Refusals);
        Assert.Equal(("annual_revenue", FactRefusal.Authoritative, "partner:market-regulation"), (only.Field, only.Code, only.Holder!.By));
        Assert.True(refused.IsConflict);

        // dishonest and region are never self-declared, whatever is stored.
        var never = await Assert.ThrowsAsync<FactRefusedException>(() => OwnedWriter().WriteAsync(
            [new ProfileChange(new EnterpriseProfile { Uscc = uscc, Dishonest = false, Region = "620400" }, ["dishonest", "region"])],
            ProfileSource.SelfDeclared, $"enterprise:{uscc}", CancellationToken.None));
        Assert.Equal(["dishonest", "region"], never.Refusals.Select(r => r.Field).Order());
        Assert.All(never.Refusals, r => Assert.Equal(FactRefusal.NotDeclarable, r.Code));
        Assert.False(never.IsConflict);

        var after = (await Store.GetProfileAsync(uscc, CancellationToken.None))!;
        Assert.Equal(before.Fingerprint, after.Fingerprint);
        Assert.Equal(before.ChangeSeq, after.ChangeSeq);
        Assert.Null(after.Profile.Employees);

        // Staff correct anything, with the evidence; a claim cannot replace that either.
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, Employees = 40 }, ["employees"])],
            ProfileSource.Staff, "staff:officer-1", CancellationToken.None, "人社核查 2026-11");
        var staffFact = (await Store.GetProfileAsync(uscc, CancellationToken.None))!.Provenance["employees"];
        Assert.Equal((ProfileSource.Staff, "staff:officer-1", "人社核查 2026-11"), (staffFact.Source, staffFact.By, staffFact.Reference));
        await Assert.ThrowsAsync<FactRefusedException>(() => OwnedWriter().WriteAsync(
            [new ProfileChange(new EnterpriseProfile { Uscc = uscc, Employees = 400 }, ["employees"])], ProfileSource.SelfDeclared, $"enterprise:{uscc}", CancellationToken.None));
    }

    [Fact]
    public async Task Owners_replace_anything_supporting_feeds_only_fill_and_a_confirmation_upgrades_the_source()
    {
        var uscc = Population(1)[0].Uscc;
        var claim = new EnterpriseProfile { Uscc = uscc, RdExpense = 1_200_000, TaxCredit = "B", AnnualRevenue = 8_000_000 };
        await OwnedWriter().WriteAsync([new ProfileChange(claim, ["rd_expense", "tax_credit", "annual_revenue"])], ProfileSource.SelfDeclared, $"enterprise:{uscc}", CancellationToken.None);

        // A supporting feed (a bank: owns nothing) replaces a claim; the owner's feed confirms one with the same value.
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, TaxCredit = "A" }, ["tax_credit"])], ProfileSource.PartnerFeed, "partner:bank", CancellationToken.None);
        var confirmed = await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, RdExpense = 1_200_000 }, ["rd_expense"])],
            ProfileSource.PartnerFeed, "partner:tax-bureau", CancellationToken.None);
        Assert.Equal(1, confirmed.Updated); // the same value, a better source: written, and the change feed moves
        var stored = (await Store.GetProfileAsync(uscc, CancellationToken.None))!;
        Assert.Equal((ProfileSource.PartnerFeed, "partner:bank"), (stored.Provenance["tax_credit"].Source, stored.Provenance["tax_credit"].By));
        Assert.Equal((ProfileSource.PartnerFeed, "partner:tax-bureau"), (stored.Provenance["rd_expense"].Source, stored.Provenance["rd_expense"].By));
        Assert.Equal(ProfileSource.SelfDeclared, stored.Provenance["annual_revenue"].Source);
        Assert.True(Owners.IsAuthoritative("rd_expense", stored.Provenance["rd_expense"]));

        // The owner's value stands against a supporting feed (kept, not refused); the owner's newer feed replaces it.
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, RdExpense = 1 }, ["rd_expense"])], ProfileSource.PartnerFeed, "partner:bank", CancellationToken.None);
        Assert.Equal(1_200_000, (await Store.GetProfileAsync(uscc, CancellationToken.None))!.Profile.RdExpense);
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, RdExpense = 900_000 }, ["rd_expense"])], ProfileSource.PartnerFeed, "partner:tax-bureau", CancellationToken.None);
        Assert.Equal(900_000, (await Store.GetProfileAsync(uscc, CancellationToken.None))!.Profile.RdExpense);

        // The same feed again changes nothing.
        var again = await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, RdExpense = 900_000 }, ["rd_expense"])], ProfileSource.PartnerFeed, "partner:tax-bureau", CancellationToken.None);
        Assert.Equal(1, again.Unchanged);
    }

    [Fact]
    public async Task Every_replaced_value_stays_in_the_audit_chain_with_who_had_written_it()
    {
        var uscc = Population(1)[0].Uscc;
        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, Region = "620102", RdExpense = 500 })], ProfileSource.PartnerFeed, "partner:tax-bureau", CancellationToken.None);
        Assert.Empty(await Store.ReadAuditAsync(CancellationToken.None).ToListAsync()); // a new profile replaces nothing

        await OwnedWriter().WriteAsync([new ProfileChange(new EnterpriseProfile { Uscc = uscc, RdExpense = 700 }, ["rd_expense"])], ProfileSource.Staff, "staff:officer-2", CancellationToken.None, "审计报告 2026-08");

        var record = Assert.Single(await Store.ReadAuditAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(("staff:officer-2", "profile.write", uscc), (record.Entry.Who, record.Entry.What, record.Entry.Subject));
        using var detail = System.Text.Json.JsonDocument.Parse(record.Entry.Detail!);
        var replaced = Assert.Single(detail.RootElement.GetProperty("replaced").EnumerateArray());
        Assert.Equal(("rd_expense", 500, "partner_feed", "partner:tax-bureau", 700),
            (replaced.GetProperty("field").GetString(), replaced.GetProperty("before").GetInt64(), replaced.GetProperty("beforeSource").GetString(),
             replaced.GetProperty("beforeBy").GetString(), replaced.GetProperty("after").GetInt64()));
        Assert.Equal("审计报告 2026-08", detail.RootElement.GetProperty("reference").GetString());
        Assert.True((await AuditChain.VerifyAsync(Store.ReadAuditAsync(CancellationToken.None))).Intact);
    }

    [Fact]
    public async Task Correction_requests_are_created_once_and_decided_once_with_their_message_and_audit()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var request = new CorrectionRecord("cor-contract-1", "91620102MA01KP0011", "620102", "annual_revenue", "5000000",
            new FieldProvenance(ProfileSource.PartnerFeed, "partner:tax-bureau", now), "3000000", "上年度营业收入有误", CorrectionStatus.Pending, now);
        var audit = new AuditEntry("enterprise:x", "enterprise", "correction.request", null, null, "cor-contract-1", null);
        Assert.True(await Store.ApplyCorrectionAsync(new CorrectionChange(request, null, null, audit), CancellationToken.None));
        Assert.False(await Store.ApplyCorrectionAsync(new CorrectionChange(request, null, null, audit), CancellationToken.None)); // a retry

        Assert.Equal(request, await Store.GetCorrectionAsync("cor-contract-1", CancellationToken.None));
        Assert.Single(await Store.QueryCorrectionsAsync(new CorrectionQuery(CorrectionStatus.Pending, RegionPrefix: "6201"), CancellationToken.None));
        Assert.Empty(await Store.QueryCorrectionsAsync(new CorrectionQuery(CorrectionStatus.Pending, RegionPrefix: "6204"), CancellationToken.None));

        var accepted = request with { Status = CorrectionStatus.Accepted, DecidedBy = "staff:o", Decision = "核实", EvidenceReference = "税务核定书", DecidedAt = now };
        var notice = new NotificationRecord("ntf-contract-1", request.Uscc, "verification", "t", "b", null, false, now);
        var decision = new AuditEntry("staff:o", "staff", "correction.accept", null, null, "cor-contract-1", null) { Detail = """{"reason":"核实"}""" };
        Assert.True(await Store.ApplyCorrectionAsync(new CorrectionChange(accepted, CorrectionStatus.Pending, notice, decision), CancellationToken.None));
        Assert.False(await Store.ApplyCorrectionAsync(new CorrectionChange(accepted with { Status = CorrectionStatus.Refused }, CorrectionStatus.Pending, notice, decision), CancellationToken.None));

        Assert.Equal(accepted, await Store.GetCorrectionAsync("cor-contract-1", CancellationToken.None));
        Assert.Single(await Store.ListNotificationsAsync(request.Uscc, false, null, 10, CancellationToken.None));
        var chain = await Store.ReadAuditAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(["correction.request", "correction.accept"], chain.Select(r => r.Entry.What));
        Assert.Equal("""{"reason":"核实"}""", chain[1].Entry.Detail);
        Assert.True((await AuditChain.VerifyAsync(Store.ReadAuditAsync(CancellationToken.None))).Intact);
    }

    [Fact]
    public async Task Import_reports_bad_rows_keeps_good_ones_and_changes_nothing_the_second_time()
    {
        var good = Population(300, seed: 5);
        var lines = good.Select(ProfileJson.Serialize).ToList();
        lines.Insert(10, """{"uscc":"91350100M000100Y44","name":"校验位错误"}""");
        lines.Insert(20, """{"uscc":"91350100M000100Y43","annualRevenue":-1}""");
        lines.Insert(30, "{broken json");
        lines.Insert(40, """{"uscc":"91350100M000100Y43","scale":"huge","colour":"red"}""");
        var file = string.Join('\n', lines);
        var importer = new ProfileImporter(Writer());

        var first = await importer.ImportAsync(ProfileFile.Read(new StringReader(file), ImportFormat.Ndjson), ProfileSource.PartnerFeed, "market", batchSize: 64);

        Assert.Equal((304L, 300L, 0L, 0L, 4L), (first.Received, first.Inserted, first.Updated, first.Unchanged, first.Rejected));
        Assert.Contains(first.Errors, e => e is { Line: 11, Field: "uscc", Code: "uscc.invalid" });
        Assert.Contains(first.Errors, e => e is { Line: 21, Field: "annual_revenue", Code: "number.negative" });
        Assert.Contains(first.Errors, e => e is { Line: 31, Code: "json.malformed" });
        Assert.Contains(first.Errors, e => e is { Line: 41, Field: "colour", Code: "json.unknown_member" });
        Assert.Equal(300, await Store.CountProfilesAsync(CancellationToken.None));

        var feedBefore = await Store.StreamProfilesAsync(0, CancellationToken.None).Select(p => p.ChangeSeq).MaxAsync();
        var second = await importer.ImportAsync(ProfileFile.Read(new StringReader(file), ImportFormat.Ndjson), ProfileSource.PartnerFeed, "market", batchSize: 64);

        Assert.Equal((0L, 0L, 300L, 4L), (second.Inserted, second.Updated, second.Unchanged, second.Rejected));
        Assert.Empty(await Store.StreamProfilesAsync(feedBefore, CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task Csv_import_reads_sets_certifications_and_reports_cells()
    {
        var uscc = PopulationGenerator.MakeUscc("620102", 77);
        var csv = $"""
            uscc,name,region,tech_domains,annual_revenue,established_on,dishonest,certifications,tags
            {uscc},"兰州""金城""软件, 有限公司",620102,electronic_info|new_materials,250000000,2020-01-15,false,high_tech:national:2025-12-01:2028-12-01|tech_sme::2026-01-01,-
            {PopulationGenerator.MakeUscc("620102", 78)},坏数据,62010,quantum,lots,2020-02-30,maybe,,
            """;
        var summary = await new ProfileImporter(Writer()).ImportAsync(ProfileFile.Read(new StringReader(csv), ImportFormat.Csv), ProfileSource.PartnerFeed, "csv");

        Assert.Equal((2L, 1L, 1L), (summary.Received, summary.Inserted, summary.Rejected));
        Assert.Equal(["annual_revenue", "dishonest", "established_on"], summary.Errors.Where(e => e.Line == 3).Select(e => e.Field).Order());
        var stored = (await Store.GetProfileAsync(uscc, CancellationToken.None))!.Profile;
        Assert.Equal("兰州\"金城\"软件, 有限公司", stored.Name);
        Assert.Equal(new EquatableArray<string>(["electronic_info", "new_materials"]), stored.TechDomains);
        Assert.Equal(EquatableArray<string>.Empty, stored.Tags);
        Assert.Equal(2, stored.Certifications!.Value.Count);
        Assert.Null(stored.Certifications.Value[1].Level);
    }

    [Fact]
    public async Task The_change_feed_returns_what_changed_after_a_point()
    {
        var profiles = Population(20, seed: 9);
        await Writer().WriteAsync([.. profiles.Take(10).Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "a", CancellationToken.None);
        var mark = await Store.StreamProfilesAsync(0, CancellationToken.None).Select(p => p.ChangeSeq).MaxAsync();
        await Writer().WriteAsync([.. profiles.Skip(10).Select(p => new ProfileChange(p))], ProfileSource.PartnerFeed, "b", CancellationToken.None);
        await Writer().WriteAsync([new ProfileChange(profiles[0] with { Employees = 99_999 })], ProfileSource.Staff, "c", CancellationToken.None);

        var after = await Store.StreamProfilesAsync(mark, CancellationToken.None).Select(p => p.Profile.Uscc).ToListAsync();

        Assert.Equal(11, after.Count);
        Assert.Equal(profiles[0].Uscc, after[^1]); // in change order
    }

    [Fact]
    public async Task Published_versions_are_immutable_and_changes_make_new_versions()
    {
        var document = DemoSeeder.Policies()[0];
        var draft = document with { Policy = document.Policy with { Status = PolicyStatus.Draft, Version = 1 } };
        await Store.SavePolicyAsync(new PolicyRecord(draft, DateTimeOffset.UtcNow, "officer"), CancellationToken.None);
        var edited = draft with { Summary = "改过的摘要" };
        await Store.SavePolicyAsync(new PolicyRecord(edited, DateTimeOffset.UtcNow, "officer"), CancellationToken.None); // drafts may change

        var published = edited with { Policy = edited.Policy with { Status = PolicyStatus.Published } };
        await Store.SavePolicyAsync(new PolicyRecord(published, DateTimeOffset.UtcNow, "officer", DateTimeOffset.UtcNow), CancellationToken.None);
        var changed = published with { Policy = published.Policy with { Title = "偷偷改标题" } };
        await Assert.ThrowsAsync<PublishedVersionImmutableException>(() =>
            Store.SavePolicyAsync(new PolicyRecord(changed, DateTimeOffset.UtcNow, "officer"), CancellationToken.None));

        var v2 = changed with { Policy = changed.Policy with { Version = 2, Status = PolicyStatus.Draft } };
        await Store.SavePolicyAsync(new PolicyRecord(v2, DateTimeOffset.UtcNow, "officer"), CancellationToken.None);

        var versions = await Store.ListPolicyVersionsAsync(document.Policy.Id, CancellationToken.None);
        Assert.Equal([(1, PolicyStatus.Published, document.Policy.Title), (2, PolicyStatus.Draft, "偷偷改标题")],
            versions.Select(v => (v.Policy.Version, v.Policy.Status, v.Policy.Title)));
        Assert.Equal("改过的摘要", versions[0].Document.Summary);
        Assert.Equal(2, (await Store.ListCurrentPoliciesAsync(CancellationToken.None)).Single().Policy.Version);
        Assert.Equal(document.Policy.Criteria, (await Store.GetPolicyAsync(document.Policy.Id, 1, CancellationToken.None))!.Policy.Criteria);
    }

    [Fact]
    public async Task One_entitlement_per_enterprise_policy_and_period()
    {
        var now = DateTimeOffset.UtcNow;
        EntitlementRecord Make(string id, string period) => new(id, "91350100M000100Y43", "lz-hightech-first-award", 1, period, EntitlementStatus.Matched, 20_000_000, now, now);

        static WorkflowChange Create(EntitlementRecord e) => new(Create: e, Audit: new AuditEntry("system", "system", "entitlement.match", e.PolicyId, 1, e.Id, null));

        Assert.Equal(2, (await Store.ApplyAsync([Create(Make("e1", "")), Create(Make("e2", "2026"))], CancellationToken.None)).Count);
        Assert.Empty(await Store.ApplyAsync([Create(Make("e3", "")), Create(Make("e4", "2026"))], CancellationToken.None));
        Assert.Equal(["e1", "e2"], (await Store.ListEntitlementsAsync("91350100M000100Y43", null, CancellationToken.None)).Select(e => e.Id).Order());
        Assert.Equal(2, await Store.ReadAuditAsync(CancellationToken.None).CountAsync()); // only the steps that applied are audited
    }

    [Fact]
    public async Task A_transition_applies_only_from_the_states_it_expects_with_its_message_and_audit()
    {
        var now = DateTimeOffset.UtcNow;
        var e = new EntitlementRecord("e1", "91350100M000100Y43", "p", 1, "", EntitlementStatus.Publicized, 100, now, now, "350100");
        await Store.ApplyAsync([new(Create: e)], CancellationToken.None);
        WorkflowChange Confirm(string step) => new(
            Transition: new EntitlementTransition([EntitlementStatus.Matched, EntitlementStatus.Publicized], e with { Status = EntitlementStatus.Confirmed, ReceivingAccount = "6222" }),
            Notification: new NotificationRecord($"n-{step}", e.Uscc, "status_changed", "状态更新", "已确认", "p", false, now, e.Id),
            Audit: new AuditEntry("enterprise:x", "enterprise", "entitlement.confirm", "p", 1, e.Id, null));

        Assert.Single(await Store.ApplyAsync([Confirm("a")], CancellationToken.None));
        Assert.Empty(await Store.ApplyAsync([Confirm("b")], CancellationToken.None)); // already confirmed: nothing, no message, no audit
        var stored = await Store.GetEntitlementAsync("e1", CancellationToken.None);
        Assert.Equal((EntitlementStatus.Confirmed, "6222", "350100"), (stored!.Status, stored.ReceivingAccount, stored.Region));
        Assert.Equal(["n-a"], (await Store.ListNotificationsAsync(e.Uscc, false, null, 10, CancellationToken.None)).Select(n => n.Id));
        Assert.Single(await Store.ReadAuditAsync(CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task A_transition_with_an_amount_check_applies_only_while_the_amount_is_the_one_it_was_computed_from()
    {
        var now = DateTimeOffset.UtcNow;
        var unknown = new EntitlementRecord("u", "91350100M000100Y43", "p", 1, "", EntitlementStatus.Matched, null, now, now);
        await Store.ApplyAsync([new(Create: unknown)], CancellationToken.None);
        WorkflowChange Price(EntitlementRecord current, long? amount) =>
            new(Transition: new EntitlementTransition([current.Status], current with { AmountFen = amount }, new AmountCheck(current.AmountFen)));

        Assert.Empty(await Store.ApplyAsync([Price(unknown with { AmountFen = 5 }, 700)], CancellationToken.None)); // it is unknown, not 5
        Assert.Single(await Store.ApplyAsync([Price(unknown, 700)], CancellationToken.None));                     // unknown matches unknown
        Assert.Empty(await Store.ApplyAsync([Price(unknown, 800)], CancellationToken.None));                      // no longer unknown
        var priced = (await Store.GetEntitlementAsync("u", CancellationToken.None))!;
        Assert.Equal(700, priced.AmountFen);
        Assert.Single(await Store.ApplyAsync([Price(priced, null)], CancellationToken.None));                     // back to unknown
        Assert.Null((await Store.GetEntitlementAsync("u", CancellationToken.None))!.AmountFen);
    }

    [Fact]
    public async Task The_budget_guard_rolls_back_approvals_that_would_overspend()
    {
        var now = DateTimeOffset.UtcNow;
        var a = new EntitlementRecord("a", "91350100M000100Y43", "p", 1, "", EntitlementStatus.Confirmed, 600, now, now);
        var b = a with { Id = "b", Uscc = "91620100MA0000001F" };
        await Store.ApplyAsync([new(Create: a), new(Create: b)], CancellationToken.None);
        WorkflowChange Approve(EntitlementRecord e, long amount) =>
            new(Transition: new EntitlementTransition([EntitlementStatus.Confirmed], e with { Status = EntitlementStatus.Approved, ApprovedAmountFen = amount }));

        await Assert.ThrowsAsync<BudgetExceededException>(() => Store.ApplyAsync([Approve(a, 600), Approve(b, 600)], CancellationToken.None, new BudgetGuard("p", 1_000)));
        Assert.All(await Store.ListEntitlementsAsync(null, "p", CancellationToken.None), e => Assert.Equal(EntitlementStatus.Confirmed, e.Status));
        Assert.Equal(2, (await Store.ApplyAsync([Approve(a, 500), Approve(b, 500)], CancellationToken.None, new BudgetGuard("p", 1_000))).Count);
    }

    [Fact]
    public async Task Keyset_paging_and_filters_over_entitlements()
    {
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, 7).Select(i => new EntitlementRecord($"e{i}", $"u{i}", i % 2 == 0 ? "p" : "q", 1, "", i < 4 ? EntitlementStatus.Matched : EntitlementStatus.Approved, i, now, now, i < 3 ? "620102" : "620402")).ToList();
        await Store.ApplyAsync([.. rows.Select(r => new WorkflowChange(Create: r))], CancellationToken.None);
        Assert.Equal(["e0", "e2"], (await Store.QueryEntitlementsAsync(new(PolicyId: "p", Limit: 2), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal(["e4", "e6"], (await Store.QueryEntitlementsAsync(new(PolicyId: "p", AfterId: "e2"), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal(["e4", "e5", "e6"], (await Store.QueryEntitlementsAsync(new(Statuses: [EntitlementStatus.Approved]), CancellationToken.None)).Select(e => e.Id));
        Assert.Equal(["e0", "e1", "e2"], (await Store.QueryEntitlementsAsync(new(RegionPrefix: "6201"), CancellationToken.None)).Select(e => e.Id));
    }

    [Fact]
    public async Task The_audit_log_is_a_hash_chain_and_append_only()
    {
        var records = new List<AuditRecord>();
        for (var i = 0; i < 3; i++)
        {
            records.Add(await Store.AppendAuditAsync(new AuditEntry("officer-1", "staff", "policy.publish", "p", i + 1, null, null), CancellationToken.None));
        }

        Assert.Equal(records, await Store.ReadAuditAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(records[0].Hash, records[1].PreviousHash);
        Assert.Equal(records[1].Hash, records[2].PreviousHash);
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteAsync("UPDATE audit_log SET who = 'someone else' WHERE seq = 2"));
    }

    [Fact]
    public async Task Notifications_are_kept_per_enterprise()
    {
        var now = DateTimeOffset.UtcNow;
        const string uscc = "91350100M000100Y43";
        NotificationRecord Message(string id, int minutes) => new(id, uscc, "missing_fields", "请补充信息", "请补充营业收入", "p", false, now.AddMinutes(minutes), null, ["annual_revenue", "employees"]);
        Assert.Equal(3, (await Store.ApplyAsync([new(Notification: Message("n1", 1)), new(Notification: Message("n2", 2)), new(Notification: Message("n3", 3))], CancellationToken.None)).Count);
        Assert.Empty(await Store.ApplyAsync([new(Notification: Message("n1", 1))], CancellationToken.None)); // the same message is not sent twice

        var first = await Store.ListNotificationsAsync(uscc, false, null, 2, CancellationToken.None);
        Assert.Equal(["n3", "n2"], first.Select(n => n.Id));
        Assert.Equal(["annual_revenue", "employees"], first[0].MissingFields);
        var rest = await Store.ListNotificationsAsync(uscc, false, new NotificationCursor(first[^1].CreatedAt.ToUnixTimeMilliseconds(), first[^1].Id), 2, CancellationToken.None);
        Assert.Equal(["n1"], rest.Select(n => n.Id));
        Assert.Empty(await Store.ListNotificationsAsync("91620100MA0000001F", false, null, 10, CancellationToken.None));

        Assert.Equal(3, await Store.CountUnreadAsync(uscc, CancellationToken.None));
        Assert.Equal(1, await Store.MarkNotificationsReadAsync(uscc, ["n2"], CancellationToken.None));
        Assert.Equal(0, await Store.MarkNotificationsReadAsync("91620100MA0000001F", ["n1"], CancellationToken.None)); // not its message
        Assert.Equal(["n3", "n1"], (await Store.ListNotificationsAsync(uscc, true, null, 10, CancellationToken.None)).Select(n => n.Id));
        Assert.Equal(2, await Store.MarkNotificationsReadAsync(uscc, [], CancellationToken.None));
        Assert.Equal(0, await Store.CountUnreadAsync(uscc, CancellationToken.None));
    }

    [Fact]
    public async Task Audit_verify_names_the_first_altered_record()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.AppendAuditAsync(new AuditEntry("officer-1", "staff", "entitlement.approve", "p", 1, $"e{i}", null), CancellationToken.None);
        }

        Assert.True((await AuditChain.VerifyAsync(Store.ReadAuditAsync(CancellationToken.None))).Intact);
        await TamperAsync("UPDATE audit_log SET who = 'officer-2' WHERE seq = 3");
        var result = await AuditChain.VerifyAsync(Store.ReadAuditAsync(CancellationToken.None));
        Assert.Equal(3, result.BrokenAt);
    }

    protected abstract Task ExecuteAsync(string sql);

    /// <summary>What someone with direct access to the database could do: drop the append-only guard and rewrite a row.</summary>
    protected abstract Task TamperAsync(string sql);
}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-store-{Guid.NewGuid():N}");
    private SqliteStore? _store;

    protected override Task<IStore> CreateStoreAsync() =>
        Task.FromResult<IStore>(_store = new SqliteStore(new StorageOptions { DataDir = _dataDir }, TimeProvider.System));

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_store!.DatabasePath}");
        await connection.ExecuteAsync(sql);
    }

    protected override Task TamperAsync(string sql) => ExecuteAsync($"DROP TRIGGER audit_log_append_only_update; {sql}");

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresFixture postgres) : StoreContractTests
{
    private string _connectionString = "";
    private NpgsqlDataSource? _dataSource;

    protected override async Task<IStore> CreateStoreAsync()
    {
        var database = $"contract_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(postgres.Server.ConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {database}");
        }

        _connectionString = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Database = database }.ToString();
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        return new PostgresStore(_dataSource, TimeProvider.System);
    }

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = await _dataSource!.OpenConnectionAsync();
        await connection.ExecuteAsync(sql);
    }

    protected override Task TamperAsync(string sql) => ExecuteAsync($"DROP TRIGGER audit_log_append_only ON audit_log; {sql}");

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
