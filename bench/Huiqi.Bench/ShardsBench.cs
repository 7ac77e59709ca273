using System.Diagnostics;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;

namespace Huiqi.Bench;

/// <summary>
/// `-- shards [count]`: the sharding plan of docs/scaling.md simulated in one process. The population is split into two
/// shards of whole counties by the region code inside the USCC (characters 3–8: what a gateway reads from a token, no
/// lookup); each shard gets its own <see cref="EligibilityIndex"/> with the same policies. It checks that the plan's
/// arithmetic holds — an enterprise's answer from its shard equals the answer from one index over everyone, and every
/// policy's counts and money over the two shards add up to the whole — and prints what each shard costs beside the
/// whole: bytes, build time, one policy, one enterprise's answer. Exits 1 on any disagreement.
/// </summary>
internal static class ShardsBench
{
    public static int Run(int size)
    {
        Console.WriteLine($"machine={Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        var policies = Workload.Policies();
        var population = new PopulationGenerator().Generate(size).ToList();
        static int ShardOf(string uscc) => int.Parse(uscc.AsSpan(2, 6)) % 2; // counties with an even code / an odd one
        Console.WriteLine($"enterprises={size} policies={policies.Count} shard_rule=USCC region code (chars 3-8) even/odd, whole counties");

        var whole = Built(population, policies, "whole");
        var shards = new EligibilityIndex[2];
        for (var s = 0; s < 2; s++)
        {
            var shard = s;
            shards[s] = Built(population.Where(p => ShardOf(p.Uscc) == shard).ToList(), policies, $"shard_{s}");
        }

        population = null; // only the indexes from here on
        var disagreements = 0;
        long eligiblePairs = 0;
        foreach (var policy in whole.Policies)
        {
            using var all = whole.MatchPolicy(policy, Workload.AsOf);
            using var a = shards[0].MatchPolicy(policy, Workload.AsOf);
            using var b = shards[1].MatchPolicy(policy, Workload.AsOf);
            if ((all.EligibleCount, all.IneligibleCount, all.UnknownCount, all.ExcludedCount, all.TotalAmountFen)
                != (a.EligibleCount + b.EligibleCount, a.IneligibleCount + b.IneligibleCount, a.UnknownCount + b.UnknownCount,
                    a.ExcludedCount + b.ExcludedCount, a.TotalAmountFen + b.TotalAmountFen))
            {
                disagreements++;
                Console.WriteLine($"DISAGREE policy {policy.Id}: whole {all.EligibleCount}/{all.TotalAmountFen} vs shards {a.EligibleCount + b.EligibleCount}/{a.TotalAmountFen + b.TotalAmountFen}");
            }

            eligiblePairs += all.EligibleCount;
        }

        Console.WriteLine($"policies_summed={whole.Policies.Count} eligible_pairs={eligiblePairs} policy_disagreements={disagreements}");

        // Enterprises in both shards, answered by their shard and by the whole.
        var sample = new PopulationGenerator().Generate(Math.Min(size, 200_000)).Where((_, i) => i % 100 == 0).Select(p => p.Uscc).ToList();
        var answerDisagreements = 0;
        foreach (var uscc in sample)
        {
            var fromWhole = Flatten(whole.AnswerEnterprise(uscc, Workload.AsOf));
            var fromShard = Flatten(shards[ShardOf(uscc)].AnswerEnterprise(uscc, Workload.AsOf));
            if (!fromWhole.SequenceEqual(fromShard))
            {
                answerDisagreements++;
                if (answerDisagreements <= 3)
                {
                    Console.WriteLine($"DISAGREE enterprise {uscc}: {fromWhole.Count} answers from the whole, {fromShard.Count} from its shard");
                }
            }
        }

        Console.WriteLine($"enterprises_compared={sample.Count} answer_disagreements={answerDisagreements}");

        var measured = Workload.Measured(policies);
        Console.WriteLine($"policy_over_whole_ms={Median(() => { using var r = whole.MatchPolicy(measured, Workload.AsOf); }):0.000} " +
                          $"policy_over_shard_0_ms={Median(() => { using var r = shards[0].MatchPolicy(measured, Workload.AsOf); }):0.000} " +
                          $"policy_over_shard_1_ms={Median(() => { using var r = shards[1].MatchPolicy(measured, Workload.AsOf); }):0.000}");
        var probe = sample.Take(500).ToList();
        double PerAnswerUs(Func<string, EligibilityIndex> indexOf) => Median(() =>
        {
            foreach (var uscc in probe)
            {
                GC.KeepAlive(indexOf(uscc).AnswerEnterprise(uscc, Workload.AsOf)?.Page(0, 20));
            }
        }) * 1000 / probe.Count;
        Console.WriteLine($"enterprise_answer_whole_us={PerAnswerUs(_ => whole):0.0} enterprise_answer_shard_us={PerAnswerUs(u => shards[ShardOf(u)]):0.0}");
        var ok = disagreements == 0 && answerDisagreements == 0;
        Console.WriteLine(ok ? "agree=true" : "agree=false");
        return ok ? 0 : 1;
    }

    private static EligibilityIndex Built(List<Huiqi.Domain.Profiles.EnterpriseProfile> profiles, List<Huiqi.Domain.Policies.Policy> policies, string name)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var index = EligibilityIndex.Build(profiles, policies);
        var seconds = watch.Elapsed.TotalSeconds;
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"{name}: enterprises={index.Count} build_s={seconds:0.00} index_mb={bytes / 1e6:0.0} bytes_per_enterprise={bytes / (double)Math.Max(1, index.Count):0}");
        return index;
    }

    private static List<(string, Huiqi.Domain.Evaluation.EligibilityStatus, long?)> Flatten(RankedAnswers? answers) =>
        answers is null ? [] : [.. answers.Page(0, answers.Count).Select(x => (x.Answer.PolicyId, x.Answer.Status, x.Answer.AmountFen))];

    private static double Median(Action action)
    {
        action();
        var times = new double[15];
        for (var i = 0; i < times.Length; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }
}
