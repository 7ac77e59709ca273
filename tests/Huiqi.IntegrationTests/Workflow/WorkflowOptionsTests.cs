using Huiqi.Application.Entitlements;
using Huiqi.Domain.Common;
using Microsoft.Extensions.Configuration;

namespace Huiqi.IntegrationTests.Workflow;

/// <summary>The workflow's calendar and clock as configured: bound from Huiqi:Workflow, refused when wrong, the daily run at a fixed China time.</summary>
public sealed class WorkflowOptionsTests
{
    private static WorkflowOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Huiqi:Workflow").Get<WorkflowOptions>()!;

    [Fact]
    public void Holidays_make_up_workdays_and_the_daily_run_time_bind_from_configuration()
    {
        var options = Bind(new()
        {
            ["Huiqi:Workflow:Holidays:0"] = "2026-10-01",
            ["Huiqi:Workflow:MakeUpWorkdays:0"] = "2026-10-10",
            ["Huiqi:Workflow:DailyRunAt"] = "06:30",
        });

        Assert.Empty(options.Validate());
        Assert.Equal(new TimeOnly(6, 30), options.DailyRunAt);
        var calendar = options.Calendar();
        Assert.False(calendar.IsWorkingDay(new DateOnly(2026, 10, 1)));
        Assert.True(calendar.IsWorkingDay(new DateOnly(2026, 10, 10)));
        Assert.Equal(new TimeOnly(1, 0), new WorkflowOptions().DailyRunAt);
    }

    [Fact]
    public void A_wrong_calendar_is_refused_naming_each_key()
    {
        var options = new WorkflowOptions
        {
            Holidays = ["2026-10-01", "2026-13-01"],
            MakeUpWorkdays = ["10/10/2026", "2026-10-01"],
            BatchSize = 0,
        };

        var problems = options.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("Huiqi:Workflow:Holidays:1", StringComparison.Ordinal) && p.Contains("2026-13-01", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Huiqi:Workflow:MakeUpWorkdays:0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("2026-10-01 is both a holiday and a make-up workday", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("BatchSize", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_platform_refuses_to_start_on_a_wrong_calendar()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var platform = await PlatformHost.StartAsync(new Dictionary<string, string?> { ["Huiqi:Workflow:Holidays:0"] = "2026-02-30" });
        });
        Assert.Contains("Huiqi:Workflow:Holidays:0", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-22T16:30:00Z", "2026-11-22T17:00:00Z")] // 00:30 in China: 01:00 the same day
    [InlineData("2026-11-22T17:00:00Z", "2026-11-23T17:00:00Z")] // exactly 01:00: the next day's
    [InlineData("2026-11-23T02:00:00Z", "2026-11-23T17:00:00Z")] // 10:00 in China: tomorrow 01:00
    [InlineData("2026-12-31T16:59:59Z", "2026-12-31T17:00:00Z")] // a second before 01:00 on New Year's Day
    public void The_daily_run_is_at_one_oclock_china_time(string now, string expected)
    {
        var next = EntitlementScheduler.NextDailyRun(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), new TimeOnly(1, 0));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
        Assert.Equal(Dates.ChinaOffset, next.Offset);
    }
}
