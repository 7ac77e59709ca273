namespace Huiqi.Domain.Evaluation;

/// <summary>
/// 就高不重复 (ELIGIBILITY.md §5.2): among the eligible answers that share an exclusion group, the highest amount
/// wins (a known amount beats an unknown one; a tie goes to the smaller policy id, ordinal); each other one
/// becomes excluded, with excludedBy = the winner's id.
/// </summary>
public static class ExclusionGroups
{
    /// <param name="groupAt">The exclusion group of the i-th answer's policy (null: none).</param>
    public static IReadOnlyList<PolicyAnswer> Resolve(IReadOnlyList<PolicyAnswer> answers, Func<int, string?> groupAt)
    {
        var winners = new Dictionary<string, PolicyAnswer>(StringComparer.Ordinal);
        for (var i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            if (answer.Status != EligibilityStatus.Eligible || groupAt(i) is not { } group)
            {
                continue;
            }

            if (!winners.TryGetValue(group, out var best) || Beats(answer.PolicyId, answer.AmountFen, best.PolicyId, best.AmountFen))
            {
                winners[group] = answer;
            }
        }

        if (winners.Count == 0)
        {
            return answers;
        }

        var resolved = new PolicyAnswer[answers.Count];
        for (var i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            resolved[i] = answer.Status == EligibilityStatus.Eligible
                && groupAt(i) is { } group
                && winners[group].PolicyId != answer.PolicyId
                    ? answer with { Status = EligibilityStatus.Excluded, ExcludedBy = winners[group].PolicyId }
                    : answer;
        }

        return resolved;
    }

    /// <summary>Whether policy a (with amount a) ranks above policy b (with amount b) in one exclusion group.</summary>
    public static bool Beats(string aId, long? aAmount, string bId, long? bAmount) => (aAmount, bAmount) switch
    {
        ({ } x, { } y) when x != y => x > y,
        ({ }, null) => true,
        (null, { }) => false,
        _ => string.CompareOrdinal(aId, bId) < 0,
    };
}
