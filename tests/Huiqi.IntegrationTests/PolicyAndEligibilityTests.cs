using Google.Rpc;
using Grpc.Core;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests;

/// <summary>PolicyService and EligibilityService over gRPC, on the demo data, with staff, enterprise, partner and admin tokens.</summary>
[Collection(RedisCollection.Name)]
public sealed class PolicyAndEligibilityTests(RedisFixture redis) : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private const string AsOf = "2026-06-01";

    public async Task InitializeAsync()
    {
        await redis.Server.StartAgainAsync();
        _platform = await PlatformHost.StartAsync(new Dictionary<string, string?>
        {
            ["Huiqi:Demo:Seed"] = "true",
            ["Huiqi:Demo:Population"] = "2000",
            ["ConnectionStrings:Redis"] = redis.Server.ConnectionString,
        });
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private string Staff(string jurisdiction) => _platform.Token(("role", "staff"), ("jurisdiction", jurisdiction), ("sub", $"officer-{jurisdiction}"));

    private string Admin => _platform.Token(("role", "admin"), ("sub", "ops"));

    private PolicyService.PolicyServiceClient Policies(string token) => new(_platform.Channel(token));

    private EligibilityService.EligibilityServiceClient Eligibility(string token) => new(_platform.Channel(token));

    private static Policy Draft(string id, long employeesAtLeast, EligibilityStatus expectForTen)
    {
        var document = DemoSeeder.Policies().First(d => d.Policy.Id == "lz-employment-stability");
        var proto = PolicyMapping.ToProto(new Huiqi.Storage.Store.PolicyRecord(document, DateTimeOffset.UtcNow, "t"));
        proto.Id = id;
        proto.Title = "测试：稳岗补贴";
        proto.Criteria = new Criterion { Predicate = new Predicate { Field = "employees", Op = Operator.Ge, Value = new Value { Integer = employeesAtLeast } } };
        proto.Benefit = new Benefit { FixedFen = 1_000_000 };
        proto.Examples.Clear();
        proto.Examples.Add(new PolicyExample { Name = "十人企业", Profile = new EnterpriseProfile { Employees = 10 }, AsOf = AsOf, Expect = expectForTen });
        return proto;
    }

    [Fact]
    public async Task Drafts_are_published_only_when_their_examples_pass_and_changes_make_new_versions()
    {
        var staff = Policies(Staff("620100"));
        var created = await staff.CreateDraftAsync(new CreateDraftRequest { Policy = Draft("test-stability", 20, EligibilityStatus.Eligible) });
        Assert.Equal((1, Huiqi.Contracts.V1.PolicyStatus.Draft), (created.Version, created.Status));
        Assert.Equal("employees >= 20", created.CriteriaText);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await staff.PublishAsync(new PublishRequest { PolicyId = "test-stability" }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        var violation = Assert.Single(refused.GetRpcStatus()!.GetDetail<PreconditionFailure>().Violations);
        Assert.Equal("examples[0]", violation.Subject);
        Assert.Contains("十人企业", violation.Description);

        await staff.UpdateDraftAsync(new UpdateDraftRequest { Policy = Draft("test-stability", 10, EligibilityStatus.Eligible) });
        var published = await staff.PublishAsync(new PublishRequest { PolicyId = "test-stability" });
        Assert.Equal((1, Huiqi.Contracts.V1.PolicyStatus.Published), (published.Version, published.Status));

        var v2 = await staff.UpdateDraftAsync(new UpdateDraftRequest { Policy = Draft("test-stability", 1000, EligibilityStatus.Ineligible) });
        Assert.Equal((2, Huiqi.Contracts.V1.PolicyStatus.Draft), (v2.Version, v2.Status));
        var enterpriseView = await Policies(_platform.Token(("role", "enterprise"), ("uscc", "91350100M000100Y43"))).ListVersionsAsync(new ListVersionsRequest { PolicyId = "test-stability" });
        Assert.Equal([1], enterpriseView.Versions.Select(v => v.Version));             // drafts are not public
        Assert.Equal([1, 2], (await staff.ListVersionsAsync(new ListVersionsRequest { PolicyId = "test-stability" })).Versions.Select(v => v.Version));

        var inForce = await Policies(Admin).GetPolicyAsync(new GetPolicyRequest { PolicyId = "test-stability" });
        Assert.Equal(1, inForce.Version); // the current version is the published one, even for those who may see the draft
        await staff.RetireAsync(new RetireRequest { PolicyId = "test-stability" });
        var listed = await Policies(Admin).ListPoliciesAsync(new ListPoliciesRequest { AsOf = AsOf, PageSize = 500 });
        Assert.DoesNotContain(listed.Policies, p => p.Id == "test-stability");
    }

    [Fact]
    public async Task Only_staff_governing_the_jurisdiction_write_policies()
    {
        var baiyin = await Assert.ThrowsAsync<RpcException>(async () =>
            await Policies(Staff("620400")).CreateDraftAsync(new CreateDraftRequest { Policy = Draft("test-baiyin", 1, EligibilityStatus.Eligible) }));
        Assert.Equal(StatusCode.PermissionDenied, baiyin.StatusCode);

        var enterprise = await Assert.ThrowsAsync<RpcException>(async () =>
            await Policies(_platform.Token(("role", "enterprise"), ("uscc", "91350100M000100Y43"))).RetireAsync(new RetireRequest { PolicyId = "lz-green-factory" }));
        Assert.Equal(StatusCode.PermissionDenied, enterprise.StatusCode);

        var partnerWithoutScope = await Assert.ThrowsAsync<RpcException>(async () =>
            await Policies(_platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:read"))).ListPoliciesAsync(new ListPoliciesRequest()));
        Assert.Equal(StatusCode.PermissionDenied, partnerWithoutScope.StatusCode);

        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var draft = Draft("test-bad", 1, EligibilityStatus.Eligible);
            draft.Criteria = new Criterion { All = new CriterionGroup { Children = { draft.Criteria, new Criterion { Predicate = new Predicate { Field = "annual_revenue", Op = Operator.HasAny, Values = new ValueList { Items = { new Value { Integer = 1 } } } } } } } };
            await Policies(Staff("620100")).CreateDraftAsync(new CreateDraftRequest { Policy = draft });
        });
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal("policy.criteria.all[1].op", Assert.Single(bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public async Task A_yearly_recurrence_survives_the_round_trip_and_an_unknown_one_is_refused_by_name()
    {
        var staff = Policies(Staff("620100"));
        var draft = Draft("test-yearly", 10, EligibilityStatus.Eligible);
        draft.Recurrence = Recurrence.Yearly;
        Assert.Equal(Recurrence.Yearly, (await staff.CreateDraftAsync(new CreateDraftRequest { Policy = draft })).Recurrence);
        await staff.PublishAsync(new PublishRequest { PolicyId = "test-yearly" });
        Assert.Equal(Recurrence.Yearly, (await Policies(Admin).GetPolicyAsync(new GetPolicyRequest { PolicyId = "test-yearly" })).Recurrence);

        var unspecified = Draft("test-unspecified", 10, EligibilityStatus.Eligible);
        Assert.Equal(Recurrence.OncePerVersion, (await staff.CreateDraftAsync(new CreateDraftRequest { Policy = unspecified })).Recurrence);

        var unknown = Draft("test-monthly", 10, EligibilityStatus.Eligible);
        unknown.Recurrence = (Recurrence)7; // a value from a newer contract this server does not know
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await staff.CreateDraftAsync(new CreateDraftRequest { Policy = unknown }));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("policy.recurrence", Assert.Single(refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Fact]
    public async Task A_policy_sent_as_its_json_document_is_validated_here_and_comes_back_with_its_canonical_document()
    {
        var staff = Policies(Staff("620100"));
        const string json = """
            {"id":"test-json","title":"JSON 政策","issuer":"兰州市科学技术局","jurisdiction":"620100",
             "criteria":{"field":"employees","op":"ge","value":10},"benefit":{"fixedFen":100000},
             "examples":[]}
            """;
        var created = await staff.CreateDraftAsync(new CreateDraftRequest { PolicyJson = json });
        Assert.Equal("test-json", created.Id);
        Assert.Equal(Operator.Ge, created.Criteria.Predicate.Op);
        using (var document = System.Text.Json.JsonDocument.Parse(created.DocumentJson))
        {
            Assert.Equal("employees", document.RootElement.GetProperty("criteria").GetProperty("field").GetString());
        }

        // Errors name the JSON members the client sent, not protobuf paths.
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await staff.CreateDraftAsync(new CreateDraftRequest
        {
            PolicyJson = json.Replace("\"op\":\"ge\"", "\"op\":\"has_any\"", StringComparison.Ordinal).Replace("test-json", "test-json-2", StringComparison.Ordinal),
        }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.StartsWith("criteria", Assert.Single(bad.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field, StringComparison.Ordinal);

        // An update's document may not name another policy than the one it changes.
        var mismatch = await Assert.ThrowsAsync<RpcException>(async () =>
            await staff.UpdateDraftAsync(new UpdateDraftRequest { PolicyJson = json, PolicyId = "another-policy" }));
        Assert.Equal("id", Assert.Single(mismatch.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        // Search: Chinese matched as written, Latin letters whatever their case.
        await staff.CreateDraftAsync(new CreateDraftRequest { PolicyJson = json.Replace("test-json", "test-json-ai", StringComparison.Ordinal).Replace("JSON 政策", "AI 赋能专项", StringComparison.Ordinal) });
        await staff.PublishAsync(new PublishRequest { PolicyId = "test-json-ai" });
        foreach (var q in (string[])["赋能专项", "ai", "Ai 赋能"])
        {
            var found = await Policies(Admin).ListPoliciesAsync(new ListPoliciesRequest { Query = q, Status = Contracts.V1.PolicyStatus.Published });
            Assert.Contains(found.Policies, p => p.Id == "test-json-ai");
        }

        Assert.DoesNotContain((await Policies(Admin).ListPoliciesAsync(new ListPoliciesRequest { Query = "赋能专项x", Status = Contracts.V1.PolicyStatus.Published })).Policies, p => p.Id == "test-json-ai");

        // Who may write is decided before the document is read: a partner learns nothing about its validity.
        var partner = await Assert.ThrowsAsync<RpcException>(async () =>
            await Policies(_platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "policies:read"))).CreateDraftAsync(new CreateDraftRequest { PolicyJson = "{" }));
        Assert.Equal(StatusCode.PermissionDenied, partner.StatusCode);
    }

    [Fact]
    public async Task Odd_json_documents_on_the_wire_are_invalid_argument_never_a_fault()
    {
        var deep = new string('[', 200) + new string(']', 200);
        string[] odd = ["{", "[]", "null", "42", "\"text\"", deep, "{\"criteria\":" + deep + "}"];
        var policies = Policies(Staff("620100"));
        var enterprises = new EnterpriseService.EnterpriseServiceClient(_platform.Channel(Admin));
        var eligibility = Eligibility(Admin);
        var uscc = DemoPopulationUsccs().First();
        foreach (var json in odd)
        {
            async Task Refused(Func<Task> call)
            {
                var refused = await Assert.ThrowsAsync<RpcException>(call);
                Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{json[..Math.Min(json.Length, 20)]}: {refused.Status}");
            }

            await Refused(async () => await policies.CreateDraftAsync(new CreateDraftRequest { PolicyJson = json }));
            await Refused(async () => await eligibility.DryRunAsync(new DryRunRequest { PolicyJson = json }));
            await Refused(async () => await enterprises.UpsertProfileAsync(new UpsertProfileRequest { ProfileJson = json, Uscc = uscc }));
            await Refused(async () => await enterprises.PatchProfileAsync(new PatchProfileRequest { ProfileJson = json, Uscc = uscc }));
        }

        // A patch that names no field, and a profile without an enterprise to write to.
        await Assert.ThrowsAsync<RpcException>(async () => await enterprises.PatchProfileAsync(new PatchProfileRequest { ProfileJson = "{}", Uscc = uscc }));
        var nobody = await Assert.ThrowsAsync<RpcException>(async () => await enterprises.UpsertProfileAsync(new UpsertProfileRequest { ProfileJson = "{\"name\":\"x\"}" }));
        Assert.Equal(StatusCode.InvalidArgument, nobody.StatusCode);
    }

    [Fact]
    public async Task Listing_filters_searches_chinese_text_and_pages()
    {
        var client = Policies(_platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "policies:read")));
        var hightech = await client.ListPoliciesAsync(new ListPoliciesRequest { Query = "高新技术企业", AsOf = AsOf });
        Assert.Contains(hightech.Policies, p => p.Id == "lz-hightech-first-award");
        Assert.All(hightech.Policies, p => Assert.True(p.Title.Contains("高新") || p.Clauses.Any(c => c.Contains("高新技术企业")) || p.Summary.Contains("高新技术企业")));

        var xiantao = await client.ListPoliciesAsync(new ListPoliciesRequest { Region = "429004", AsOf = AsOf });
        Assert.Equal(["xt-mianshen-award"], xiantao.Policies.Select(p => p.Id));

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await client.ListPoliciesAsync(new ListPoliciesRequest { PageSize = 5, PageToken = token, AsOf = AsOf });
            Assert.True(page.Policies.Count <= 5);
            seen.AddRange(page.Policies.Select(p => p.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(DemoSeeder.Policies().Select(d => d.Policy.Id).Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task One_enterprise_its_answers_and_one_explained()
    {
        var index = _platform.BackendServices.GetRequiredService<EligibilityIndex>();
        var uscc = DemoPopulationUsccs().First(u => index.MatchEnterprise(u, new DateOnly(2026, 6, 1))!.Any(a => a.Status == Huiqi.Domain.Evaluation.EligibilityStatus.Eligible));
        var own = Eligibility(_platform.Token(("role", "enterprise"), ("uscc", uscc)));

        var answer = await own.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = uscc, AsOf = AsOf });
        Assert.Equal(DemoSeeder.Policies().Count, answer.Answers.Count);
        var first = answer.Answers[0];
        Assert.Equal(EligibilityStatus.Eligible, first.Status);
        Assert.Equal(answer.Answers.Where(a => a.Status == EligibilityStatus.Eligible).Sum(a => a.AmountFen), answer.EligibleTotalFen);

        var explained = await own.ExplainAsync(new ExplainRequest { Uscc = uscc, PolicyId = first.PolicyId, AsOf = AsOf });
        Assert.NotEmpty(explained.Conditions);
        Assert.All(explained.Conditions, c => Assert.EndsWith("满足", c.Text));

        // A page of the list: the whole list's order, total and count; only the page's answers, each explained as the whole list's.
        var whole = await own.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = uscc, AsOf = AsOf, IncludeConditions = true });
        var page = await own.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = uscc, AsOf = AsOf, IncludeConditions = true, Offset = 2, Limit = 3 });
        Assert.Equal(whole.Answers.Skip(2).Take(3), page.Answers);
        Assert.Equal((whole.TotalCount, whole.EligibleTotalFen), (page.TotalCount, page.EligibleTotalFen));
        Assert.Equal(whole.Answers.Count, whole.TotalCount);
        Assert.Equal(explained, whole.Answers.Single(a => a.PolicyId == first.PolicyId));
        var negative = await Assert.ThrowsAsync<RpcException>(async () => await own.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = uscc, Offset = -1 }));
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);

        var other = DemoPopulationUsccs().First(u => u != uscc);
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await own.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = other }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task A_policy_streams_its_matches_within_the_callers_jurisdiction_and_dry_runs_agree()
    {
        var staff = Eligibility(Staff("620100"));
        var matches = new List<PolicyMatch>();
        using (var call = staff.MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability", AsOf = AsOf, Statuses = { EligibilityStatus.Eligible, EligibilityStatus.Unknown } }))
        {
            await foreach (var match in call.ResponseStream.ReadAllAsync())
            {
                matches.Add(match);
            }
        }

        Assert.NotEmpty(matches);
        Assert.All(matches, m => Assert.StartsWith("6201", m.Region));
        Assert.Contains(matches, m => m.Status == EligibilityStatus.Unknown && m.MissingFields.Count > 0);

        // The same policy as a draft dry-run by admin counts everyone; its eligible count covers the staff's stream.
        var document = DemoSeeder.Policies().First(d => d.Policy.Id == "lz-employment-stability");
        var draft = PolicyMapping.ToProto(new Huiqi.Storage.Store.PolicyRecord(document, DateTimeOffset.UtcNow, "t"));
        var dry = await Eligibility(Admin).DryRunAsync(new DryRunRequest { Policy = draft, AsOf = AsOf });
        Assert.Equal(2000 + 1, dry.Population); // the population and the showcase enterprise
        Assert.Equal(dry.Population, dry.Counts.Eligible + dry.Counts.Ineligible + dry.Counts.Unknown + dry.Counts.Excluded);
        Assert.True(dry.Counts.Eligible >= matches.Count(m => m.Status == EligibilityStatus.Eligible));
        Assert.Equal(dry.Counts.Eligible, dry.ByRegion.Sum(r => r.Counts.Eligible) + UnplacedEligible());
        Assert.Contains(dry.ByRegion, r => r.Key == "620102" && r.Label == "城关区");
        Assert.Empty(dry.ExampleFailures);

        // Paging resumes where the last row left off.
        var firstPage = new List<PolicyMatch>();
        using (var call = staff.MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability", AsOf = AsOf, PageSize = 3 }))
        {
            await foreach (var match in call.ResponseStream.ReadAllAsync()) { firstPage.Add(match); }
        }

        using (var call = staff.MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability", AsOf = AsOf, PageSize = 3, PageToken = firstPage[^1].PageToken }))
        {
            var next = new List<PolicyMatch>();
            await foreach (var match in call.ResponseStream.ReadAllAsync()) { next.Add(match); }
            Assert.Equal(3, next.Count);
            Assert.Empty(next.Select(m => m.Uscc).Intersect(firstPage.Select(m => m.Uscc)));
        }

        var enterprise = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Eligibility(_platform.Token(("role", "enterprise"), ("uscc", "91350100M000100Y43"))).MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability" });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.PermissionDenied, enterprise.StatusCode);

        long UnplacedEligible()
        {
            var index = _platform.BackendServices.GetRequiredService<EligibilityIndex>();
            using var result = index.MatchPolicy(document.Policy with { Version = 1, Status = Huiqi.Domain.Policies.PolicyStatus.Published }, new DateOnly(2026, 6, 1));
            return index.Outcomes(result, document.Policy, new DateOnly(2026, 6, 1), Huiqi.Domain.Evaluation.EligibilityStatus.Eligible).Count(o => o.Outcome.Region is null);
        }
    }

    private List<string> DemoPopulationUsccs() =>
        [.. new Huiqi.Domain.Population.PopulationGenerator().Generate(2000, Huiqi.Domain.Common.Dates.TodayInChina()).Select(p => p.Uscc)];
}
