using Huiqi.Domain.Explanation;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Gateway.Entitlements;

/// <summary>
/// One 免申即享 entitlement. <c>status</c>: awaiting_verification (待核验), matched, publicized (公示), confirmed,
/// objected, approved, disbursed, revoked. <c>approvedAmountFen</c> is set on approval (after 按比例核减 when the
/// budget is short). <c>basis</c>: verified, or self_declared with the <c>claims</c> it rests on (TRUST.md §4).
/// </summary>
public sealed record EntitlementView(
    string Id, string Uscc, string EnterpriseName, string PolicyId, int PolicyVersion, string PolicyTitle, string Period,
    string Status, long? AmountFen, string? AmountText, long? ApprovedAmountFen, string? ApprovedAmountText,
    string? PublicityEndsOn, string? ObjectionReason, string? Resolution, string? ReceivingAccount, string? PaymentReference,
    DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, string Basis, IReadOnlyList<string> Claims, string? BasisText);

public sealed record EntitlementListView(IReadOnlyList<EntitlementView> Items, string? NextCursor);

public sealed record ApprovalView(IReadOnlyList<EntitlementView> Approved, long ApprovedTotalFen, string ApprovedTotalText, bool Prorated, IReadOnlyList<string> WaitingForAmount,
    IReadOnlyList<string> WaitingForVerification);

public sealed record StageFiguresView(long Count, long AmountFen, string AmountText);

/// <summary><c>awaitingVerification</c>: entitlements resting on claims, and the amount held back until they are verified (not counted in <c>matched</c>).</summary>
public sealed record StatisticsRowView(string Key, string Label, StageFiguresView Matched, StageFiguresView Confirmed, StageFiguresView Approved, StageFiguresView Disbursed,
    StageFiguresView AwaitingVerification);

public sealed record PolicyStatisticsView(string PolicyId, StatisticsRowView Total, IReadOnlyList<StatisticsRowView> ByRegion, IReadOnlyList<StatisticsRowView> ByTechDomain);

public sealed record ConfirmBody(string? ReceivingAccount);

public sealed record ObjectBody(string Reason);

public sealed record ResolveBody(bool Uphold, string Resolution);

public sealed record ApproveBody(string PolicyId, IReadOnlyList<string>? EntitlementIds);

public sealed record DisburseBody(string PaymentReference);

public sealed record PaymentBody(string EntitlementId, string PaymentReference);

/// <summary>A payment file of one policy: up to 1,000 payments, each entitlement at most once.</summary>
public sealed record DisburseBatchBody(string PolicyId, IReadOnlyList<PaymentBody> Payments);

public sealed record DisbursementRefusedView(string EntitlementId, string Code, string Message);

/// <summary>What a payment file did: disbursed (now, or before with the same reference), and each payment refused, in request order.</summary>
public sealed record DisbursementView(IReadOnlyList<EntitlementView> Disbursed, long DisbursedTotalFen, string DisbursedTotalText, IReadOnlyList<DisbursementRefusedView> Refused);

public static class EntitlementViews
{
    // In the proto enum's order (index + 1 is the enum value).
    public static readonly string[] Statuses = ["matched", "publicized", "confirmed", "objected", "approved", "disbursed", "revoked", "awaiting_verification"];

    public static string StatusOf(V1.EntitlementStatus status) => status switch
    {
        V1.EntitlementStatus.Matched => "matched",
        V1.EntitlementStatus.Publicized => "publicized",
        V1.EntitlementStatus.Confirmed => "confirmed",
        V1.EntitlementStatus.Objected => "objected",
        V1.EntitlementStatus.Approved => "approved",
        V1.EntitlementStatus.Disbursed => "disbursed",
        V1.EntitlementStatus.Revoked => "revoked",
        V1.EntitlementStatus.AwaitingVerification => "awaiting_verification",
        _ => "unspecified",
    };

    public static EntitlementView Of(V1.Entitlement e) => new(
        e.Id, e.Uscc, e.EnterpriseName, e.PolicyId, e.PolicyVersion, e.PolicyTitle, e.Period, StatusOf(e.Status),
        e.HasAmountFen ? e.AmountFen : null, e.HasAmountFen ? Money.Format(e.AmountFen) : null,
        e.HasApprovedAmountFen ? e.ApprovedAmountFen : null, e.HasApprovedAmountFen ? Money.Format(e.ApprovedAmountFen) : null,
        Blank(e.PublicityEndsOn), Blank(e.ObjectionReason), Blank(e.Resolution), Blank(e.ReceivingAccount), Blank(e.PaymentReference),
        e.CreatedAt?.ToDateTimeOffset(), e.UpdatedAt?.ToDateTimeOffset(),
        Eligibility.EligibilityViews.BasisOf(e.Basis), [.. e.Claims], e.Basis == V1.Basis.SelfDeclared ? Eligibility.EligibilityViews.ClaimsText(e.Claims) : null);

    public static PolicyStatisticsView Statistics(V1.PolicyStatistics s) =>
        new(s.PolicyId, Row(s.Total), [.. s.ByRegion.Select(Row)], [.. s.ByTechDomain.Select(Row)]);

    private static StatisticsRowView Row(V1.StatisticsRow? r) => r is null
        ? new("", "合计", Stage(null), Stage(null), Stage(null), Stage(null), Stage(null))
        : new(r.Key, r.Label, Stage(r.Matched), Stage(r.Confirmed), Stage(r.Approved), Stage(r.Disbursed), Stage(r.AwaitingVerification));

    private static StageFiguresView Stage(V1.StageFigures? f) => new(f?.Count ?? 0, f?.AmountFen ?? 0, Money.Format(f?.AmountFen ?? 0));

    private static string? Blank(string value) => value.Length == 0 ? null : value;
}
