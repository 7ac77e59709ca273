namespace Huiqi.Domain.Matching;

/// <summary>
/// A proposed version of a policy against the version in force, over the whole population (who receives money:
/// the enterprises <c>eligible</c> for it, ELIGIBILITY.md §6 with exclusion groups). <c>Gained</c>: eligible only under
/// the proposal; <c>Lost</c>: only under the version in force; <c>AmountChanged</c>: under both, with a different
/// amount. Totals are the sums of known amounts.
/// </summary>
public sealed record PolicyComparison(
    long Population, long EligibleBefore, long EligibleAfter, long Gained, long Lost, long AmountChanged,
    long TotalBeforeFen, long TotalAfterFen, IReadOnlyList<ComparisonRow> ByRegion, IReadOnlyList<ComparisonRow> ByTechDomain);

/// <summary>The same figures within one region or tech domain.</summary>
public sealed record ComparisonRow(string Value, long Gained, long Lost, long AmountChanged, long TotalBeforeFen, long TotalAfterFen);
