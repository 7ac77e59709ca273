using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;

namespace Huiqi.Domain.Policies;

/// <summary>One thing a policy officer should look at before publishing (a warning: publishing is still allowed).</summary>
/// <param name="Code">Stable, for programs: <c>condition.never_true</c>, <c>condition.never_false</c>, <c>all.contradiction</c>,
/// <c>any.always_true</c>, <c>examples.none</c>, <c>examples.never_true</c>, <c>examples.never_false</c>, <c>window.ended</c>,
/// <c>exclusion.overlap</c>.</param>
/// <param name="Path">Where: a criteria path as in explanations (<c>criteria.all[1]</c>), or a member (<c>effectiveTo</c>).</param>
/// <param name="Message">For people, zh-CN.</param>
public sealed record PolicyFinding(string Code, string Path, string Message);

/// <summary>
/// Static checks of a policy (docs/eligibility.md, "Checks before publishing"): conditions that can never be true or
/// never be false given the field catalogue (numbers that cannot be negative, closed code lists) and the conditions
/// beside them in the same <c>all</c> / <c>any</c>; examples that leave a condition untested either way (decision
/// coverage: each leaf seen true and false by some example); an effective window that has already ended. A reversed
/// <c>between</c> never gets here: the validator refuses it (<c>criteria.between_order</c>). Rivals that overlap in an
/// exclusion group need the population and are checked by the application core.
/// </summary>
public static class PolicyChecks
{
    /// <summary>Fields whose values cannot be negative (a count, money, a ratio).</summary>
    private static readonly HashSet<string> NonNegative = [FieldCatalog.Employees, FieldCatalog.AnnualRevenue, FieldCatalog.RdExpense, FieldCatalog.RdRatioBp];

    public static IReadOnlyList<PolicyFinding> Run(Policy policy, DateOnly today)
    {
        var findings = new List<PolicyFinding>();
        Visit(policy.Criteria, "criteria", findings);
        Examples(policy, findings);
        if (policy.EffectiveTo is { } to && to < today)
        {
            findings.Add(new("window.ended", "effectiveTo", $"执行期已于 {to:yyyy-MM-dd} 结束，发布后不会匹配任何企业"));
        }

        return findings;
    }

    private static void Visit(Criterion node, string path, List<PolicyFinding> findings)
    {
        switch (node)
        {
            case AllOf all:
                for (var i = 0; i < all.Children.Count; i++) { Visit(all.Children[i], $"{path}.all[{i}]", findings); }
                Contradictions(all, path, findings);
                break;
            case AnyOf any:
                for (var i = 0; i < any.Children.Count; i++) { Visit(any.Children[i], $"{path}.any[{i}]", findings); }
                Tautologies(any, path, findings);
                break;
            case Not not:
                Visit(not.Child, $"{path}.not", findings);
                break;
            case Predicate leaf:
                Leaf(leaf, path, findings);
                break;
        }
    }

    /// <summary>A single condition that no enterprise (with the fact present) can satisfy, or that every one does.</summary>
    private static void Leaf(Predicate leaf, string path, List<PolicyFinding> findings)
    {
        var field = FieldCatalog.Get(leaf.Field);
        if (Interval(leaf) is var (lo, hi) && Floor(field.Name) is { } floor)
        {
            if (hi < floor)
            {
                findings.Add(new("condition.never_true", path, $"{field.Label}不可能为负数，此条件永远不满足"));
            }
            else if (lo <= floor && hi == long.MaxValue)
            {
                findings.Add(new("condition.never_false", path, $"{field.Label}总是满足此条件（只要有此信息），这一条不起筛选作用"));
            }
        }

        if (field.AllowedValues is { } allowed && Values(leaf) is { } values && values.IsSupersetOf(allowed.Keys))
        {
            var everyone = leaf.Op is Op.In or Op.Eq;
            findings.Add(everyone
                ? new("condition.never_false", path, $"已列出{field.Label}的全部取值，此条件总是满足（只要有此信息）")
                : new("condition.never_true", path, $"排除了{field.Label}的全部取值，此条件永远不满足"));
        }
    }

