using System.Diagnostics.Metrics;

namespace Huiqi.Application.Entitlements;

/// <summary>The 免申即享 steps that applied, on the platform's meter ("Huiqi", exported by the hosts' telemetry).</summary>
public static class WorkflowMetrics
{
    private static readonly Meter Meter = new("Huiqi");
    private static readonly Counter<long> WorkflowSteps = Meter.CreateCounter<long>("huiqi.workflow.steps", description: "免申即享 steps that applied, by what they recorded (entitlement.match, entitlement.revoke, …)");

    /// <summary>Counts the workflow steps that applied (one per audit record, plus messages sent on their own as <c>notification</c>).</summary>
    public static void CountWorkflowSteps(IEnumerable<string> whats)
    {
        foreach (var group in whats.GroupBy(w => w, StringComparer.Ordinal))
        {
            WorkflowSteps.Add(group.Count(), new KeyValuePair<string, object?>("what", group.Key));
        }
    }
}
