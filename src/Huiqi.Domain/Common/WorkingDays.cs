namespace Huiqi.Domain.Common;

/// <summary>
/// 工作日 for 公示 periods: Saturdays and Sundays are skipped, and any configured public holidays too. (The State
/// Council's 调休 make-up working days are not modelled: a weekend day is never counted.)
/// </summary>
public sealed class WorkingDays(IReadOnlySet<DateOnly>? holidays = null)
{
    private readonly IReadOnlySet<DateOnly> _holidays = holidays ?? new HashSet<DateOnly>();

    public bool IsWorkingDay(DateOnly date) =>
        date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(date);

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
