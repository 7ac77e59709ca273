using Huiqi.Application.Enterprises;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Auth;
using Huiqi.Application.Entitlements;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Application.Verification;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using DeskItem = Huiqi.Application.Verification.VerificationItem;
using CorrectionStatus = Huiqi.Storage.Store.CorrectionStatus;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.VerificationService (TRUST.md §4), a thin face over <see cref="VerificationDesk"/>. Who may call (API.md):
/// ListVerifications — staff (entitlements of the policies it governs, corrections of enterprises in its
/// jurisdiction), admin; Verify / Reject — an entitlement: staff governing its policy, admin; a correction: staff
/// whose jurisdiction covers the enterprise, admin; RequestCorrection — the enterprise itself. A caller who may not
/// decide an item is refused the same way whether it exists or not.
/// </summary>
public sealed class VerificationGrpcService(VerificationDesk desk, EligibilityIndex index, FactAuthority authority) : VerificationService.VerificationServiceBase
{
    private const int DefaultPageSize = 50, MaxPageSize = 500;

    public override async Task<ListVerificationsResponse> ListVerifications(ListVerificationsRequest request, ServerCallContext context)
    {
        var caller = StaffOrAdmin(context);
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw RpcErrors.InvalidArgument([new FieldError("page_size", "page_size.range", $"page_size 应在 0 到 {MaxPageSize} 之间")]);
        }

