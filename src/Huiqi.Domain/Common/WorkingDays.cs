namespace Huiqi.Domain.Common;

/// <summary>
/// 工作日 for 公示 periods, after the State Council's yearly calendar: Saturdays and Sundays are skipped, and the
/// configured public holidays too, except the 调休 make-up days (a weekend day announced as a working day), which count.
/// </summary>
public sealed class WorkingDays(IReadOnlySet<DateOnly>? holidays = null, IReadOnlySet<DateOnly>? makeUpWorkdays = null)
{
    private readonly IReadOnlySet<DateOnly> _holidays = holidays ?? new HashSet<DateOnly>();
    private readonly IReadOnlySet<DateOnly> _makeUpWorkdays = makeUpWorkdays ?? new HashSet<DateOnly>();

    public bool IsWorkingDay(DateOnly date) =>
        _makeUpWorkdays.Contains(date)
        || (date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(date));

    /// <summary>The day on which a period of <paramref name="days"/> working days that starts after <paramref name="start"/> ends (the last working day of it).</summary>
    public DateOnly Add(DateOnly start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var date = start;
        while (days > 0)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date))
            {
                days--;
            }
        }

        return date;
    }
}
