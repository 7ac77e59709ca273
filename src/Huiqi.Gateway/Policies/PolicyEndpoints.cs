using Huiqi.Domain.Explanation;
using System.Text.Json;
using Grpc.Core;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Policies;

/// <summary>
/// /v1/policies. Reading: any role (a partner needs <c>policies:read</c>, checked by the backend). Drafting, dry runs,
/// publishing, retiring, matches, versions: staff whose jurisdiction covers the policy's, and admin.
/// </summary>
public static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder v1)
    {
        var policies = v1.MapGroup("/policies").WithTags("policies");
        policies.MapGet("/", ListAsync).WithName("ListPolicies").RequireAuthorization(GatewayAuth.AnyRole)
            .WithSummary("在执行的政策列表").WithDescription("筛选：region、industry、techDomain、q（中文关键词）、status、jurisdiction、asOf；分页：limit、cursor。支持 ETag / If-None-Match。");
        policies.MapGet("/{id}", GetAsync).WithName("GetPolicy").RequireAuthorization(GatewayAuth.AnyRole)
            .WithSummary("一项政策（当前版本），条件为规范 JSON 与中文说明");
        policies.MapPost("/", CreateAsync).WithName("CreatePolicyDraft").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PolicyBody>("application/json").WithSummary("新建政策草稿");
        policies.MapPut("/{id}", UpdateAsync).WithName("UpdatePolicy").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PolicyBody>("application/json").WithSummary("修改草稿，或为已发布政策生成新版本").WithDescription("可带 If-Match（政策的 ETag）防止覆盖他人的修改。");
        policies.MapPost("/{id}/publish", PublishAsync).WithName("PublishPolicy").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PublishBody>("application/json").WithSummary("运行示例并发布，开始免申即享匹配");
        policies.MapPost("/{id}/retire", RetireAsync).WithName("RetirePolicy").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<RetireBody>("application/json").WithSummary("停止执行");
        policies.MapPost("/dry-run", DryRunAsync).WithName("DryRunPolicy").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PolicyBody>("application/json").WithSummary("试算：草稿对全部企业的匹配结果");
        policies.MapPost("/check", CheckAsync).WithName("CheckPolicy").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PolicyBody>("application/json").Produces<CheckView>(StatusCodes.Status200OK, "application/json")
            .WithSummary("发布前检查：永远不满足或总是满足的条件、同组政策重叠、样例未覆盖的条件、已过期的执行期");
        policies.MapPost("/{id}/compare", CompareAsync).WithName("ComparePolicyVersion").RequireAuthorization(GatewayAuth.Staff)
            .Accepts<PolicyBody>("application/json").Produces<CompareView>(StatusCodes.Status200OK, "application/json")
            .WithSummary("版本比较：新版本与现行版本相比，哪些企业新增、减少或金额变化（全体企业）");
        policies.MapGet("/{id}/matches", MatchesAsync).WithName("ListPolicyMatches").RequireAuthorization(GatewayAuth.Staff)
            .WithSummary("一项政策匹配到的企业（仅限管辖范围内）");
        policies.MapGet("/{id}/versions", VersionsAsync).WithName("ListPolicyVersions").RequireAuthorization(GatewayAuth.Staff)
            .WithSummary("一项政策的全部版本");
        return v1;
    }

    private static readonly string[] PolicyStatuses = ["draft", "published", "retired"];
    private static readonly string[] EligibilityStatuses = ["eligible", "ineligible", "unknown", "excluded"];

    private static async Task<Results<Ok<PolicyListView>, StatusCodeHttpResult>> ListAsync(
        HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call,
        string? region, string? industry, string? techDomain, string? q, string? status, string? jurisdiction, string? asOf, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new ListPoliciesRequest
        {
            Region = region ?? "",
            Industry = industry ?? "",
            TechDomain = query.Code<TechDomain>(techDomain, "techDomain", Codes.TechDomains.Keys) ?? TechDomain.Unspecified,
            Query = q ?? "",
            Status = query.Code<PolicyStatus>(status, "status", PolicyStatuses) ?? PolicyStatus.Unspecified,
            Jurisdiction = jurisdiction ?? "",
            AsOf = query.Date(asOf, "asOf"),
            PageSize = query.Limit(limit),
            PageToken = cursor ?? "",
        };
        query.ThrowIfAny();
        var response = await policies.ListPoliciesAsync(request, call.For(http));
        var next = string.IsNullOrEmpty(response.NextPageToken) ? null : response.NextPageToken;
        if (ETags.NotModified(http, ETags.Of(response.Policies.Select(p => p.Etag).Append(next ?? ""))))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(new PolicyListView([.. response.Policies.Select(PolicyViews.Summary)], next));
    }

    private static async Task<Results<Ok<PolicyView>, StatusCodeHttpResult>> GetAsync(
        HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, string id, string? version)
    {
        var query = new QueryValues();
        var request = new GetPolicyRequest { PolicyId = id, Version = query.Version(version) };
        query.ThrowIfAny();
        var policy = await policies.GetPolicyAsync(request, call.For(http));
        return ETags.NotModified(http, policy.Etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(PolicyViews.Full(policy));
    }

    private static async Task<Created<PolicyView>> CreateAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call)
    {
        var created = await policies.CreateDraftAsync(new CreateDraftRequest { PolicyJson = await ReadPolicyAsync(http.Request) }, call.For(http));
        http.Response.Headers.ETag = created.Etag;
        return TypedResults.Created($"/v1/policies/{created.Id}", PolicyViews.Full(created));
    }

    private static async Task<Ok<PolicyView>> UpdateAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, string id)
    {
        var request = new UpdateDraftRequest { PolicyJson = await ReadPolicyAsync(http.Request), PolicyId = id, ExpectedEtag = http.Request.Headers.IfMatch.ToString() };
        var updated = await policies.UpdateDraftAsync(request, call.For(http));
        http.Response.Headers.ETag = updated.Etag;
        return TypedResults.Ok(PolicyViews.Full(updated));
    }

    private static async Task<Ok<PolicyView>> PublishAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, AnswerCache answers, string id)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, optional: true, "version");
        var errors = new List<FieldError>();
        var version = 0;
        if (body.TryGetProperty("version", out var v) && v.ValueKind != JsonValueKind.Null
            && !(v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out version) && version >= 1))
        {
            errors.Add(new FieldError("version", "json.type", "应为正整数"));
        }

        JsonBody.ThrowIfAny(errors);
        var published = await policies.PublishAsync(new PublishRequest { PolicyId = id, Version = version }, call.For(http));
        await answers.ForgetAllAsync();
        return TypedResults.Ok(PolicyViews.Full(published) with { Warnings = [.. published.Warnings.Select(Finding)] });
    }

    private static async Task<Ok<PolicyView>> RetireAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, AnswerCache answers, string id)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, optional: true, "reason");
        var errors = new List<FieldError>();
        var reason = JsonBody.OptionalString(body, "reason", errors);
        JsonBody.ThrowIfAny(errors);
        var retired = await policies.RetireAsync(new RetireRequest { PolicyId = id, Reason = reason ?? "" }, call.For(http));
        await answers.ForgetAllAsync();
        return TypedResults.Ok(PolicyViews.Full(retired));
    }

    private static async Task<Ok<CheckView>> CheckAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, string? asOf)
    {
        var document = await ReadPolicyAsync(http.Request);
        var query = new QueryValues();
        var request = new CheckPolicyRequest { PolicyJson = document, AsOf = query.Date(asOf, "asOf") };
        query.ThrowIfAny();
        var response = await policies.CheckAsync(request, call.For(http));
        return TypedResults.Ok(new CheckView([.. response.Findings.Select(Finding)]));
    }

    private static FindingView Finding(PolicyFinding f) => new(f.Code, f.Path, f.Message);

    private static async Task<Ok<CompareView>> CompareAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call, string id, string? asOf)
    {
        var document = await ReadPolicyAsync(http.Request);
        var query = new QueryValues();
        var request = new ComparePolicyRequest { PolicyId = id, PolicyJson = document, AsOf = query.Date(asOf, "asOf") };
        query.ThrowIfAny();
        var c = await eligibility.CompareAsync(request, call.For(http));
        static ComparisonRowView Row(ComparisonRow r) => new(r.Value, r.Label, r.Gained, r.Lost, r.AmountChanged,
            r.TotalBeforeFen, Money.Format(r.TotalBeforeFen), r.TotalAfterFen, Money.Format(r.TotalAfterFen));
        return TypedResults.Ok(new CompareView(c.PolicyId, c.VersionInForce, c.AsOf, c.Population, c.EligibleBefore, c.EligibleAfter,
            c.Gained, c.Lost, c.AmountChanged, c.TotalBeforeFen, Money.Format(c.TotalBeforeFen), c.TotalAfterFen, Money.Format(c.TotalAfterFen),
            c.HasBudgetFen ? c.BudgetFen : null, c.HasBudgetFen ? Money.Format(c.BudgetFen) : null, c.PayableBeforeBp, c.PayableAfterBp,
            [.. c.ByRegion.Select(Row)], [.. c.ByTechDomain.Select(Row)]));
    }

    private static async Task<Ok<DryRunView>> DryRunAsync(HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call, string? asOf)
    {
        var document = await ReadPolicyAsync(http.Request);
        var query = new QueryValues();
        var request = new DryRunRequest { PolicyJson = document, AsOf = query.Date(asOf, "asOf") };
        query.ThrowIfAny();
        return TypedResults.Ok(PolicyViews.DryRun(await eligibility.DryRunAsync(request, call.For(http))));
    }

    private static async Task<Ok<PolicyMatchListView>> MatchesAsync(
        HttpContext http, EligibilityService.EligibilityServiceClient eligibility, BackendCall call,
        string id, string? status, string? asOf, string? region, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new MatchPolicyRequest { PolicyId = id, AsOf = query.Date(asOf, "asOf"), Region = region ?? "", PageSize = query.Limit(limit, 50, 1000), PageToken = cursor ?? "" };
        request.Statuses.Add(query.Codes<Contracts.V1.EligibilityStatus>(status, "status", EligibilityStatuses));
        query.ThrowIfAny();

        var items = new List<PolicyMatchView>();
        string? last = null;
        using var stream = eligibility.MatchPolicy(request, call.For(http));
        await foreach (var match in stream.ResponseStream.ReadAllAsync(http.RequestAborted))
        {
            items.Add(PolicyViews.Match(match));
            last = match.PageToken;
        }

        var notInForce = stream.GetTrailers().GetValue("huiqi-not-in-force");
        return TypedResults.Ok(new PolicyMatchListView(id, items, items.Count == request.PageSize ? last : null, notInForce is null,
            notInForce is null ? null : $"该政策在 {notInForce} 不在执行期内，不匹配任何企业"));
    }

    private static async Task<Ok<PolicyVersionsView>> VersionsAsync(HttpContext http, PolicyService.PolicyServiceClient policies, BackendCall call, string id, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new ListVersionsRequest { PolicyId = id, PageSize = query.Limit(limit), PageToken = cursor ?? "" };
        query.ThrowIfAny();
        var response = await policies.ListVersionsAsync(request, call.For(http));
        return TypedResults.Ok(new PolicyVersionsView([.. response.Versions.Select(PolicyViews.Full)], string.IsNullOrEmpty(response.NextPageToken) ? null : response.NextPageToken));
    }

    /// <summary>
    /// The policy document (ELIGIBILITY.md §4) as the client sent it: read as JSON here (size, encoding, syntax — the
    /// request's own well-formedness), passed on as text and validated as a policy once, by the backend.
    /// </summary>
    private static async Task<string> ReadPolicyAsync(HttpRequest request)
    {
        using var body = await JsonBody.ReadAsync(request);
        return body.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
            ? body.RootElement.GetRawText()
            : throw new InvalidInputException([new FieldError("$", "json.type", "请求体应为 JSON 对象")]);
    }

    /// <summary>Used only to describe the body in the OpenAPI document; the backend reads and validates the body (PolicyDocuments).</summary>
    public sealed record PolicyBody(
        string? Id, string Title, string Issuer, string Jurisdiction, string? EffectiveFrom, string? EffectiveTo,
        JsonElement Criteria, JsonElement Benefit, string? ExclusionGroup, bool OncePerEnterprise, string? Recurrence, long? BudgetFen,
        string? Summary, IReadOnlyList<string>? Clauses, string? SourceUrl, JsonElement? Examples);
}
