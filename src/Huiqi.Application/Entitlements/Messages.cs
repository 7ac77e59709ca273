using Huiqi.Domain.Criteria;
using Huiqi.Domain.Explanation;

namespace Huiqi.Application.Entitlements;

/// <summary>What the enterprise reads in its inbox (zh-CN).</summary>
internal static class Messages
{
    public static (string Title, string Body) NewEntitlement(string policy, long? amount, string? amountField) => (
        $"您有一笔免申即享资金：{policy}",
        $"经系统比对，贵企业符合《{policy}》的条件{AmountClause(amount, amountField)}，无需申请。公示期满无异议即自动确认，也可在应用中直接确认。");

    public static (string Title, string Body) AmountChanged(string policy, long? amount, string? amountField) => (
        $"金额更新：{policy}",
        amount is { } a
            ? $"《{policy}》的金额已按贵企业最新信息计算为 {Money.Format(a)}。"
            : $"《{policy}》的金额需要“{FieldLabel(amountField)}”才能计算，请在应用中补充；补充前暂不审核拨付。");

    private static string AmountClause(long? amount, string? amountField) => amount is { } a
        ? $"，可获 {Money.Format(a)}"
        : $"，金额需补充“{FieldLabel(amountField)}”后计算";

    private static string FieldLabel(string? field) => field is null ? "相关信息" : FieldCatalog.LabelOf(field);

    public static (string Title, string Body) MissingFields(string policy, IReadOnlyList<string> fields) => (
        $"补充信息即可判断：{policy}",
        $"判断贵企业是否符合《{policy}》还缺少：{string.Join("、", fields.Select(FieldCatalog.LabelOf))}。补充后系统将自动重新判断。");

    public static (string Title, string Body) PublicityEnding(string policy, DateOnly ends) => (
        $"公示即将结束：{policy}",
        $"《{policy}》的公示期至 {ends:yyyy-MM-dd} 结束，如无异议将自动确认。");

    public static (string Title, string Body) Disbursed(string policy, long? amount, string reference) => (
        $"资金已拨付：{policy}",
        $"《{policy}》的资金{(amount is { } a ? $" {Money.Format(a)}" : "")}已拨付，支付流水号 {reference}。");

    public static (string Title, string Body) AwaitingVerification(string policy, long? amount, string? amountField, IReadOnlyList<string> claims) => (
        $"待核验：{policy}",
        $"按贵企业自报的{Labels(claims)}，贵企业符合《{policy}》的条件{AmountClause(amount, amountField)}。这些信息须经主管部门核验后才能进入公示和拨付；核验由工作人员完成，无需另行申请。");

    public static (string Title, string Body) Verified(string policy, IReadOnlyList<string> claims) => (
        $"核验通过：{policy}",
        claims.Count > 0
            ? $"贵企业自报的{Labels(claims)}已经核验，《{policy}》进入公示。"
            : $"《{policy}》所依据的信息已由主管部门确认，进入公示。");

    public static (string Title, string Body) VerificationRejected(string policy, IReadOnlyList<string> claims, string reason) => (
        $"核验未通过：{policy}",
        $"贵企业自报的{Labels(claims)}未通过核验，《{policy}》的资金已撤销。理由：{reason}。如有新的证明材料，可提交更正申请。");

    public static (string Title, string Body) CorrectionDecided(string field, bool accepted, string reason) => (
        accepted ? $"更正申请已受理：{FieldCatalog.LabelOf(field)}" : $"更正申请未通过：{FieldCatalog.LabelOf(field)}",
        accepted
            ? $"您对“{FieldCatalog.LabelOf(field)}”的更正申请已由工作人员核实并更正。说明：{reason}。系统将按更正后的信息重新判断。"
            : $"您对“{FieldCatalog.LabelOf(field)}”的更正申请未通过，原数据保持不变。理由：{reason}。");

    private static string Labels(IReadOnlyList<string> fields) =>
        fields.Count == 0 ? "信息" : string.Join("、", fields.Select(f => $"“{FieldCatalog.LabelOf(f)}”"));

    public static (string Title, string Body) StatusChanged(string policy, string what) => ($"状态更新：{policy}", $"《{policy}》：{what}");
}
