using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Population;

namespace Huiqi.IntegrationTests;

/// <summary>huiqi.v1.EnterpriseService over a real gRPC channel to the embedded backend, with a real Redis as its cache.</summary>
[Collection(RedisCollection.Name)]
public sealed class EnterpriseServiceTests(RedisFixture redis) : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private GrpcChannel _channel = null!;
    private EnterpriseService.EnterpriseServiceClient _client = null!;

    public async Task InitializeAsync()
    {
        await redis.Server.StartAgainAsync();
        _platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.Server.ConnectionString });
        _channel = _platform.Channel(_platform.Token(("role", "partner"), ("sub", "tax-bureau"), ("scope", "profiles:write profiles:read")));
        _client = new EnterpriseService.EnterpriseServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _platform.DisposeAsync();
    }

    private static List<Huiqi.Domain.Profiles.EnterpriseProfile> Population(int count) => [.. new PopulationGenerator(12).Generate(count)];

    [Fact]
    public async Task Import_streams_rows_reports_bad_ones_and_is_idempotent()
    {
        var profiles = Population(200);
        async Task<ImportProfilesResponse> ImportAsync()
        {
            using var call = _client.ImportProfiles();
            var line = 0;
            foreach (var profile in profiles)
            {
                line++;
                await call.RequestStream.WriteAsync(new ImportProfilesRequest { Line = line, Profile = ProfileMapping.ToProto(profile) });
                if (line == 50)
                {
                    var bad = ProfileMapping.ToProto(profile);
                    bad.Uscc = "91350100M000100Y44";
                    await call.RequestStream.WriteAsync(new ImportProfilesRequest { Line = 1000, Profile = bad });
                    var negative = ProfileMapping.ToProto(profile);
                    negative.AnnualRevenueFen = -1;
                    await call.RequestStream.WriteAsync(new ImportProfilesRequest { Line = 1001, Profile = negative });
                }
            }

            await call.RequestStream.CompleteAsync();
            return await call;
        }

        var first = await ImportAsync();
        Assert.Equal((202L, 200L, 2L), (first.Received, first.Inserted, first.Rejected));
        Assert.Contains(first.Errors, e => e is { Line: 1000, Field: "uscc", Code: "uscc.invalid" });
        Assert.Contains(first.Errors, e => e is { Line: 1001, Field: "annual_revenue_fen", Code: "number.negative" });

        var second = await ImportAsync();
        Assert.Equal((0L, 0L, 200L), (second.Inserted, second.Updated, second.Unchanged));

        var stored = await _client.GetProfileAsync(new GetProfileRequest { Uscc = profiles[3].Uscc });
        Assert.Equal(ProfileMapping.ToProto(Huiqi.Domain.Serialization.ProfileJson.Normalize(profiles[3])).Name, stored.Name);
        Assert.All(stored.Provenance.Values, p => Assert.Equal(Huiqi.Contracts.V1.ProfileSource.PartnerFeed, p.Source));
    }

    [Fact]
    public async Task Patch_changes_only_the_masked_fields()
    {
        var profile = Population(1)[0] with { Employees = 5, AnnualRevenue = 1_000 };
        await _client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(profile) });

        var patched = await _client.PatchProfileAsync(new PatchProfileRequest
        {
            Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = profile.Uscc, Employees = 42, AnnualRevenueFen = 7 },
            UpdateMask = new FieldMask { Paths = { "employees" } },
        });

        Assert.Equal((42L, 1_000L), (patched.Employees, patched.AnnualRevenueFen));
    }

    [Fact]
    public async Task Bad_input_is_invalid_argument_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.PatchProfileAsync(new PatchProfileRequest
        {
            Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = Population(1)[0].Uscc, Scale = Scale.Unspecified },
            UpdateMask = new FieldMask { Paths = { "employees", "colour" } },
        }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Equal(["update_mask.paths[1]", "profile.scale"], violations.Select(v => v.Field));
        Assert.All(violations, v => Assert.False(string.IsNullOrEmpty(v.Description)));
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused()
    {
        var huge = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = Population(1)[0].Uscc, Name = new string('企', 6 * 1024 * 1024) }; // 18 MiB of UTF-8
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.UpsertProfileAsync(new UpsertProfileRequest { Profile = huge }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Unknown_enterprises_are_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.GetProfileAsync(new GetProfileRequest { Uscc = "91350100M000100Y43" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);

        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.GetProfileAsync(new GetProfileRequest { Uscc = "not-a-code" }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }

    [Fact]
    public async Task The_overwrite_rules_hold_for_every_writer_over_grpc_including_a_bulk_import()
    {
        // tax-bureau owns annual_revenue in the shipped mapping; its feed sets it.
        var profile = Population(1)[0] with { AnnualRevenue = 40_000_000, Region = "620102", Zone = "none" };
        await _client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(profile) });

        // The enterprise itself: refused, naming the field and who holds it; nothing written.
        using var own = _platform.Channel(_platform.Token(("role", "enterprise"), ("uscc", profile.Uscc)));
        var claim = await Assert.ThrowsAsync<RpcException>(async () => await new EnterpriseService.EnterpriseServiceClient(own).PatchProfileAsync(new PatchProfileRequest
        {
            Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = profile.Uscc, AnnualRevenueFen = 1, Dishonest = false },
            UpdateMask = new FieldMask { Paths = { "annual_revenue_fen", "dishonest" } },
        }));
        Assert.Equal(StatusCode.InvalidArgument, claim.StatusCode); // a never-declarable field makes it 400 even beside a conflict
        var violations = claim.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.ToDictionary(v => v.Field, v => v.Reason);
        Assert.Equal("fact.not_declarable", violations["profile.dishonest"]);
        Assert.Equal("fact.authoritative", violations["profile.annual_revenue_fen"]);
        var conflict = await Assert.ThrowsAsync<RpcException>(async () => await new EnterpriseService.EnterpriseServiceClient(own).PatchProfileAsync(new PatchProfileRequest
        {
            Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = profile.Uscc, AnnualRevenueFen = 1 },
            UpdateMask = new FieldMask { Paths = { "annual_revenue_fen" } },
        }));
        Assert.Equal(StatusCode.FailedPrecondition, conflict.StatusCode);
        var info = conflict.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(("fact.authoritative", "partner_feed partner:tax-bureau"), (info.Reason, info.Metadata["annual_revenue"]));

        // A bank's import (it owns nothing) keeps the tax bureau's figure and fills what is absent.
        using var bankChannel = _platform.Channel(_platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:write")));
        using (var import = new EnterpriseService.EnterpriseServiceClient(bankChannel).ImportProfiles())
        {
            await import.RequestStream.WriteAsync(new ImportProfilesRequest { Line = 1, Profile = ProfileMapping.ToProto(profile with { AnnualRevenue = 1, Zone = "lanzhou-hitech" }) });
            await import.RequestStream.CompleteAsync();
            Assert.Equal(0, (await import).Rejected);
        }

        var stored = await _client.GetProfileAsync(new GetProfileRequest { Uscc = profile.Uscc });
        Assert.Equal(40_000_000, stored.AnnualRevenueFen);
        Assert.Equal(("partner:tax-bureau", true), (stored.Provenance["annual_revenue"].SourceSystem, stored.Provenance["annual_revenue"].Authoritative));
        Assert.Equal("lanzhou-hitech", stored.Zone);
        Assert.Equal(("partner:bank", false), (stored.Provenance["zone"].SourceSystem, stored.Provenance["zone"].Authoritative));
    }
}
