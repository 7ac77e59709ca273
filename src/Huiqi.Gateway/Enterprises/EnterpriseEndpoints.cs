using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Enterprises;

/// <summary>
/// Profiles. PUT /v1/enterprises/{uscc}: partner <c>profiles:write</c>, staff in jurisdiction, admin. GET: the
/// enterprise itself, staff in jurisdiction, partner <c>profiles:read</c>, admin. /v1/me: the enterprise, its own
/// profile; PATCH fills in fields, recorded as self-declared.
/// </summary>
public static class EnterpriseEndpoints
{
    public static RouteGroupBuilder MapEnterprises(this RouteGroupBuilder v1)
    {
        var enterprises = v1.MapGroup("/enterprises").WithTags("enterprises");
        enterprises.MapPut("/{uscc}", UpsertAsync).WithName("UpsertEnterprise").RequireAuthorization(GatewayAuth.ProfileWriters)
            .Accepts<ProfileBody>("application/json").WithSummary("新建或替换企业画像");
        enterprises.MapGet("/{uscc}", GetAsync).WithName("GetEnterprise").RequireAuthorization(GatewayAuth.AnyRole)
            .WithSummary("企业画像");

        var me = v1.MapGroup("/me").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise);
        me.MapGet("/", GetMeAsync).WithName("GetMe").WithSummary("本企业画像");
        me.MapPatch("/", PatchMeAsync).WithName("PatchMe").Accepts<ProfileBody>("application/json")
            .WithSummary("补充本企业信息（记为企业自报）").WithDescription("只改请求体中出现的字段；字段值为 null 表示清除。");
        return v1;
    }

    private static async Task<Ok<ProfileView>> UpsertAsync(HttpContext http, EnterpriseService.EnterpriseServiceClient enterprises, BackendCall call, AnswerCache answers, string uscc)
    {
        var request = new UpsertProfileRequest { ProfileJson = await ReadProfileAsync(http.Request), Uscc = uscc };
        var stored = await enterprises.UpsertProfileAsync(request, call.For(http));
        await answers.ForgetAsync(uscc);
        return TypedResults.Ok(ProfileView.Of(stored));
    }

    private static async Task<Ok<ProfileView>> GetAsync(HttpContext http, EnterpriseService.EnterpriseServiceClient enterprises, BackendCall call, string uscc) =>
        TypedResults.Ok(ProfileView.Of(await enterprises.GetProfileAsync(new GetProfileRequest { Uscc = uscc }, call.For(http))));

    private static Task<Ok<ProfileView>> GetMeAsync(HttpContext http, EnterpriseService.EnterpriseServiceClient enterprises, BackendCall call) =>
        GetAsync(http, enterprises, call, UsccOf(http));

    private static async Task<Ok<ProfileView>> PatchMeAsync(HttpContext http, EnterpriseService.EnterpriseServiceClient enterprises, BackendCall call, AnswerCache answers)
    {
        var uscc = UsccOf(http);
        var request = new PatchProfileRequest { ProfileJson = await ReadProfileAsync(http.Request), Uscc = uscc };
        var stored = await enterprises.PatchProfileAsync(request, call.For(http));
        await answers.ForgetAsync(uscc); // the owner sees its own change at once
        return TypedResults.Ok(ProfileView.Of(stored));
    }

    /// <summary>
    /// The profile JSON as the client sent it: read here as JSON (size, encoding, syntax), passed on as text and
    /// validated as a profile once, by the backend (its errors name the members sent).
    /// </summary>
    public static async Task<string> ReadProfileAsync(HttpRequest request)
    {
        using var body = await JsonBody.ReadAsync(request);
        return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
            ? body.RootElement.GetRawText()
            : throw new InvalidInputException([new FieldError("$", "json.type", "请求体应为 JSON 对象")]);
    }

    /// <summary>The enterprise's own USCC, from its token (the route's policy requires the claim).</summary>
    public static string UsccOf(HttpContext http) => http.User.FindFirst(ClaimNames.Uscc)!.Value;

    /// <summary>Used only to describe the body in the OpenAPI document; the backend reads and validates the body (ProfileDocuments).</summary>
    public sealed record ProfileBody(
        string? Uscc, string? Name, string? Region, string? Zone, string? Industry, IReadOnlyList<string>? TechDomains,
        string? Scale, string? Ownership, string? EstablishedOn, long? Employees, long? AnnualRevenue, long? RdExpense,
        string? TaxCredit, bool? Dishonest, string? ListingBoard, IReadOnlyList<CertificationBody>? Certifications, IReadOnlyList<string>? Tags);

    public sealed record CertificationBody(string Kind, string? Level, string ObtainedOn, string? ExpiresOn);
}
