using System.Text.Json;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Enterprises;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Entitlements;

/// <summary>
/// 免申即享 entitlements. /v1/me/entitlements…: the enterprise, its own (confirm, object). /v1/entitlements…: staff for
/// the policies they govern, and admin (list, approve in batches, disburse one or a payment file, resolve an objection, statistics).
/// </summary>
public static class EntitlementEndpoints
{
    public static RouteGroupBuilder MapEntitlements(this RouteGroupBuilder v1)
    {
        var mine = v1.MapGroup("/me/entitlements").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise);
        mine.MapGet("/", ListMineAsync).WithName("ListMyEntitlements").WithSummary("本企业的免申即享资金");
        mine.MapPost("/{id}/confirm", ConfirmAsync).WithName("ConfirmEntitlement").Accepts<ConfirmBody>("application/json")
            .WithSummary("确认（可填写收款账户）");
        mine.MapPost("/{id}/object", ObjectAsync).WithName("ObjectToEntitlement").Accepts<ObjectBody>("application/json")
            .WithSummary("提出异议（须说明理由）");

        var staff = v1.MapGroup("/entitlements").WithTags("entitlements").RequireAuthorization(GatewayAuth.Staff);
        staff.MapGet("/", ListAsync).WithName("ListEntitlements").WithSummary("按政策与状态查看");
        staff.MapPost("/approve", ApproveAsync).WithName("ApproveEntitlements").Accepts<ApproveBody>("application/json")
            .WithSummary("批量审核通过（超出预算时按比例核减）");
        staff.MapPost("/disburse", DisburseBatchAsync).WithName("DisburseEntitlements").Accepts<DisburseBatchBody>("application/json")
            .WithSummary("按支付文件批量登记拨付（每批至多 1,000 笔，逐笔反馈）");
        staff.MapPost("/{id}/disburse", DisburseAsync).WithName("DisburseEntitlement").Accepts<DisburseBody>("application/json")
            .WithSummary("登记拨付（支付流水号）");
        staff.MapPost("/{id}/resolve", ResolveAsync).WithName("ResolveObjection").Accepts<ResolveBody>("application/json")
            .WithSummary("处理异议：uphold=true 异议成立并撤销，false 驳回异议");
        v1.MapGet("/policies/{id}/statistics", StatisticsAsync).WithName("GetPolicyStatistics").WithTags("policies")
            .RequireAuthorization(GatewayAuth.Staff).WithSummary("政策兑现统计：按地区与技术领域");
        return v1;
    }

    private static Task<Ok<EntitlementListView>> ListMineAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string? status, string? limit, string? cursor) =>
        ListAsync(http, entitlements, call, null, EnterpriseEndpoints.UsccOf(http), status, limit, cursor);

    private static async Task<Ok<EntitlementListView>> ListAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call,
        string? policyId, string? uscc, string? status, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new ListEntitlementsRequest { PolicyId = policyId ?? "", Uscc = uscc ?? "", PageSize = query.Limit(limit), PageToken = cursor ?? "" };
        request.Statuses.Add(query.Codes<EntitlementStatus>(status, "status", EntitlementViews.Statuses));
        query.ThrowIfAny();

        var response = await entitlements.ListEntitlementsAsync(request, call.For(http));
        return TypedResults.Ok(new EntitlementListView([.. response.Entitlements.Select(EntitlementViews.Of)], NullIfEmpty(response.NextPageToken)));
    }

    private static async Task<Ok<EntitlementView>> ConfirmAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string id)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, optional: true, "receivingAccount");
        var errors = new List<FieldError>();
        var account = JsonBody.OptionalString(body, "receivingAccount", errors);
        if (account is { Length: > 64 }) { errors.Add(new FieldError("receivingAccount", "too_long", "不能超过 64 个字符")); }
        JsonBody.ThrowIfAny(errors);
        return TypedResults.Ok(EntitlementViews.Of(await entitlements.ConfirmAsync(new ConfirmRequest { EntitlementId = id, ReceivingAccount = account?.Trim() ?? "" }, call.For(http))));
    }

    private static async Task<Ok<EntitlementView>> ObjectAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string id)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "reason");
        var errors = new List<FieldError>();
        var reason = JsonBody.RequiredString(root, "reason", errors);
        JsonBody.ThrowIfAny(errors);
        return TypedResults.Ok(EntitlementViews.Of(await entitlements.ObjectAsync(new ObjectRequest { EntitlementId = id, Reason = reason! }, call.For(http))));
    }

    private static async Task<Ok<ApprovalView>> ApproveAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "policyId", "entitlementIds");
        var errors = new List<FieldError>();
        var policyId = JsonBody.RequiredString(root, "policyId", errors, 64);
        var ids = JsonBody.StringArray(root, "entitlementIds", errors);
        JsonBody.ThrowIfAny(errors);
        var response = await entitlements.ApproveAsync(new ApproveRequest { PolicyId = policyId!, EntitlementIds = { ids } }, call.For(http));
        return TypedResults.Ok(new ApprovalView([.. response.Approved.Select(EntitlementViews.Of)], response.ApprovedTotalFen, Money.Format(response.ApprovedTotalFen), response.Prorated,
            [.. response.WaitingForAmount], [.. response.WaitingForVerification]));
    }

    private static async Task<Ok<EntitlementView>> DisburseAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string id)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "paymentReference");
        var errors = new List<FieldError>();
        var reference = JsonBody.RequiredString(root, "paymentReference", errors, 64);
        JsonBody.ThrowIfAny(errors);
        return TypedResults.Ok(EntitlementViews.Of(await entitlements.DisburseAsync(new DisburseRequest { EntitlementId = id, PaymentReference = reference! }, call.For(http))));
    }

    private static async Task<Ok<DisbursementView>> DisburseBatchAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "policyId", "payments");
        var errors = new List<FieldError>();
        var request = new DisburseBatchRequest { PolicyId = JsonBody.RequiredString(root, "policyId", errors, 64) ?? "" };
        var items = JsonBody.ObjectArray(root, "payments", errors, "entitlementId", "paymentReference");
        // The shape is checked here (only JSON has one); how many lines a file may have is the backend's rule.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count && items[i].ValueKind == JsonValueKind.Object; i++)
        {
            var itemErrors = new List<FieldError>();
            var id = JsonBody.RequiredString(items[i], "entitlementId", itemErrors, 64);
            var reference = JsonBody.RequiredString(items[i], "paymentReference", itemErrors, 64);
            if (id is not null && !seen.Add(id)) { itemErrors.Add(new FieldError("entitlementId", "duplicate", "同一笔资金在本批中出现了两次")); }
            errors.AddRange(itemErrors.Select(e => e with { Field = $"payments[{i}].{e.Field}" }));
            request.Payments.Add(new DisburseRequest { EntitlementId = id ?? "", PaymentReference = reference ?? "" });
        }

        JsonBody.ThrowIfAny(errors);
        var response = await entitlements.DisburseBatchAsync(request, call.For(http));
        return TypedResults.Ok(new DisbursementView([.. response.Disbursed.Select(EntitlementViews.Of)], response.DisbursedTotalFen, Money.Format(response.DisbursedTotalFen),
            [.. response.Refused.Select(r => new DisbursementRefusedView(r.EntitlementId, r.Code, r.Message))]));
    }

    private static async Task<Ok<EntitlementView>> ResolveAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string id)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "uphold", "resolution");
        var errors = new List<FieldError>();
        var resolution = JsonBody.RequiredString(root, "resolution", errors);
        var uphold = root.TryGetProperty("uphold", out var u) && u.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? u.GetBoolean()
            : (bool?)null;
        if (uphold is null) { errors.Add(new FieldError("uphold", "json.type", "应为 true（异议成立）或 false（驳回异议）")); }
        JsonBody.ThrowIfAny(errors);
        var request = new ResolveObjectionRequest { EntitlementId = id, Uphold = uphold!.Value, Resolution = resolution! };
        return TypedResults.Ok(EntitlementViews.Of(await entitlements.ResolveObjectionAsync(request, call.For(http))));
    }

    private static async Task<Ok<PolicyStatisticsView>> StatisticsAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call, string id) =>
        TypedResults.Ok(EntitlementViews.Statistics(await entitlements.GetPolicyStatisticsAsync(new GetPolicyStatisticsRequest { PolicyId = id }, call.For(http))));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
