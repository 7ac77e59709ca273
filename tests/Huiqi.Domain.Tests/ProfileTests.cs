using Huiqi.Domain.Common;
using Huiqi.Domain.Profiles;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

public sealed class ProfileTests
{
    [Theory]
    [InlineData("91350100M000100Y43")] // a published example code
    [InlineData("91620100MA0000000C")]
    public void Valid_uscc_passes_the_check_character(string code) => Assert.True(Uscc.IsValid(code));

    [Theory]
    [InlineData("91350100M000100Y44")] // wrong check character
    [InlineData("91350100M000100Y4")]  // 17 characters
    [InlineData("91350100M000100I43")] // I is not in the alphabet
    [InlineData("91350100m000100Y43")] // lower case
    [InlineData("")]
    [InlineData(null)]
    public void Invalid_uscc_is_rejected(string? code) => Assert.False(Uscc.IsValid(code));

    [Fact]
    public void Completing_17_characters_gives_a_valid_code() =>
        Assert.True(Uscc.IsValid(Uscc.Complete("91620102MA7XYW123")));

    [Theory]
    [InlineData("2020-01-15", "2026-06-01", 76)]
    [InlineData("2026-05-01", "2026-06-01", 1)]
    [InlineData("2026-05-02", "2026-06-01", 0)]   // day of month not reached yet
    [InlineData("2026-01-31", "2026-02-28", 0)]   // d2 < d1
    [InlineData("2026-06-01", "2026-06-01", 0)]
    [InlineData("2026-07-01", "2026-06-01", -1)]  // founded after as_of
    [InlineData("2024-02-29", "2025-02-28", 11)]  // leap day founding
    [InlineData("2024-02-29", "2025-03-01", 12)]
    public void Age_months_follows_the_formula(string established, string asOf, int months) =>
        Assert.Equal(months, Dates.AgeMonths(D(established), D(asOf)));

    [Theory]
    [InlineData("2026-03-31", 1, "2026-02-28")]
    [InlineData("2024-03-31", 1, "2024-02-29")]   // leap year
    [InlineData("2024-02-29", 12, "2023-02-28")]
    [InlineData("2026-05-31", 3, "2026-02-28")]
    [InlineData("2026-06-15", 12, "2025-06-15")]
    public void Minus_months_clamps_to_the_end_of_the_month(string date, int months, string expected) =>
        Assert.Equal(D(expected), Dates.MinusMonths(D(date), months));

    [Fact]
    public void Rd_ratio_is_floored_and_absent_when_revenue_is_zero_or_absent()
    {
        Assert.Equal(333, (Profile() with { RdExpense = 1, AnnualRevenue = 30 }).RdRatioBp);
        Assert.Null((Profile() with { RdExpense = 1, AnnualRevenue = 0 }).RdRatioBp);
        Assert.Null((Profile() with { RdExpense = 1 }).RdRatioBp);
        Assert.Null((Profile() with { AnnualRevenue = 100 }).RdRatioBp);
        Assert.Equal(1_000_000_000_000_000_000L, (Profile() with { RdExpense = 10_000_000_000_000_000, AnnualRevenue = 100 }).RdRatioBp); // rd × 10000 overflows long
    }

    [Fact]
    public void China_today_is_ahead_of_utc_late_in_the_evening()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 23, 17, 30, 0, TimeSpan.Zero));
        Assert.Equal(new DateOnly(2026, 11, 24), Dates.TodayInChina(clock));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
