using System.Text.Json;
using System.Text.Json.Nodes;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Enterprises;
using Huiqi.Gateway.Entitlements;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Verification;

/// <summary>
/// Verification before money (TRUST.md §4). GET /v1/verifications: staff and admin (the backend keeps to the policies
/// staff govern and the enterprises in their jurisdiction). POST /v1/verifications/{id}/verify | reject: staff governing
/// the entitlement's policy, or whose jurisdiction covers a correction's enterprise; admin. POST /v1/me/corrections:
/// the enterprise, about itself.
/// </summary>
public static class VerificationEndpoints
{
    public static RouteGroupBuilder MapVerifications(this RouteGroupBuilder v1)
    {
        var staff = v1.MapGroup("/verifications").WithTags("verifications").RequireAuthorization(GatewayAuth.Staff);
        staff.MapGet("/", ListAsync).WithName("ListVerifications")
            .WithSummary("核验队列：依据企业自报信息的资金与更正申请").WithDescription("kind=entitlement|correction；policyId 只看一项政策。");
        staff.MapPost("/{id}/verify", VerifyAsync).WithName("Verify").Accepts<VerifyBody>("application/json")
            .WithSummary("核验通过（须填核验依据）：自报信息记为工作人员核实，资金进入公示；更正申请则按申请值更正");
        staff.MapPost("/{id}/reject", RejectAsync).WithName("Reject").Accepts<RejectBody>("application/json")
            .WithSummary("核验不通过（须说明理由）：资金撤销，自报信息仍为自报；更正申请则不予更正");

        v1.MapGet("/audit/verify", VerifyAuditAsync).WithName("VerifyAuditChain").WithTags("verifications").RequireAuthorization(GatewayAuth.Staff)
            .WithSummary("审计日志完整性校验：逐条重算哈希链，给出首个被篡改或缺失的记录");

        v1.MapPost("/me/corrections", RequestCorrectionAsync).WithName("RequestCorrection").WithTags("me")
            .RequireAuthorization(GatewayAuth.Enterprise).Accepts<CorrectionBody>("application/json")
            .WithSummary("对部门数据提出更正申请（异议）").WithDescription("field：字段名（如 annualRevenue）；value：申请更正为的值（null 表示应为空）；reason：理由。");
        return v1;
    }

    private static async Task<Ok<AuditChainView>> VerifyAuditAsync(HttpContext http, VerificationService.VerificationServiceClient verifications, BackendCall call)
    {
        var r = await verifications.VerifyAuditChainAsync(new VerifyAuditChainRequest(), call.For(http));
        return TypedResults.Ok(new AuditChainView(r.Checked, r.Intact, r.HasBrokenAt ? r.BrokenAt : null, r.Reason.Length > 0 ? r.Reason : null));
    }

    private static async Task<Ok<VerificationListView>> ListAsync(HttpContext http, VerificationService.VerificationServiceClient verifications, BackendCall call,
        string? kind, string? policyId, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new ListVerificationsRequest { PolicyId = policyId ?? "", PageSize = query.Limit(limit), PageToken = cursor ?? "" };
        request.Kind = kind switch
        {
            null or "" => VerificationKind.Unspecified,
            "entitlement" => VerificationKind.Entitlement,
            "correction" => VerificationKind.Correction,
            _ => Invalid(query),
        };
        query.ThrowIfAny();
        var response = await verifications.ListVerificationsAsync(request, call.For(http));
        return TypedResults.Ok(new VerificationListView([.. response.Items.Select(VerificationViews.Of)], response.NextPageToken.Length > 0 ? response.NextPageToken : null));
    }

    private static VerificationKind Invalid(QueryValues query)
    {
        query.Add(new FieldError("kind", "kind.invalid", "应为 entitlement 或 correction"));
        return VerificationKind.Unspecified;
    }

