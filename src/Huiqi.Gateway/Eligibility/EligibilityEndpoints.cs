using Huiqi.Contracts.V1;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Enterprises;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Eligibility;

/// <summary>
/// What an enterprise is entitled to. /v1/me/eligibility: the enterprise itself.
/// /v1/enterprises/{uscc}/eligibility: staff in jurisdiction, partner <c>eligibility:read</c>, admin.
/// </summary>
public static class EligibilityEndpoints
{
    public static RouteGroupBuilder MapEligibility(this RouteGroupBuilder v1)
    {
        v1.MapGet("/me/eligibility", MineAsync).WithName("GetMyEligibility").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise)
            .Produces<EligibilityView>(StatusCodes.Status200OK, "application/json")
            .WithSummary("本企业可享政策（每项政策的状态、金额、缺少的信息与逐条说明）");
        v1.MapGet("/me/eligibility/{policyId}", ExplainMineAsync).WithName("ExplainMyEligibility").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise)
            .WithSummary("本企业对一项政策的逐条说明");
        v1.MapPost("/me/eligibility/what-if", WhatIfMineAsync).WithName("WhatIfMyEligibility").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise)
            .Accepts<EnterpriseEndpoints.ProfileBody>("application/json").Produces<EligibilityView>(StatusCodes.Status200OK, "application/json")
            .WithSummary("政策计算器：假设部分信息不同时可享的政策（不保存、不触发任何流程）")
            .WithDescription("请求体与 PATCH /v1/me 相同：只写要假设的字段（null 表示假设该信息缺失）。返回与 GET /v1/me/eligibility 相同的列表，每项逐条说明。");
        v1.MapGet("/enterprises/{uscc}/eligibility", EnterpriseAsync).WithName("GetEnterpriseEligibility").WithTags("enterprises")
            .RequireAuthorization(GatewayAuth.EligibilityReaders).Produces<EligibilityView>(StatusCodes.Status200OK, "application/json")
            .WithSummary("某企业可享政策");
        return v1;
    }

    /// <summary>The enterprise's own list, kept as ready JSON bytes in the answer cache: a repeat costs neither a backend call nor serialization.</summary>
    private static async Task<IResult> MineAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call, AnswerCache cache,
        string? asOf, string? limit, string? cursor)
    {
        var uscc = EnterpriseEndpoints.UsccOf(http);
        // Validated before the cache is asked, so a bad parameter is never served from it.
        var (date, size, position) = ReadQuery(asOf, limit, cursor);
        if (!cache.Enabled)
        {
            return GeneratedJson.Ok(await ListAsync(http, eligibility, call, uscc, asOf, limit, cursor), GatewayJsonContext.Default.EligibilityView); // written straight into the response
        }

        var key = $"{date}|{size}|{position}|{Domain.Common.Dates.TodayInChina()}";
        var answer = await cache.GetOrCreateAsync(uscc, key, async _ =>
            new CachedJson(GeneratedJson.Bytes(await ListAsync(http, eligibility, call, uscc, asOf, limit, cursor), GatewayJsonContext.Default.EligibilityView)),
            http.RequestAborted);
        return TypedResults.Bytes(answer.Utf8, "application/json; charset=utf-8");
    }

    /// <summary>The hypothetical facts pass through as JSON and are validated once, by the backend, as a patch would be.</summary>
    private static async Task<GeneratedJsonResult<EligibilityView>> WhatIfMineAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call, string? asOf, string? limit)
    {
        var query = new QueryValues();
        var size = query.Limit(limit, @default: 50);
        var date = query.Date(asOf, "asOf");
        query.ThrowIfAny();
        var request = new WhatIfRequest { Uscc = EnterpriseEndpoints.UsccOf(http), AsOf = date, ProfileJson = await EnterpriseEndpoints.ReadProfileAsync(http.Request), Limit = size };
        var response = await eligibility.WhatIfAsync(request, call.For(http));
        var page = response.Answers.Select(EligibilityViews.Answer).ToList();
        return GeneratedJson.Ok(new EligibilityView(response.Uscc, response.AsOf, response.EligibleTotalFen, Money.Format(response.EligibleTotalFen), page, null),
            GatewayJsonContext.Default.EligibilityView);
    }

    private static async Task<GeneratedJsonResult<EligibilityView>> EnterpriseAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call,
        string uscc, string? asOf, string? limit, string? cursor) =>
        GeneratedJson.Ok(await ListAsync(http, eligibility, call, uscc, asOf, limit, cursor), GatewayJsonContext.Default.EligibilityView);

    private static async Task<Ok<AnswerView>> ExplainMineAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call, string policyId, string? asOf)
    {
        var query = new QueryValues();
        var request = new ExplainRequest { Uscc = EnterpriseEndpoints.UsccOf(http), PolicyId = policyId, AsOf = query.Date(asOf, "asOf") };
        query.ThrowIfAny();
        return TypedResults.Ok(EligibilityViews.Answer(await eligibility.ExplainAsync(request, call.For(http))));
    }

    private static (string Date, int Size, OffsetCursor? Position) ReadQuery(string? asOf, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var size = query.Limit(limit, @default: 50);
        var date = query.Date(asOf, "asOf");
        OffsetCursor? position = null;
        try
        {
            position = OffsetCursor.Decode(cursor);
        }
        catch (InvalidInputException ex)
        {
            query.Add(ex.Errors[0]);
        }

        if (position is { } p && date.Length > 0 && date != p.AsOf)
        {
            query.Add(new FieldError("asOf", "cursor.as_of_mismatch", "asOf 与分页游标的日期不一致"));
        }

        query.ThrowIfAny();
        return (date, size, position);
    }

    /// <summary>The backend orders the whole list and explains only the page asked for; the cursor pins the first page's date.</summary>
    private static async Task<EligibilityView> ListAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call,
        string uscc, string? asOf, string? limit, string? cursor)
    {
        var (date, size, position) = ReadQuery(asOf, limit, cursor);

        var start = position?.Offset ?? 0;
        var request = new MatchEnterpriseRequest { Uscc = uscc, AsOf = position?.AsOf ?? date, IncludeConditions = true, Offset = start, Limit = size };
        var response = await eligibility.MatchEnterpriseAsync(request, call.For(http));
        var page = response.Answers.Select(EligibilityViews.Answer).ToList();
        var next = start + size < response.TotalCount ? new OffsetCursor(response.AsOf, start + size).Encode() : null;
        return new EligibilityView(response.Uscc, response.AsOf, response.EligibleTotalFen, Money.Format(response.EligibleTotalFen), page, next);
    }
}
