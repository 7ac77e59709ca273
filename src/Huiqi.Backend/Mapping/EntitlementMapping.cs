using Google.Protobuf.WellKnownTypes;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Common;
using Huiqi.Domain.Explanation;
using Huiqi.Storage.Store;

namespace Huiqi.Backend.Mapping;

/// <summary>Entitlements between the store and the wire.</summary>
public static class EntitlementMapping
{
    public static Entitlement ToProto(EntitlementRecord e, string policyTitle)
    {
        var proto = new Entitlement
        {
            Id = e.Id,
            Uscc = e.Uscc,
            EnterpriseName = e.EnterpriseName ?? "",
            PolicyId = e.PolicyId,
            PolicyVersion = e.PolicyVersion,
            PolicyTitle = policyTitle,
            Period = e.Period,
            Status = (Contracts.V1.EntitlementStatus)((int)e.Status + 1),
            PublicityEndsOn = e.PublicityEndsOn is { } ends ? Dates.Format(ends) : "",
            ObjectionReason = e.ObjectionReason ?? "",
            Resolution = e.Resolution ?? "",
            ReceivingAccount = e.ReceivingAccount ?? "",
            PaymentReference = e.PaymentReference ?? "",
            CreatedAt = Timestamp.FromDateTimeOffset(e.CreatedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(e.UpdatedAt),
            Basis = EligibilityMapping.ToProto(e.Basis),
            Claims = { e.Claims },
        };
        if (e.AmountFen is { } amount)
        {
            proto.AmountFen = amount;
            proto.AmountText = Money.Format(amount);
        }

        if (e.ApprovedAmountFen is { } approved)
        {
            proto.ApprovedAmountFen = approved;
        }

        return proto;
    }
}