    /// <summary>Conditions of one <c>all</c> on the same field that no value satisfies together.</summary>
    private static void Contradictions(AllOf all, string path, List<PolicyFinding> findings)
    {
        foreach (var group in all.Children.OfType<Predicate>().GroupBy(p => p.Field))
        {
            var field = FieldCatalog.Get(group.Key);
            var ranges = group.Select(Interval).OfType<(long Lo, long Hi)>().ToList();
            if (ranges.Count > 1 && ranges.Max(r => r.Lo) > ranges.Min(r => r.Hi))
            {
                findings.Add(new("all.contradiction", path, $"{field.Label}的几个条件互相矛盾，不可能同时满足，本政策永远不会有企业符合"));
            }

            var sets = group.Where(p => p.Op is Op.Eq or Op.In).Select(Values).OfType<HashSet<string>>().ToList();
            if (sets.Count > 1 && sets.Skip(1).Aggregate(new HashSet<string>(sets[0], StringComparer.Ordinal), (a, b) => { a.IntersectWith(b); return a; }).Count == 0)
            {
                findings.Add(new("all.contradiction", path, $"{field.Label}被要求同时取不同的值，本条件组永远不满足"));
            }
        }
    }

    /// <summary>Conditions of one <c>any</c> on the same number that together cover every possible value.</summary>
    private static void Tautologies(AnyOf any, string path, List<PolicyFinding> findings)
    {
        foreach (var group in any.Children.OfType<Predicate>().GroupBy(p => p.Field))
        {
            var field = FieldCatalog.Get(group.Key);
            var ranges = group.Select(Interval).OfType<(long Lo, long Hi)>().OrderBy(r => r.Lo).ToList();
            if (ranges.Count < 2)
            {
                continue;
            }

            var floor = Floor(field.Name) ?? long.MinValue;
            var covered = floor == long.MinValue ? long.MinValue : floor - 1; // every value up to here is covered
            foreach (var (lo, hi) in ranges)
            {
                if (covered == long.MaxValue || (lo > covered + 1 && lo > floor))
                {
                    break;
                }

                covered = Math.Max(covered, hi);
            }

            if (covered == long.MaxValue)
            {
                findings.Add(new("any.always_true", path, $"这几个{field.Label}条件合起来覆盖了所有取值，总是满足（只要有此信息）"));
            }
        }
    }

    /// <summary>Decision coverage over the examples: each leaf seen true and seen false.</summary>
    private static void Examples(Policy policy, List<PolicyFinding> findings)
    {
        if (policy.Examples.Count == 0)
        {
            findings.Add(new("examples.none", "examples", "没有样例：发布前无法验证条件是否按本意判断"));
            return;
        }

        var seen = new Dictionary<string, (bool True, bool False, string Text)>(StringComparer.Ordinal);
        foreach (var example in policy.Examples)
        {
            foreach (var c in PolicyEvaluator.Explain(policy.Criteria, example.Profile, example.AsOf))
            {
                var (t, f, _) = seen.GetValueOrDefault(c.Path);
                seen[c.Path] = (t || c.Result == Truth.True, f || c.Result == Truth.False, FieldCatalog.LabelOf(c.Field));
            }
        }

        foreach (var (path, (t, f, label)) in seen)
        {
            if (!t)
            {
                findings.Add(new("examples.never_true", path, $"没有样例使“{label}”这一条件成立，请补充样例"));
            }

            if (!f)
            {
                findings.Add(new("examples.never_false", path, $"没有样例使“{label}”这一条件不成立，请补充样例"));
            }
        }
    }

    private static long? Floor(string field) => NonNegative.Contains(field) ? 0 : null;

    /// <summary>A numeric condition as the closed range of values it accepts; null when it is no range (ne, text).</summary>
    private static (long Lo, long Hi)? Interval(Predicate p) =>
        NumericBounds.Of(p) is var (lo, hi) ? (lo ?? long.MinValue, hi ?? long.MaxValue) : null;

    /// <summary>The codes a condition names (eq / in / ne / not_in); null otherwise.</summary>
    private static HashSet<string>? Values(Predicate p) =>
        p.Op is Op.Eq or Op.In or Op.Ne or Op.NotIn
            ? p.Values.OfType<TextOperand>().Select(v => v.Value).ToHashSet(StringComparer.Ordinal)
            : null;
}
