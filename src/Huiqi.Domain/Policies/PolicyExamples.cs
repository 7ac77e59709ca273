using Huiqi.Domain.Evaluation;

namespace Huiqi.Domain.Policies;

/// <summary>One example whose outcome differs from what it expects.</summary>
public sealed record ExampleFailure(int Index, string Name, EligibilityStatus Expected, EligibilityStatus Actual, long? ExpectedAmountFen, long? ActualAmountFen)
{
    /// <summary>zh-CN, for the officer who publishes.</summary>
    public string Message =>
        Expected != Actual
            ? $"示例“{Name}”预期{StatusText(Expected)}，实际为{StatusText(Actual)}"
            : $"示例“{Name}”预期金额 {Explanation.Money.Format(ExpectedAmountFen ?? 0)}，实际为{(ActualAmountFen is { } a ? " " + Explanation.Money.Format(a) : "未知")}";

    private static string StatusText(EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => "符合",
        EligibilityStatus.Ineligible => "不符合",
        EligibilityStatus.Unknown => "无法判断",
        _ => "被同组政策排除",
    };
}

/// <summary>Rules as code: a policy's examples run against the policy alone (exclusion groups need other policies, so an example can expect excluded only through them).</summary>
public static class PolicyExamples
{
    public static IReadOnlyList<ExampleFailure> Run(Policy policy)
    {
        var failures = new List<ExampleFailure>();
        for (var i = 0; i < policy.Examples.Count; i++)
        {
            var example = policy.Examples[i];
            var answer = PolicyEvaluator.Evaluate(policy, example.Profile, example.AsOf);
            var amountWrong = example.AmountFen is not null && answer.AmountFen != example.AmountFen;
            if (answer.Status != example.Expect || amountWrong)
            {
                failures.Add(new ExampleFailure(i, string.IsNullOrEmpty(example.Name) ? $"examples[{i}]" : example.Name,
                    example.Expect, answer.Status, example.AmountFen, answer.AmountFen));
            }
        }

        return failures;
    }
}
