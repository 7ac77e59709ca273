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
        Assert.Equal(1, await Store.MigrateAsync(CancellationToken.None));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private ProfileWriter Writer() => new(Store, TimeProvider.System, []);

    private static List<EnterpriseProfile> Population(int count, int seed = 1) => [.. new PopulationGenerator(seed).Generate(count)];

    [Fact]
    public async Task Migrations_apply_once()
    {
        Assert.Equal(0, await Store.MigrateAsync(CancellationToken.None));
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
        var profile = Population(1)[0] with { Employees = 10, AnnualRevenue = 100 };
        await Writer().WriteAsync([new ProfileChange(profile)], ProfileSource.PartnerFeed, "tax", CancellationToken.None);

        var patch = new EnterpriseProfile { Uscc = profile.Uscc, Employees = 25 };
        var result = await Writer().WriteAsync([new ProfileChange(patch, ["employees", "tax_credit"])], ProfileSource.SelfDeclared, "owner", CancellationToken.None);

        Assert.Equal(1, result.Updated);
        var stored = (await Store.GetProfileAsync(profile.Uscc, CancellationToken.None))!;
        Assert.Equal(25, stored.Profile.Employees);
        Assert.Null(stored.Profile.TaxCredit);                          // named in the mask, absent in the patch: now absent
        Assert.Equal(100, stored.Profile.AnnualRevenue);                // not named: kept
        Assert.Equal(ProfileSource.SelfDeclared, stored.Provenance["employees"].Source);
        Assert.Equal(ProfileSource.PartnerFeed, stored.Provenance["annual_revenue"].Source);
        Assert.False(stored.Provenance.ContainsKey("tax_credit"));
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

        Assert.Equal(2, await Store.InsertEntitlementsAsync([Make("e1", ""), Make("e2", "2026")], CancellationToken.None));
        Assert.Equal(0, await Store.InsertEntitlementsAsync([Make("e3", ""), Make("e4", "2026")], CancellationToken.None));
        Assert.Equal(["e1", "e2"], (await Store.ListEntitlementsAsync("91350100M000100Y43", null, CancellationToken.None)).Select(e => e.Id).Order());
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
        await Store.AddNotificationsAsync([new("n1", "91350100M000100Y43", "missing_fields", "请补充信息", "请补充营业收入", "p", false, now)], CancellationToken.None);
        Assert.Equal("请补充营业收入", Assert.Single(await Store.ListNotificationsAsync("91350100M000100Y43", CancellationToken.None)).Body);
        Assert.Empty(await Store.ListNotificationsAsync("91620100MA0000001F", CancellationToken.None));
    }

    protected abstract Task ExecuteAsync(string sql);
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

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
