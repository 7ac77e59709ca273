using Huiqi.Domain.Criteria;
using Huiqi.Domain.Explanation;

namespace Huiqi.Backend.Entitlements;

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

    public static (string Title, string Body) StatusChanged(string policy, string what) => ($"状态更新：{policy}", $"《{policy}》：{what}");
}
