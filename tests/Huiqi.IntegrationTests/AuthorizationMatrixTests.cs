using Grpc.Core;
using Grpc.Net.Client;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Population;
using Huiqi.Storage.Demo;
using static Grpc.Core.StatusCode;

namespace Huiqi.IntegrationTests;

/// <summary>
/// API.md's table, cell by cell: every built RPC × every kind of caller × own / other / outside jurisdiction.
/// OK means the call got past authorization (the answer itself is tested elsewhere).
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private string _own = "", _other = "";
    private const string Missing = "91350100M000100Y43"; // a valid code nobody holds
    private static readonly string[] Actors = ["own", "other", "staff-in", "staff-out", "partner-all", "partner-none", "admin"];

    public async Task InitializeAsync()
    {
        _platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = "100" });
        var people = new PopulationGenerator(99).Generate(2).ToList();
        (_own, _other) = (people[0].Uscc, people[1].Uscc);
        using var admin = _platform.Channel(Token("admin"));
        var client = new EnterpriseService.EnterpriseServiceClient(admin);
        // employees absent: the enterprise's own patch fills it (a claim may not replace staff's value, TRUST.md §2).
        await client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(people[0] with { Region = "620102", Employees = null }) });
        await client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(people[1] with { Region = "620102" }) });
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private string Token(string actor) => actor switch
    {
        "own" => _platform.Token(("role", "enterprise"), ("uscc", _own), ("sub", "owner")),
        "other" => _platform.Token(("role", "enterprise"), ("uscc", _other), ("sub", "other-owner")),
        "staff-in" => _platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "lanzhou-officer")),
        "staff-out" => _platform.Token(("role", "staff"), ("jurisdiction", "620400"), ("sub", "baiyin-officer")),
        "partner-all" => _platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:write profiles:read eligibility:read policies:read")),
        "partner-none" => _platform.Token(("role", "partner"), ("sub", "nobody"), ("scope", "")),
        _ => _platform.Token(("role", "admin"), ("sub", "ops")),
    };

    private static readonly string StabilityJson = Huiqi.Domain.Serialization.PolicyJson.Serialize(DemoSeeder.Policies().First(d => d.Policy.Id == "lz-employment-stability"));

    /// <summary>Expected outcome per actor, in the order of <see cref="Actors"/>.</summary>
    public static TheoryData<string, StatusCode[]> Cells => new()
    {
        { "GetProfile(own)",              [OK, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "GetProfile(missing)",          [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound, PermissionDenied, NotFound] },
        { "PatchProfile(own)",            [OK, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "UpsertProfile(own)",           [PermissionDenied, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "ImportProfiles",               [PermissionDenied, PermissionDenied, OK, OK, OK, PermissionDenied, OK] },
        { "MatchEnterprise(own)",         [OK, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "MatchEnterprise(missing)",     [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound, PermissionDenied, NotFound] },
        { "Explain(own)",                 [OK, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "WhatIf(own)",                  [OK, PermissionDenied, OK, PermissionDenied, OK, PermissionDenied, OK] },
        { "WhatIf(missing)",              [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound, PermissionDenied, NotFound] },
        { "MatchPolicy",                  [PermissionDenied, PermissionDenied, OK, OK, PermissionDenied, PermissionDenied, OK] },
        { "DryRun(620100)",               [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "CreateDraft(620100)",          [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Check(620100)",                [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Compare(lz)",                  [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Compare(missing)",             [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound] },
        { "Retire(lz-green-factory)",     [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, FailedPrecondition] },
        { "ListPolicies",                 [OK, OK, OK, OK, OK, PermissionDenied, OK] },
        { "GetPolicy",                    [OK, OK, OK, OK, OK, PermissionDenied, OK] },
        { "ListEntitlements",             [OK, OK, OK, OK, PermissionDenied, PermissionDenied, OK] },
        { "Confirm(own)",                 [OK, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied] },
        { "Object(own)",                  [OK, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied] },
        { "ResolveObjection(lz)",         [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Approve(lz)",                  [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Disburse(lz)",                 [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Disburse(missing)",            [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound] },
        { "DisburseBatch(lz)",            [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "DisburseBatch(missing policy)", [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound] },
        { "GetPolicyStatistics(lz)",      [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "WatchEntitlements(own)",       [OK, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "WatchEntitlements(lz policy)", [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "ListNotifications(own)",       [OK, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "MarkNotificationsRead(own)",   [OK, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied] },
        { "ListVerifications",            [PermissionDenied, PermissionDenied, OK, OK, PermissionDenied, PermissionDenied, OK] },
        { "Verify(lz entitlement)",       [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Reject(lz entitlement)",       [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Verify(own correction)",       [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Reject(own correction)",       [PermissionDenied, PermissionDenied, OK, PermissionDenied, PermissionDenied, PermissionDenied, OK] },
        { "Verify(missing)",              [PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, NotFound] },
        { "VerifyAuditChain",             [PermissionDenied, PermissionDenied, OK, OK, PermissionDenied, PermissionDenied, OK] },
        { "RequestCorrection(own)",       [OK, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied, PermissionDenied] },
    };

    /// <summary>A fresh pending correction request of the own enterprise (one per call).</summary>
    private async Task<string> CorrectionAsync(string rpc, string actor)
    {
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Huiqi.Storage.Store.IStore>(_platform.BackendServices);
        var id = $"cor-matrix-{rpc.GetHashCode():x}-{actor}";
        await store.ApplyCorrectionAsync(new Huiqi.Storage.Store.CorrectionChange(
            new Huiqi.Storage.Store.CorrectionRecord(id, _own, "620102", "name", "\"旧名\"", null, "\"兰州矩阵测试有限公司\"", "工商变更", Huiqi.Storage.Store.CorrectionStatus.Pending, DateTimeOffset.UtcNow),
            null, null, new Huiqi.Storage.Store.AuditEntry("test", "test", "correction.request", null, null, id, null)), CancellationToken.None);
        return id;
    }

    /// <summary>A fresh entitlement of the own enterprise for a Lanzhou policy, in the given state (one per call, so each cell starts alike).</summary>
    private async Task<string> EntitlementAsync(string rpc, string actor, Huiqi.Storage.Store.EntitlementStatus status)
    {
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Huiqi.Storage.Store.IStore>(_platform.BackendServices);
        var now = DateTimeOffset.UtcNow;
        var id = $"ent-matrix-{rpc.GetHashCode():x}-{actor}";
        await store.ApplyAsync([new(Create: new Huiqi.Storage.Store.EntitlementRecord(id, _own, "lz-green-factory", 1, $"{rpc}-{actor}", status, 100_000, now, now, "620102",
            ApprovedAmountFen: status == Huiqi.Storage.Store.EntitlementStatus.Approved ? 100_000 : null))], CancellationToken.None);
        return id;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_cell_of_the_table(string rpc, StatusCode[] expected)
    {
        for (var i = 0; i < Actors.Length; i++)
        {
            using var channel = _platform.Channel(Token(Actors[i]));
            var actual = await CallAsync(rpc, channel, Actors[i]);
            Assert.True(expected[i] == actual, $"{rpc} as {Actors[i]}: expected {expected[i]}, got {actual}");
        }
    }

    private async Task<StatusCode> CallAsync(string rpc, GrpcChannel channel, string actor)
    {
        var enterprises = new EnterpriseService.EnterpriseServiceClient(channel);
        var eligibility = new EligibilityService.EligibilityServiceClient(channel);
        var policies = new PolicyService.PolicyServiceClient(channel);
        var entitlements = new EntitlementService.EntitlementServiceClient(channel);
        var verifications = new VerificationService.VerificationServiceClient(channel);
        var draft = PolicyMapping.ToProto(new Huiqi.Storage.Store.PolicyRecord(DemoSeeder.Policies().First(d => d.Policy.Id == "lz-green-factory"), DateTimeOffset.UtcNow, "t"));
        draft.Id = $"matrix-{actor}";
        try
        {
            switch (rpc)
            {
                case "GetProfile(own)": await enterprises.GetProfileAsync(new GetProfileRequest { Uscc = _own }); break;
                case "GetProfile(missing)": await enterprises.GetProfileAsync(new GetProfileRequest { Uscc = Missing }); break;
                case "PatchProfile(own)":
                    await enterprises.PatchProfileAsync(new PatchProfileRequest
                    {
                        Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = _own, Employees = 12 },
                        UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "employees" } },
                    });
                    break;
                case "UpsertProfile(own)":
                    await enterprises.UpsertProfileAsync(new UpsertProfileRequest { Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = _own, Region = "620102", Employees = 3 } });
                    break;
                case "ImportProfiles":
                    using (var call = enterprises.ImportProfiles())
                    {
                        await call.RequestStream.CompleteAsync();
                        await call;
                    }

                    break;
                case "MatchEnterprise(own)": await eligibility.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = _own }); break;
                case "MatchEnterprise(missing)": await eligibility.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = Missing }); break;
                case "WhatIf(own)": await eligibility.WhatIfAsync(new WhatIfRequest { Uscc = _own, ProfileJson = "{\"employees\": 60}", Limit = 3 }); break;
                case "WhatIf(missing)": await eligibility.WhatIfAsync(new WhatIfRequest { Uscc = Missing, ProfileJson = "{\"employees\": 60}" }); break;
                case "Explain(own)": await eligibility.ExplainAsync(new ExplainRequest { Uscc = _own, PolicyId = "lz-employment-stability", AsOf = "2026-06-01" }); break;
                case "MatchPolicy":
                    using (var call = eligibility.MatchPolicy(new MatchPolicyRequest { PolicyId = "lz-employment-stability", AsOf = "2026-06-01", PageSize = 1 }))
                    {
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }

                    break;
                case "DryRun(620100)": await eligibility.DryRunAsync(new DryRunRequest { Policy = draft, AsOf = "2026-06-01" }); break;
                case "CreateDraft(620100)": await policies.CreateDraftAsync(new CreateDraftRequest { Policy = draft }); break;
                case "Check(620100)": await policies.CheckAsync(new CheckPolicyRequest { PolicyJson = StabilityJson, AsOf = "2026-06-01" }); break;
                case "Compare(lz)": await eligibility.CompareAsync(new ComparePolicyRequest { PolicyId = "lz-employment-stability", PolicyJson = StabilityJson, AsOf = "2026-06-01" }); break;
                case "Compare(missing)": await eligibility.CompareAsync(new ComparePolicyRequest { PolicyId = "no-such-policy", PolicyJson = StabilityJson, AsOf = "2026-06-01" }); break;
                case "Retire(lz-green-factory)": await policies.RetireAsync(new RetireRequest { PolicyId = "lz-green-factory" }); break;
                case "ListPolicies": await policies.ListPoliciesAsync(new ListPoliciesRequest()); break;
                case "GetPolicy": await policies.GetPolicyAsync(new GetPolicyRequest { PolicyId = "lz-green-factory" }); break;
                case "ListEntitlements": await entitlements.ListEntitlementsAsync(new ListEntitlementsRequest()); break;
                case "Confirm(own)":
                    await entitlements.ConfirmAsync(new ConfirmRequest { EntitlementId = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.Publicized) });
                    break;
                case "Object(own)":
                    await entitlements.ObjectAsync(new ObjectRequest { EntitlementId = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.Publicized), Reason = "金额不对" });
                    break;
                case "ResolveObjection(lz)":
                    await entitlements.ResolveObjectionAsync(new ResolveObjectionRequest { EntitlementId = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.Objected), Resolution = "已核实" });
                    break;
                case "Approve(lz)": await entitlements.ApproveAsync(new ApproveRequest { PolicyId = "lz-green-factory" }); break;
                case "Disburse(lz)":
                    await entitlements.DisburseAsync(new DisburseRequest { EntitlementId = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.Approved), PaymentReference = "PAY-1" });
                    break;
                case "Disburse(missing)": await entitlements.DisburseAsync(new DisburseRequest { EntitlementId = "ent-nobody", PaymentReference = "PAY-1" }); break;
                case "DisburseBatch(lz)":
                case "DisburseBatch(missing policy)":
                    var approved = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.Approved);
                    var batch = await entitlements.DisburseBatchAsync(new DisburseBatchRequest
                    {
                        PolicyId = rpc.Contains("missing", StringComparison.Ordinal) ? "no-such-policy" : "lz-green-factory",
                        Payments = { new DisburseRequest { EntitlementId = approved, PaymentReference = "PAY-B" } },
                    });
                    Assert.Equal([approved], batch.Disbursed.Select(e => e.Id)); // allowed means done, not merely not refused
                    break;
                case "GetPolicyStatistics(lz)": await entitlements.GetPolicyStatisticsAsync(new GetPolicyStatisticsRequest { PolicyId = "lz-green-factory" }); break;
                case "WatchEntitlements(own)":
                case "WatchEntitlements(lz policy)":
                    var request = rpc.Contains("own") ? new WatchEntitlementsRequest { Uscc = _own } : new WatchEntitlementsRequest { PolicyId = "lz-green-factory" };
                    using (var watch = entitlements.WatchEntitlements(request))
                    {
                        Assert.True(await watch.ResponseStream.MoveNext()); // the empty first event: accepted
                        Assert.Null(watch.ResponseStream.Current.Entitlement);
                    }

                    break;
                case "ListNotifications(own)": await entitlements.ListNotificationsAsync(new ListNotificationsRequest { Uscc = _own }); break;
                case "MarkNotificationsRead(own)": await entitlements.MarkNotificationsReadAsync(new MarkNotificationsReadRequest { Uscc = _own }); break;
                case "ListVerifications": await verifications.ListVerificationsAsync(new ListVerificationsRequest()); break;
                case "Verify(lz entitlement)":
                case "Reject(lz entitlement)":
                {
                    var waiting = await EntitlementAsync(rpc, actor, Huiqi.Storage.Store.EntitlementStatus.AwaitingVerification);
                    var decided = rpc.StartsWith("Verify", StringComparison.Ordinal)
                        ? await verifications.VerifyAsync(new DecideVerificationRequest { Id = waiting, EvidenceReference = "证书 GR2026000001" })
                        : await verifications.RejectAsync(new DecideVerificationRequest { Id = waiting, Reason = "材料不符" });
                    Assert.Equal(rpc.StartsWith("Verify", StringComparison.Ordinal) ? Huiqi.Contracts.V1.EntitlementStatus.Matched : Huiqi.Contracts.V1.EntitlementStatus.Revoked, decided.Entitlement.Status);
                    break;
                }

                case "Verify(own correction)":
                case "Reject(own correction)":
                {
                    var correction = await CorrectionAsync(rpc, actor);
                    var decided = rpc.StartsWith("Verify", StringComparison.Ordinal)
                        ? await verifications.VerifyAsync(new DecideVerificationRequest { Id = correction, EvidenceReference = "营业执照变更登记" })
                        : await verifications.RejectAsync(new DecideVerificationRequest { Id = correction, Reason = "未见变更登记" });
                    Assert.Equal(rpc.StartsWith("Verify", StringComparison.Ordinal) ? Huiqi.Contracts.V1.CorrectionStatus.Accepted : Huiqi.Contracts.V1.CorrectionStatus.Refused, decided.Correction.Status);
                    break;
                }

                case "Verify(missing)": await verifications.VerifyAsync(new DecideVerificationRequest { Id = "cor-nobody", EvidenceReference = "x" }); break;
                case "VerifyAuditChain": await verifications.VerifyAuditChainAsync(new VerifyAuditChainRequest()); break;
                case "RequestCorrection(own)":
                    await verifications.RequestCorrectionAsync(new RequestCorrectionRequest
                    {
                        Uscc = _own, Field = "name", Proposed = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = _own, Name = "兰州更正测试有限公司" }, Reason = "名称已变更",
                    });
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(rpc), rpc, null);
            }

            return OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
