namespace Huiqi.Backend.Entitlements;

/// <summary>Bound from <c>Huiqi:Workflow</c>.</summary>
public sealed record WorkflowOptions
{
    /// <summary>公示 length in working days (weekends and <see cref="Holidays"/> skipped).</summary>
    public int PublicityWorkingDays { get; init; } = 5;

    /// <summary>Public holidays (YYYY-MM-DD) that do not count as working days.</summary>
    public string[] Holidays { get; init; } = [];

    /// <summary>How often every published policy is re-matched (dates move: certifications expire, firms age).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How often 公示 periods are started and ended.</summary>
    public TimeSpan PublicityInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Steps per store transaction.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>More changed enterprises than this at once are handled by re-matching every policy (bitsets) instead of one by one.</summary>
    public int BulkThreshold { get; init; } = 500;

    /// <summary>Off: no entitlements are created automatically (tools that only read).</summary>
    public bool Enabled { get; init; } = true;
}
