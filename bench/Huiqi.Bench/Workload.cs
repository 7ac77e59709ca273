using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;

namespace Huiqi.Bench;

/// <summary>The benchmark workload: the synthetic population and 1,000 typical in-force policies (some in exclusion groups).</summary>
internal static class Workload
{
    public static readonly DateOnly AsOf = new(2026, 11, 23);

    public static List<Policy> Policies(int count = 1000)
    {
        var generator = new PolicyGenerator(1000);
        return Enumerable.Range(0, count)
            .Select(i => generator.Typical($"policy-{i:D4}") with { ExclusionGroup = i % 10 == 0 ? $"group-{i % 30}" : null })
            .ToList();
    }

    /// <summary>The policy timed on its own: an `all` of 8 conditions of the usual kinds.</summary>
    public static Policy Measured(List<Policy> policies) =>
        policies.First(p => p.Criteria is Huiqi.Domain.Criteria.AllOf { Children.Count: 8 } && p.ExclusionGroup is null);
}
