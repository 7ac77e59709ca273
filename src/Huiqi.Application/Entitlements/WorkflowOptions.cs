using System.Globalization;
using Huiqi.Domain.Common;

namespace Huiqi.Application.Entitlements;

/// <summary>Bound from <c>Huiqi:Workflow</c>; checked at start-up (<see cref="Validate"/>).</summary>
public sealed record WorkflowOptions
{
    /// <summary>公示 length in working days (weekends and <see cref="Holidays"/> skipped, <see cref="MakeUpWorkdays"/> counted).</summary>
    public int PublicityWorkingDays { get; init; } = 5;

    /// <summary>Public holidays (YYYY-MM-DD) that do not count as working days.</summary>
    public string[] Holidays { get; init; } = [];

    /// <summary>调休: weekend days (YYYY-MM-DD) announced as working days; they count.</summary>
    public string[] MakeUpWorkdays { get; init; } = [];

    /// <summary>The time of day, China Standard Time, of the daily pass over every policy in force (dates move: certifications expire, firms age).</summary>
    public TimeOnly DailyRunAt { get; init; } = new(1, 0);

    /// <summary>How often 公示 periods are started and ended.</summary>
    public TimeSpan PublicityInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Steps per store transaction.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>More changed enterprises than this at once are handled by re-matching every policy (bitsets) instead of one by one.</summary>
    public int BulkThreshold { get; init; } = 500;

    /// <summary>Off: no entitlements are created automatically (tools that only read).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The working-day calendar these options describe.</summary>
    public WorkingDays Calendar() => new(ParsedDates(Holidays).ToHashSet(), ParsedDates(MakeUpWorkdays).ToHashSet());

    /// <summary>Every problem with the configuration, each naming its key; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckDates(Holidays, nameof(Holidays), problems);
        CheckDates(MakeUpWorkdays, nameof(MakeUpWorkdays), problems);
        foreach (var both in ParsedDates(Holidays).Intersect(ParsedDates(MakeUpWorkdays)))
        {
            problems.Add($"Huiqi:Workflow: {Dates.Format(both)} is both a holiday and a make-up workday.");
        }

        if (PublicityWorkingDays is < 0 or > 60) { problems.Add("Huiqi:Workflow:PublicityWorkingDays must be between 0 and 60."); }
        if (PublicityInterval <= TimeSpan.Zero) { problems.Add("Huiqi:Workflow:PublicityInterval must be positive."); }
        if (BatchSize < 1) { problems.Add("Huiqi:Workflow:BatchSize must be at least 1."); }
        if (BulkThreshold < 1) { problems.Add("Huiqi:Workflow:BulkThreshold must be at least 1."); }
        return problems;
    }

    private static void CheckDates(string[] values, string key, List<string> problems)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!DateOnly.TryParseExact(values[i], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                problems.Add($"Huiqi:Workflow:{key}:{i} is \"{values[i]}\", not a date (YYYY-MM-DD).");
            }
        }
    }

    private static IEnumerable<DateOnly> ParsedDates(string[] values) =>
        values.Select(v => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : (DateOnly?)null)
            .OfType<DateOnly>();
}
