using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Auth;
using Huiqi.Application.Entitlements;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Common;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;
using StoredStatus = Huiqi.Storage.Store.EntitlementStatus;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EntitlementService: the 免申即享 workflow. Who may call (API.md):
/// ListEntitlements — the enterprise (its own), staff (enterprises in jurisdiction), admin;
/// Confirm, Object — the enterprise, its own entitlements;
/// ResolveObjection, Approve, Disburse, DisburseBatch, GetPolicyStatistics — staff governing the policy's jurisdiction, admin;
/// WatchEntitlements — for an enterprise: itself, staff in jurisdiction, admin; for a policy: staff governing it, admin;
/// ListNotifications — the enterprise, staff in jurisdiction, admin; MarkNotificationsRead — the enterprise itself.
/// A caller who may not see an entitlement is refused the same way whether it exists or not.
/// </summary>
public sealed class EntitlementGrpcService(IStore store, EligibilityIndex index, EntitlementWorkflow workflow, EntitlementEvents events, WatchLimits limits, TimeProvider clock)
    : EntitlementService.EntitlementServiceBase
{
    private const int DefaultPageSize = 50, MaxPageSize = 500;

    public override async Task<ListEntitlementsResponse> ListEntitlements(ListEntitlementsRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        if (!(caller.IsEnterprise || caller.IsStaff || caller.IsAdmin) || (caller.IsEnterprise && request.Uscc.Length > 0 && request.Uscc != caller.Uscc))
        {
            throw RpcErrors.PermissionDenied();
        }

        var size = PageSize(request.PageSize);
        var query = new EntitlementQuery(
            Uscc: caller.IsEnterprise ? caller.Uscc : request.Uscc.Length > 0 ? request.Uscc : null,
            PolicyId: request.PolicyId.Length > 0 ? request.PolicyId : null,
            Statuses: [.. request.Statuses.Select(FromProto)],
            RegionPrefix: caller.JurisdictionPrefix,
            AfterId: request.PageToken.Length > 0 ? PageTokens.Decode(request.PageToken) : null,
            Limit: size + 1);
        var rows = await store.QueryEntitlementsAsync(query, context.CancellationToken);
        var page = rows.Take(size).ToList();
        return new ListEntitlementsResponse
        {
            Entitlements = { page.Select(ToProto) },
            NextPageToken = rows.Count > size ? PageTokens.Encode(page[^1].Id) : "",
        };
    }

    public override async Task<Entitlement> Confirm(ConfirmRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        await OwnAsync(caller, request.EntitlementId, context.CancellationToken);
        return await RunAsync(() => workflow.ConfirmAsync(request.EntitlementId, Blank(request.ReceivingAccount), caller, context.CancellationToken));
    }

    public override async Task<Entitlement> Object(ObjectRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw RpcErrors.InvalidArgument([new FieldError("reason", "required", "请说明异议理由")]);
        }

        await OwnAsync(caller, request.EntitlementId, context.CancellationToken);
        return await RunAsync(() => workflow.ObjectAsync(request.EntitlementId, request.Reason.Trim(), caller, context.CancellationToken));
    }

    public override async Task<Entitlement> ResolveObjection(ResolveObjectionRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        if (string.IsNullOrWhiteSpace(request.Resolution))
        {
            throw RpcErrors.InvalidArgument([new FieldError("resolution", "required", "请填写处理意见")]);
        }

        var entitlement = await GovernedAsync(caller, request.EntitlementId, context.CancellationToken);
        return await RunAsync(() => workflow.ResolveObjectionAsync(entitlement.Id, request.Uphold, request.Resolution.Trim(), caller, TitleOf(entitlement.PolicyId), context.CancellationToken));
    }

    public override async Task<Entitlement> Disburse(DisburseRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        if (string.IsNullOrWhiteSpace(request.PaymentReference))
        {
            throw RpcErrors.InvalidArgument([new FieldError("payment_reference", "required", "请填写支付流水号")]);
        }

        var entitlement = await GovernedAsync(caller, request.EntitlementId, context.CancellationToken);
        return await RunAsync(() => workflow.DisburseAsync(entitlement.Id, request.PaymentReference.Trim(), caller, TitleOf(entitlement.PolicyId), context.CancellationToken));
    }

    private const int MaxPaymentsPerBatch = 1_000;

    public override async Task<DisburseBatchResponse> DisburseBatch(DisburseBatchRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        var policy = GovernedPolicy(caller, request.PolicyId);
        var errors = new List<FieldError>();
        if (request.Payments.Count is 0 or > MaxPaymentsPerBatch)
        {
            errors.Add(new FieldError("payments", "payments.count", $"每批应有 1 到 {MaxPaymentsPerBatch} 笔拨付"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Payments.Count; i++)
        {
            var payment = request.Payments[i];
            if (string.IsNullOrWhiteSpace(payment.EntitlementId)) { errors.Add(new FieldError($"payments[{i}].entitlement_id", "required", "请填写资金记录编号")); }
            else if (!seen.Add(payment.EntitlementId)) { errors.Add(new FieldError($"payments[{i}].entitlement_id", "duplicate", "同一笔资金在本批中出现了两次")); }
            if (string.IsNullOrWhiteSpace(payment.PaymentReference)) { errors.Add(new FieldError($"payments[{i}].payment_reference", "required", "请填写支付流水号")); }
            else if (payment.PaymentReference.Trim().Length > 64) { errors.Add(new FieldError($"payments[{i}].payment_reference", "too_long", "不能超过 64 个字符")); }
        }

        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        var result = await workflow.DisburseBatchAsync(policy, [.. request.Payments.Select(p => (p.EntitlementId, p.PaymentReference.Trim()))], caller, context.CancellationToken);
        return new DisburseBatchResponse
        {
            Disbursed = { result.Disbursed.Select(ToProto) },
            DisbursedTotalFen = result.DisbursedTotalFen,
            Refused = { result.Refused.Select(r => new DisbursementRefused { EntitlementId = r.EntitlementId, Code = r.Code, Message = r.Message }) },
        };
    }

    public override async Task<ApproveResponse> Approve(ApproveRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        var policy = GovernedPolicy(caller, request.PolicyId);
        try
        {
            var result = await workflow.ApproveAsync(policy, [.. request.EntitlementIds], caller, context.CancellationToken);
            return new ApproveResponse
            {
                Approved = { result.Approved.Select(ToProto) }, ApprovedTotalFen = result.ApprovedTotalFen, Prorated = result.Prorated,
                WaitingForAmount = { result.WaitingForAmount },
                WaitingForVerification = { result.WaitingForVerification },
            };
        }
        catch (EntitlementRefusedException ex)
        {
            throw Refused(ex);
        }
    }

    public override async Task<PolicyStatistics> GetPolicyStatistics(GetPolicyStatisticsRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        var policy = GovernedPolicy(caller, request.PolicyId);
        var rows = await store.QueryEntitlementsAsync(new EntitlementQuery(PolicyId: policy.Id), context.CancellationToken);
        var statistics = new PolicyStatistics { PolicyId = policy.Id, Total = Row("", "合计", rows) };
        statistics.ByRegion.Add(rows.GroupBy(r => r.Region ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, g.Key.Length == 0 ? "未填写" : Codes.RegionName(g.Key), g)));
        statistics.ByTechDomain.Add(rows
            .SelectMany(r => (r.TechDomains ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty("").Select(d => (Domain: d, Row: r)))
            .GroupBy(x => x.Domain).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, g.Key.Length == 0 ? "未填写" : Codes.TechDomains.GetValueOrDefault(g.Key, g.Key), g.Select(x => x.Row))));
        return statistics;
    }

    public override async Task WatchEntitlements(WatchEntitlementsRequest request, IServerStreamWriter<EntitlementEvent> responseStream, ServerCallContext context)
    {
        var caller = CallerOf(context);
        string? uscc = null, policyId = null;
        switch (request.TargetCase)
        {
            case WatchEntitlementsRequest.TargetOneofCase.Uscc:
                uscc = request.Uscc;
                if (!(caller.Is(uscc) || caller.IsAdmin || (caller.IsStaff && caller.Covers(index.GetProfile(uscc)?.Region))))
                {
                    throw RpcErrors.PermissionDenied();
                }

                break;
            case WatchEntitlementsRequest.TargetOneofCase.PolicyId:
                policyId = GovernedPolicy(caller, request.PolicyId).Id;
                break;
            default:
                throw RpcErrors.InvalidArgument([new FieldError("target", "required", "请指定企业（uscc）或政策（policy_id）")]);
        }

        using var slot = limits.TryOpen(caller.Name)
            ?? throw RpcErrors.Status(Code.ResourceExhausted, "watch.limit", $"同时打开的实时通知连接过多（每个账号至多 {limits.MaxPerCaller} 个），请关闭其他页面后重试");

        // A watch lives no longer than the token that opened it: then it ends UNAUTHENTICATED and the client signs in again.
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        if (caller.ExpiresAt is { } expires)
        {
            expiry.CancelAfter(TimeSpan.FromTicks(Math.Max(0, (expires - clock.GetUtcNow()).Ticks)));
        }

        try
        {
            // Registered first, then an empty first event: the watch is accepted and live, so a gateway can answer its
            // caller before the first change arrives and no change after that answer is missed.
            using var subscription = events.Subscribe(uscc, policyId);
            await responseStream.WriteAsync(new EntitlementEvent(), expiry.Token);
            await WatchAsync(subscription, uscc, responseStream, expiry.Token);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.Status(Code.Unauthenticated, "token.expired", "登录已过期，请重新登录");
        }
    }

    private async Task WatchAsync(EntitlementEvents.Subscription subscription, string? uscc, IServerStreamWriter<EntitlementEvent> responseStream, CancellationToken cancellationToken)
    {
        await foreach (var change in subscription.ReadAllAsync(cancellationToken))
        {
            var message = new EntitlementEvent();
            if (change.EntitlementId is { } id && await store.GetEntitlementAsync(id, cancellationToken) is { } entitlement)
            {
                message.Entitlement = ToProto(entitlement);
            }

            if (change.NotificationId is { } nid && uscc is not null && await store.GetNotificationAsync(nid, cancellationToken) is { } notification)
            {
                message.Notification = ToProto(notification);
            }

            if (message.Entitlement is not null || message.Notification is not null)
            {
                await responseStream.WriteAsync(message, cancellationToken);
            }
        }
    }

    public override async Task<ListNotificationsResponse> ListNotifications(ListNotificationsRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        var uscc = caller.IsEnterprise && request.Uscc.Length == 0 ? caller.Uscc! : request.Uscc;
        if (!(caller.Is(uscc) || caller.IsAdmin || (caller.IsStaff && caller.Covers(index.GetProfile(uscc)?.Region))))
        {
            throw RpcErrors.PermissionDenied();
        }

        var size = PageSize(request.PageSize);
        NotificationCursor? after = null;
        if (request.PageToken.Length > 0)
        {
            var parts = PageTokens.Decode(request.PageToken).Split(':', 2);
            after = parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                ? new NotificationCursor(at, parts[1])
                : throw RpcErrors.InvalidArgument([new FieldError("page_token", "page_token.invalid", "分页标记无效")]);
        }

        var rows = await store.ListNotificationsAsync(uscc, request.UnreadOnly, after, size + 1, context.CancellationToken);
        var page = rows.Take(size).ToList();
        return new ListNotificationsResponse
        {
            Notifications = { page.Select(ToProto) },
            NextPageToken = rows.Count > size ? PageTokens.Encode($"{page[^1].CreatedAt.ToUnixTimeMilliseconds()}:{page[^1].Id}") : "",
            UnreadCount = await store.CountUnreadAsync(uscc, context.CancellationToken),
        };
    }

    public override async Task<MarkNotificationsReadResponse> MarkNotificationsRead(MarkNotificationsReadRequest request, ServerCallContext context)
    {
        var caller = CallerOf(context);
        var uscc = caller.IsEnterprise && request.Uscc.Length == 0 ? caller.Uscc! : request.Uscc;
        if (!caller.Is(uscc))
        {
            throw RpcErrors.PermissionDenied(); // only the enterprise itself reads its messages
        }

        return new MarkNotificationsReadResponse { Marked = await store.MarkNotificationsReadAsync(uscc, [.. request.NotificationIds], context.CancellationToken) };
    }

    // ---- authorization ----

    private static Caller CallerOf(ServerCallContext context) => RpcCaller.Of(context);

    /// <summary>The enterprise's own entitlement; anything else is refused alike, existing or not.</summary>
    private async Task OwnAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        if (!caller.IsEnterprise || await store.GetEntitlementAsync(id, cancellationToken) is not { } e || e.Uscc != caller.Uscc)
        {
            throw RpcErrors.PermissionDenied();
        }
    }

    private async Task<EntitlementRecord> GovernedAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        if (!(caller.IsStaff || caller.IsAdmin))
        {
            throw RpcErrors.PermissionDenied();
        }

        var entitlement = await store.GetEntitlementAsync(id, cancellationToken);
        var policy = entitlement is null ? null : await store.GetPolicyAsync(entitlement.PolicyId, null, cancellationToken);
        if (entitlement is null || policy is null || !caller.Governs(policy.Policy.Jurisdiction))
        {
            throw caller.IsAdmin ? RpcErrors.NotFound("资金记录") : RpcErrors.PermissionDenied();
        }

        return entitlement;
    }

    /// <summary>A published (or retired) policy the caller governs, from this instance's catalogue (kept in step with the store).</summary>
    private Domain.Policies.Policy GovernedPolicy(Caller caller, string policyId)
    {
        if (!(caller.IsStaff || caller.IsAdmin))
        {
            throw RpcErrors.PermissionDenied();
        }

        var policy = index.Policies.FirstOrDefault(p => p.Id == policyId);
        if (policy is null || !caller.Governs(policy.Jurisdiction))
        {
            throw caller.IsAdmin ? RpcErrors.NotFound("政策") : RpcErrors.PermissionDenied();
        }

        return policy;
    }

    private async Task<Entitlement> RunAsync(Func<Task<EntitlementRecord>> command)
    {
        try
        {
            return ToProto(await command());
        }
        catch (EntitlementRefusedException ex)
        {
            throw Refused(ex);
        }
    }

    private static RpcException Refused(EntitlementRefusedException ex) =>
        ex.Code == "not_found" ? RpcErrors.NotFound("资金记录") : RpcErrors.Status(Code.FailedPrecondition, ex.Code, ex.Message);

    // ---- mapping ----

    private string TitleOf(string policyId) => index.Policies.FirstOrDefault(p => p.Id == policyId)?.Title ?? policyId;

    private Entitlement ToProto(EntitlementRecord e) => EntitlementMapping.ToProto(e, TitleOf(e.PolicyId));

    private static Notification ToProto(NotificationRecord n)
    {
        var proto = new Notification
        {
            Id = n.Id,
            Uscc = n.Uscc,
            Kind = n.Kind switch
            {
                "new_entitlement" => NotificationKind.NewEntitlement,
                "publicity_ending" => NotificationKind.PublicityEnding,
                "missing_fields" => NotificationKind.MissingFields,
                "disbursed" => NotificationKind.Disbursed,
                "amount_changed" => NotificationKind.AmountChanged,
                "verification" => NotificationKind.Verification,
                _ => NotificationKind.StatusChanged,
            },
            Title = n.Title,
            Body = n.Body,
            PolicyId = n.PolicyId ?? "",
            EntitlementId = n.EntitlementId ?? "",
            Read = n.Read,
            CreatedAt = Timestamp.FromDateTimeOffset(n.CreatedAt),
        };
        proto.MissingFields.Add(n.MissingFields ?? []);
        return proto;
    }

    private static StatisticsRow Row(string key, string label, IEnumerable<EntitlementRecord> rows)
    {
        var row = new StatisticsRow { Key = key, Label = label, Matched = new(), Confirmed = new(), Approved = new(), Disbursed = new(), AwaitingVerification = new() };
        foreach (var e in rows)
        {
            if (e.Status == StoredStatus.Revoked)
            {
                continue;
            }

            if (e.Status == StoredStatus.AwaitingVerification)
            {
                Add(row.AwaitingVerification, e.AmountFen); // held back until the claims are checked (TRUST.md §5)
                continue;
            }

            Add(row.Matched, e.AmountFen);
            if (e.Status is StoredStatus.Confirmed or StoredStatus.Approved or StoredStatus.Disbursed) { Add(row.Confirmed, e.AmountFen); }
            if (e.Status is StoredStatus.Approved or StoredStatus.Disbursed) { Add(row.Approved, e.ApprovedAmountFen); }
            if (e.Status is StoredStatus.Disbursed) { Add(row.Disbursed, e.ApprovedAmountFen); }
        }

        return row;
    }

    private static void Add(StageFigures figures, long? amount)
    {
        figures.Count++;
        figures.AmountFen += amount ?? 0;
    }

    private static StoredStatus FromProto(Contracts.V1.EntitlementStatus status) =>
        status == Contracts.V1.EntitlementStatus.Unspecified
            ? throw RpcErrors.InvalidArgument([new FieldError("statuses", "status.invalid", "状态未指定")])
            : (StoredStatus)((int)status - 1);

    private static int PageSize(int requested) =>
        requested is < 0 or > MaxPageSize
            ? throw RpcErrors.InvalidArgument([new FieldError("page_size", "page_size.range", $"page_size 应在 0 到 {MaxPageSize} 之间")])
            : requested == 0 ? DefaultPageSize : requested;

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
