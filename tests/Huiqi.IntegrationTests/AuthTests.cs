using System.Text;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Population;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests;

/// <summary>Tokens (missing, expired, foreign, forged, alg none) and the role × resource rules of EnterpriseService.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private PlatformHost _platform = null!;
    private string _inLanzhou = "", _inBaiyin = "";

    public async Task InitializeAsync()
    {
        _platform = await PlatformHost.StartAsync();
        var population = new PopulationGenerator(21).Generate(2).ToList();
        _inLanzhou = population[0].Uscc;
        _inBaiyin = population[1].Uscc;
        using var admin = _platform.Channel(Admin);
        var client = new EnterpriseService.EnterpriseServiceClient(admin);
        await client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(population[0] with { Region = "620102" }) });
        await client.UpsertProfileAsync(new UpsertProfileRequest { Profile = ProfileMapping.ToProto(population[1] with { Region = "620402" }) });
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private string Admin => _platform.Token(("role", "admin"), ("sub", "ops"));

    private async Task<StatusCode> GetAsync(string? token, string uscc)
    {
        using var channel = _platform.Channel(token);
        try
        {
            await new EnterpriseService.EnterpriseServiceClient(channel).GetProfileAsync(new GetProfileRequest { Uscc = uscc });
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private TokenIssuer IssuerWith(Func<AuthOptions, AuthOptions> change, TimeProvider? clock = null) =>
        new(change(_platform.BackendServices.GetRequiredService<AuthOptions>()), clock ?? TimeProvider.System);

    [Fact]
    public async Task Tokens_that_are_missing_expired_foreign_or_forged_are_unauthenticated()
    {
        var claims = new Dictionary<string, string> { ["role"] = "admin", ["sub"] = "ops" };
        var expired = IssuerWith(o => o, new ShiftedClock(TimeSpan.FromHours(-9))).Issue(claims);          // expired 1 h ago
        var inTheFuture = IssuerWith(o => o, new ShiftedClock(TimeSpan.FromMinutes(5))).Issue(claims);     // not valid for 5 min (> 60 s skew)
        var otherAudience = IssuerWith(o => o with { Audience = "another-api" }).Issue(claims);
        var otherIssuer = IssuerWith(o => o with { Issuer = "someone-else" }).Issue(claims);
        var otherKey = IssuerWith(o => o with { SigningKey = "a-completely-different-signing-key-0123456789" }).Issue(claims);
        var none = Base64Url("""{"alg":"none","typ":"JWT"}""") + "." + Base64Url(
            $$"""{"role":"admin","sub":"ops","iss":"huiqi","aud":"huiqi-api","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""") + ".";

        foreach (var token in new[] { null, expired, inTheFuture, otherAudience, otherIssuer, otherKey, none, "not-a-token" })
        {
            Assert.Equal(StatusCode.Unauthenticated, await GetAsync(token, _inLanzhou));
        }

        Assert.Equal(StatusCode.OK, await GetAsync(Admin, _inLanzhou));
    }

    [Fact]
    public async Task A_token_without_a_known_role_is_refused()
    {
        // Refused when the token is validated (see OddClaimsTests): a token without a role is no caller at all.
        Assert.Equal(StatusCode.Unauthenticated, await GetAsync(_platform.Token(("sub", "x")), _inLanzhou));
        Assert.Equal(StatusCode.Unauthenticated, await GetAsync(_platform.Token(("role", "root"), ("sub", "x")), _inLanzhou));
    }

    [Fact]
    public async Task An_enterprise_sees_only_itself()
    {
        var token = _platform.Token(("role", "enterprise"), ("uscc", _inLanzhou), ("sub", "owner"));
        Assert.Equal(StatusCode.OK, await GetAsync(token, _inLanzhou));
        Assert.Equal(StatusCode.PermissionDenied, await GetAsync(token, _inBaiyin));
        Assert.Equal(StatusCode.PermissionDenied, await GetAsync(token, "91350100M000100Y43")); // does not exist: same answer
    }

    [Fact]
    public async Task Staff_see_only_their_jurisdiction_and_learn_nothing_about_the_rest()
    {
        var lanzhou = _platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "officer"));
        var gansu = _platform.Token(("role", "staff"), ("jurisdiction", "620000"), ("sub", "province"));
        Assert.Equal(StatusCode.OK, await GetAsync(lanzhou, _inLanzhou));
        Assert.Equal(StatusCode.PermissionDenied, await GetAsync(lanzhou, _inBaiyin));
        Assert.Equal(StatusCode.PermissionDenied, await GetAsync(lanzhou, "91350100M000100Y43"));
        Assert.Equal(StatusCode.OK, await GetAsync(gansu, _inBaiyin));
    }

    [Fact]
    public async Task Partners_have_exactly_their_scopes()
    {
        var reader = _platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:read"));
        var writerOnly = _platform.Token(("role", "partner"), ("sub", "tax"), ("scope", "profiles:write"));
        Assert.Equal(StatusCode.OK, await GetAsync(reader, _inBaiyin));
        Assert.Equal(StatusCode.NotFound, await GetAsync(reader, "91350100M000100Y43"));
        Assert.Equal(StatusCode.PermissionDenied, await GetAsync(writerOnly, _inBaiyin));

        using var channel = _platform.Channel(reader);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new EnterpriseService.EnterpriseServiceClient(channel)
            .UpsertProfileAsync(new UpsertProfileRequest { Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = _inBaiyin, Employees = 1 } }));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task An_enterprise_patch_is_recorded_as_self_declared()
    {
        using var channel = _platform.Channel(_platform.Token(("role", "enterprise"), ("uscc", _inLanzhou), ("sub", "owner")));
        var client = new EnterpriseService.EnterpriseServiceClient(channel);
        var patched = await client.PatchProfileAsync(new PatchProfileRequest
        {
            Profile = new Huiqi.Contracts.V1.EnterpriseProfile { Uscc = _inLanzhou, Employees = 77 },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "employees" } },
        });

        Assert.Equal(77, patched.Employees);
        Assert.Equal(Huiqi.Contracts.V1.ProfileSource.SelfDeclared, patched.Provenance["employees"].Source);
        Assert.Equal(Huiqi.Contracts.V1.ProfileSource.Staff, patched.Provenance["region"].Source); // written by the admin
    }

    [Fact]
    public async Task Entitlements_are_listed_to_their_holder_and_to_staff_in_jurisdiction()
    {
        var store = _platform.BackendServices.GetRequiredService<Huiqi.Storage.Store.IStore>();
        var now = DateTimeOffset.UtcNow;
        await store.ApplyAsync(
        [
            new(Create: new("ent-lz", _inLanzhou, "lz-green-factory", 1, "", Huiqi.Storage.Store.EntitlementStatus.Matched, 30_000_000, now, now, "620102")),
            new(Create: new("ent-by", _inBaiyin, "gs-srdi-award", 1, "", Huiqi.Storage.Store.EntitlementStatus.Matched, 30_000_000, now, now, "620402")),
        ], CancellationToken.None);

        async Task<List<string>> ListAsync(string token)
        {
            using var channel = _platform.Channel(token);
            var response = await new EntitlementService.EntitlementServiceClient(channel).ListEntitlementsAsync(new ListEntitlementsRequest());
            return [.. response.Entitlements.Select(e => e.Id)];
        }

        Assert.Equal(["ent-lz"], await ListAsync(_platform.Token(("role", "enterprise"), ("uscc", _inLanzhou))));
        Assert.Equal(["ent-lz"], await ListAsync(_platform.Token(("role", "staff"), ("jurisdiction", "620100"), ("sub", "o"))));
        Assert.Equal(["ent-by", "ent-lz"], await ListAsync(Admin));
        var partner = await Assert.ThrowsAsync<RpcException>(() => ListAsync(_platform.Token(("role", "partner"), ("sub", "bank"), ("scope", "profiles:read"))));
        Assert.Equal(StatusCode.PermissionDenied, partner.StatusCode);
    }

    private static string Base64Url(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
