using Huiqi.Domain.Common;

namespace Huiqi.Domain.Tests;

/// <summary>工作日 for 公示: weekends and holidays skipped, 调休 make-up weekend days counted.</summary>
public sealed class WorkingDaysTests
{
    [Fact]
    public void Weekends_do_not_count()
    {
        var days = new WorkingDays();
        var friday = new DateOnly(2026, 11, 20);
        Assert.Equal(new DateOnly(2026, 11, 27), days.Add(friday, 5));
        Assert.Equal(new DateOnly(2026, 11, 23), days.Add(friday, 1));
        Assert.Equal(friday, days.Add(friday, 0));
        Assert.False(days.IsWorkingDay(new DateOnly(2026, 11, 22)));
    }

    [Fact]
    public void A_holiday_week_is_skipped_and_a_make_up_saturday_counts()
    {
        // A calendar shaped like a National Day week: Thursday 1 to Wednesday 7 off, Saturday 10 worked instead.
        var holidays = Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d)).ToHashSet();
        var makeUp = new HashSet<DateOnly> { new(2026, 10, 10) };
        var days = new WorkingDays(holidays, makeUp);

        Assert.True(days.IsWorkingDay(new DateOnly(2026, 10, 10)));
        Assert.False(days.IsWorkingDay(new DateOnly(2026, 10, 5)));
        // From Wednesday 30 September: 8th, 9th, 10th (make-up), 12th, 13th.
        Assert.Equal(new DateOnly(2026, 10, 13), days.Add(new DateOnly(2026, 9, 30), 5));
        // Without the make-up day the same period ends a day later.
        Assert.Equal(new DateOnly(2026, 10, 14), new WorkingDays(holidays).Add(new DateOnly(2026, 9, 30), 5));
    }
}
