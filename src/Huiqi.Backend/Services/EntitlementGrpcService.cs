using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Matching;
using Huiqi.Storage.Store;
using StoredStatus = Huiqi.Storage.Store.EntitlementStatus;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EntitlementService. Reads are built (step 4); the 免申即享 writes — Confirm, Object, ResolveObjection,
/// Approve, Disburse, WatchEntitlements, notifications, statistics — come with step 6 and are not overridden, so
/// they answer UNIMPLEMENTED. ListEntitlements: the enterprise (its own), staff (enterprises in jurisdiction),
/// admin.
/// </summary>
public sealed class EntitlementGrpcService(IStore store, EligibilityIndex index) : EntitlementService.EntitlementServiceBase
{
    public override async Task<ListEntitlementsResponse> ListEntitlements(ListEntitlementsRequest request, ServerCallContext context)
    {
        var caller = new Caller(context.GetHttpContext().User);
        var uscc = caller.IsEnterprise ? caller.Uscc : request.Uscc.Length > 0 ? request.Uscc : null;
        if (caller.IsPartner || (caller.IsEnterprise && request.Uscc.Length > 0 && request.Uscc != caller.Uscc))
        {
            throw RpcErrors.PermissionDenied();
        }

        var statuses = request.Statuses.Select(s => (StoredStatus)((int)s - 1)).ToHashSet();
        var rows = (await store.ListEntitlementsAsync(uscc, request.PolicyId.Length > 0 ? request.PolicyId : null, context.CancellationToken))
            .Where(e => statuses.Count == 0 || statuses.Contains(e.Status))
            .Where(e => !caller.IsStaff || caller.Covers(index.GetProfile(e.Uscc)?.Region))
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        var (page, next) = PolicyGrpcService.Page(rows, e => e.Id, request.PageSize, request.PageToken);
        var titles = index.Policies.ToDictionary(p => p.Id, p => p.Title);
        return new ListEntitlementsResponse
        {
            Entitlements =
            {
                page.Select(e =>
                {
                    var proto = new Entitlement
                    {
                        Id = e.Id,
                        Uscc = e.Uscc,
                        EnterpriseName = index.GetProfile(e.Uscc)?.Name ?? "",
                        PolicyId = e.PolicyId,
                        PolicyVersion = e.PolicyVersion,
                        PolicyTitle = titles.GetValueOrDefault(e.PolicyId, ""),
                        Period = e.Period,
                        Status = (Contracts.V1.EntitlementStatus)((int)e.Status + 1),
                        CreatedAt = Timestamp.FromDateTimeOffset(e.CreatedAt),
                        UpdatedAt = Timestamp.FromDateTimeOffset(e.UpdatedAt),
                    };
                    if (e.AmountFen is { } amount)
                    {
                        proto.AmountFen = amount;
                        proto.AmountText = Money.Format(amount);
                    }

                    return proto;
                }),
            },
            NextPageToken = next,
        };
    }
}