        var kind = request.Kind;
        var (items, next) = await desk.ListAsync(caller,
            entitlements: kind is VerificationKind.Unspecified or VerificationKind.Entitlement,
            corrections: kind is VerificationKind.Unspecified or VerificationKind.Correction,
            policyId: request.PolicyId.Length > 0 ? request.PolicyId : null,
            afterId: request.PageToken.Length > 0 ? PageTokens.Decode(request.PageToken) : null,
            limit: request.PageSize == 0 ? DefaultPageSize : request.PageSize,
            context.CancellationToken);
        return new ListVerificationsResponse { Items = { items.Select(ToProto) }, NextPageToken = next is null ? "" : PageTokens.Encode(next) };
    }

    public override async Task<Contracts.V1.VerificationItem> Verify(DecideVerificationRequest request, ServerCallContext context)
    {
        var caller = StaffOrAdmin(context);
        var errors = new List<FieldError>();
        var evidence = Required(request.EvidenceReference, "evidence_reference", "请填写核验依据（如证书编号、文书编号）", VerificationDesk.MaxEvidence, errors);
        Optional(request.Reason, "reason", VerificationDesk.MaxReason, errors);
        ThrowIfAny(errors);
        return await RunAsync(() => desk.VerifyAsync(caller, request.Id, evidence!, context.CancellationToken));
    }

    public override async Task<Contracts.V1.VerificationItem> Reject(DecideVerificationRequest request, ServerCallContext context)
    {
        var caller = StaffOrAdmin(context);
        var errors = new List<FieldError>();
        var reason = Required(request.Reason, "reason", "请说明不予通过的理由", VerificationDesk.MaxReason, errors);
        Optional(request.EvidenceReference, "evidence_reference", VerificationDesk.MaxEvidence, errors);
        ThrowIfAny(errors);
        return await RunAsync(() => desk.RejectAsync(caller, request.Id, reason!, context.CancellationToken));
    }

    public override async Task<Correction> RequestCorrection(RequestCorrectionRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        if (!caller.IsEnterprise || !caller.Is(request.Uscc))
        {
            throw RpcErrors.PermissionDenied();
        }

        var errors = new List<FieldError>();
        var field = request.Field;
        Domain.Profiles.EnterpriseProfile? proposed;
        if (request.ProposedJson.Length > 0)
        {
            (var named, proposed) = ProfileDocuments.ParseValue(field, request.ProposedJson, request.Uscc, errors);
            field = named ?? field;
        }
        else
        {
            if (!ProfileFields.IsField(field))
            {
                errors.Add(new FieldError("field", "field.unknown", $"“{field}”不是企业画像字段"));
            }

            proposed = ProfileMapping.FromProto(request.Proposed ?? new Contracts.V1.EnterpriseProfile(), "proposed.", errors) with { Uscc = request.Uscc };
        }

        var reason = Required(request.Reason, "reason", "请说明更正理由", VerificationDesk.MaxReason, errors);
        ThrowIfAny(errors);
        try
        {
            return ToProto(await desk.RequestCorrectionAsync(caller, request.Uscc, field, proposed!, reason!, context.CancellationToken));
        }
        catch (VerificationRefusedException ex)
        {
            throw Refused(ex);
        }
    }

    private async Task<Contracts.V1.VerificationItem> RunAsync(Func<Task<DeskItem>> decide)
    {
        try
        {
            return ToProto(await decide());
        }
        catch (AccessDeniedException)
        {
            throw RpcErrors.PermissionDenied();
        }
        catch (VerificationRefusedException ex)
        {
            throw Refused(ex);
        }
        catch (EntitlementRefusedException ex)
        {
            throw RpcErrors.Status(Code.FailedPrecondition, ex.Code, ex.Message);
        }
    }

    private static RpcException Refused(VerificationRefusedException ex) => ex switch
    {
        { Code: "not_found" } => RpcErrors.Status(Code.NotFound, "not_found", ex.Message),
        { IsConflict: true } => RpcErrors.Status(Code.FailedPrecondition, ex.Code, ex.Message),
        _ => RpcErrors.InvalidArgument([new FieldError(ex.Field ?? "id", ex.Code, ex.Message)]),
    };

    private static Caller StaffOrAdmin(ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        return caller.IsStaff || caller.IsAdmin ? caller : throw RpcErrors.PermissionDenied();
    }

    private static string? Required(string value, string field, string message, int max, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(field, "required", message));
            return null;
        }

        Optional(value, field, max, errors);
        return value.Trim();
    }

    private static void Optional(string value, string field, int max, List<FieldError> errors)
    {
        if (value.Trim().Length > max)
        {
            errors.Add(new FieldError(field, "too_long", $"不能超过 {max} 个字符"));
        }
    }

    private static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }
    }

    // ---- mapping ----

    private Contracts.V1.VerificationItem ToProto(DeskItem item)
    {
        var proto = new Contracts.V1.VerificationItem
        {
            Id = item.Id,
            Uscc = item.Uscc,
            Kind = item.Correction is null ? VerificationKind.Entitlement : VerificationKind.Correction,
        };
        if (item.Entitlement is { } e)
        {
            proto.Entitlement = EntitlementMapping.ToProto(e, index.Policies.FirstOrDefault(p => p.Id == e.PolicyId)?.Title ?? e.PolicyId);
            proto.EnterpriseName = e.EnterpriseName ?? "";
            proto.Region = e.Region ?? "";
            proto.CreatedAt = Timestamp.FromDateTimeOffset(e.UpdatedAt);
            proto.Claims.Add(item.Claims.Select(c => new Contracts.V1.ClaimedFact
            {
                Field = c.Field,
                ValueJson = c.ValueJson ?? "",
                ValueText = c.ValueText ?? "",
                By = c.Provenance?.By ?? "",
                DeclaredAt = c.Provenance is { } p ? Timestamp.FromDateTimeOffset(p.ChangedAt) : null,
            }));
        }

        if (item.Correction is { } c)
        {
            proto.Correction = ToProto(c);
            proto.EnterpriseName = index.GetProfile(c.Uscc)?.Name ?? "";
            proto.Region = c.Region ?? "";
            proto.CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt);
        }

        return proto;
    }

    private Correction ToProto(CorrectionRecord c)
    {
        var proto = new Correction
        {
            Id = c.Id,
            Uscc = c.Uscc,
            Field = c.Field,
            CurrentValueJson = c.CurrentJson ?? "",
            ProposedValueJson = c.ProposedJson ?? "null",
            Reason = c.Reason,
            Status = c.Status switch
            {
                CorrectionStatus.Pending => Contracts.V1.CorrectionStatus.Pending,
                CorrectionStatus.Accepted => Contracts.V1.CorrectionStatus.Accepted,
                _ => Contracts.V1.CorrectionStatus.Refused,
            },
            DecidedBy = c.DecidedBy ?? "",
            Decision = c.Decision ?? "",
            EvidenceReference = c.EvidenceReference ?? "",
            CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt),
        };
        if (c.Current is { } current) { proto.Current = ProfileMapping.ToProto(c.Field, current, authority); }
        if (c.DecidedAt is { } at) { proto.DecidedAt = Timestamp.FromDateTimeOffset(at); }
        return proto;
    }

    public override async Task<AuditChainVerification> VerifyAuditChain(VerifyAuditChainRequest request, ServerCallContext context)
    {
        var result = await desk.VerifyAuditChainAsync(RpcCaller.Of(context), context.CancellationToken);
        var response = new AuditChainVerification { Checked = result.Checked, Intact = result.Intact, Reason = result.Reason ?? "" };
        if (result.BrokenAt is { } seq) { response.BrokenAt = seq; }
        return response;
    }
}
