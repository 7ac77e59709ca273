using System.Globalization;

namespace Huiqi.Domain.Common;

public static class Dates
{
    /// <summary>China Standard Time has no daylight saving: a fixed +08:00 offset.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    /// <summary>Today's calendar date in China Standard Time, the default <c>as_of</c>.</summary>
    public static DateOnly TodayInChina(TimeProvider? clock = null) =>
        DateOnly.FromDateTime((clock ?? TimeProvider.System).GetUtcNow().ToOffset(ChinaOffset).DateTime);

    public static bool TryParse(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="date"/> minus <paramref name="months"/> calendar months, keeping the day of month and
    /// clamping it to the last day of the target month (2026-03-31 minus 1 month is 2026-02-28).
    /// </summary>
    public static DateOnly MinusMonths(DateOnly date, int months) => date.AddMonths(-months); // AddMonths clamps to month end.

    /// <summary>ELIGIBILITY.md §1: (y2-y1)*12 + (m2-m1) - (d2 &lt; d1 ? 1 : 0).</summary>
    public static int AgeMonths(DateOnly establishedOn, DateOnly asOf) =>
        (asOf.Year - establishedOn.Year) * 12 + (asOf.Month - establishedOn.Month) - (asOf.Day < establishedOn.Day ? 1 : 0);
}