    private static async Task<Ok<VerificationItemView>> VerifyAsync(HttpContext http, VerificationService.VerificationServiceClient verifications, BackendCall call, AnswerCache answers, string id)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "evidenceReference", "reason");
        var errors = new List<FieldError>();
        var evidence = JsonBody.RequiredString(root, "evidenceReference", errors, 200);
        var reason = JsonBody.OptionalString(root, "reason", errors);
        JsonBody.ThrowIfAny(errors);
        var item = await verifications.VerifyAsync(new DecideVerificationRequest { Id = id, EvidenceReference = evidence!, Reason = reason ?? "" }, call.For(http));
        await answers.ForgetAsync(item.Uscc); // the owner sees the verified facts at once
        return TypedResults.Ok(VerificationViews.Of(item));
    }

    private static async Task<Ok<VerificationItemView>> RejectAsync(HttpContext http, VerificationService.VerificationServiceClient verifications, BackendCall call, AnswerCache answers, string id)
    {
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "reason", "evidenceReference");
        var errors = new List<FieldError>();
        var reason = JsonBody.RequiredString(root, "reason", errors);
        var evidence = JsonBody.OptionalString(root, "evidenceReference", errors);
        JsonBody.ThrowIfAny(errors);
        var item = await verifications.RejectAsync(new DecideVerificationRequest { Id = id, Reason = reason!, EvidenceReference = evidence ?? "" }, call.For(http));
        await answers.ForgetAsync(item.Uscc);
        return TypedResults.Ok(VerificationViews.Of(item));
    }

    private static async Task<Created<CorrectionView>> RequestCorrectionAsync(HttpContext http, VerificationService.VerificationServiceClient verifications, BackendCall call)
    {
        var uscc = EnterpriseEndpoints.UsccOf(http);
        var root = await JsonBody.ReadObjectAsync(http.Request, optional: false, "field", "value", "reason");
        var errors = new List<FieldError>();
        var name = JsonBody.RequiredString(root, "field", errors, 64);
        var reason = JsonBody.RequiredString(root, "reason", errors);
        if (!root.TryGetProperty("value", out var value))
        {
            errors.Add(new FieldError("value", "required", "请填写申请更正为的值（null 表示应为空）"));
        }

        JsonBody.ThrowIfAny(errors);
        // The field as a PATCH names it (annualRevenue) or by its §1 name (annual_revenue); the value is passed on as
        // sent and read by the backend as that member of a profile (the same rules as a PATCH).
        var correction = await verifications.RequestCorrectionAsync(new RequestCorrectionRequest
        {
            Uscc = uscc, Field = name!, ProposedJson = value.GetRawText(), Reason = reason!,
        }, call.For(http));
        return TypedResults.Created($"/v1/verifications?kind=correction", VerificationViews.Correction(correction));
    }
}

public sealed record VerifyBody(string EvidenceReference, string? Reason);

public sealed record RejectBody(string Reason, string? EvidenceReference);

/// <summary><c>field</c>: as in a PATCH (<c>annualRevenue</c>) or the §1 name; <c>value</c>: the value asked for (null: absent).</summary>
public sealed record CorrectionBody(string Field, JsonElement Value, string Reason);

/// <summary>One self-declared fact an outcome rests on: the value as in a profile, for people, who declared it and when.</summary>
public sealed record ClaimedFactView(string Field, string FieldName, JsonNode? Value, string? ValueText, string? By, DateTimeOffset? DeclaredAt);

/// <summary>
/// A correction request (异议): the contested value and where it came from, the value asked for, the reason; once
/// decided, by whom, why, and the evidence. <c>status</c>: pending, accepted, refused.
/// </summary>
public sealed record CorrectionView(
    string Id, string Uscc, string Field, string FieldName, JsonNode? CurrentValue, ProvenanceView? Current, JsonNode? ProposedValue,
    string Reason, string Status, string? DecidedBy, string? Decision, string? EvidenceReference, DateTimeOffset? CreatedAt, DateTimeOffset? DecidedAt);

/// <summary>An item of the queue: <c>kind</c> entitlement (with exactly the <c>claims</c> it rests on) or correction.</summary>
public sealed record VerificationItemView(
    string Id, string Kind, string Uscc, string EnterpriseName, string Region, string RegionName, EntitlementView? Entitlement,
    IReadOnlyList<ClaimedFactView> Claims, CorrectionView? Correction, DateTimeOffset? CreatedAt);

/// <summary>The audit log's hash chain: records checked, and the first broken one if any.</summary>
public sealed record AuditChainView(long Checked, bool Intact, long? BrokenAt, string? Reason);

public sealed record VerificationListView(IReadOnlyList<VerificationItemView> Items, string? NextCursor);

public static class VerificationViews
{
    public static VerificationItemView Of(Contracts.V1.VerificationItem i) => new(
        i.Id, i.Kind == VerificationKind.Correction ? "correction" : "entitlement", i.Uscc, i.EnterpriseName, i.Region,
        i.Region.Length > 0 ? Codes.RegionName(i.Region) : "",
        i.Entitlement is { } e ? EntitlementViews.Of(e) : null,
        [.. i.Claims.Select(c => new ClaimedFactView(c.Field, FieldCatalog.LabelOf(c.Field), Json(c.ValueJson), c.ValueText.Length > 0 ? c.ValueText : null,
            c.By.Length > 0 ? c.By : null, c.DeclaredAt?.ToDateTimeOffset()))],
        i.Correction is { } c ? Correction(c) : null,
        i.CreatedAt?.ToDateTimeOffset());

    public static CorrectionView Correction(Contracts.V1.Correction c) => new(
        c.Id, c.Uscc, c.Field, FieldCatalog.LabelOf(c.Field), Json(c.CurrentValueJson), c.Current is { } p ? ProvenanceView.Of(p) : null,
        Json(c.ProposedValueJson), c.Reason,
        c.Status switch { CorrectionStatus.Accepted => "accepted", CorrectionStatus.Refused => "refused", _ => "pending" },
        c.DecidedBy.Length > 0 ? c.DecidedBy : null, c.Decision.Length > 0 ? c.Decision : null, c.EvidenceReference.Length > 0 ? c.EvidenceReference : null,
        c.CreatedAt?.ToDateTimeOffset(), c.DecidedAt?.ToDateTimeOffset());

    private static JsonNode? Json(string json) => json.Length == 0 ? null : JsonNode.Parse(json);
}
