using System.Diagnostics;
using System.Runtime.InteropServices;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Text;

namespace Huiqi.Bench;

/// <summary>`dotnet run -c Release --project bench/Huiqi.Bench -- quick [size]`: the engine's figures as name=value lines.</summary>
internal static class QuickBench
{
    public static void Run(int size)
    {
        Print("machine", $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Print("enterprises", size);
        var policies = Workload.Policies();
        Print("policies", policies.Count);

        // Build the index straight from the generator, so that the heap grows by the index alone.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var index = EligibilityIndex.Build(new PopulationGenerator().Generate(size), policies);
        var buildSeconds = watch.Elapsed.TotalSeconds;
        index.OrderAllBuckets(); // counted: every range bucket's value order, as a long-running instance has them
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Print("index_build_1m_s", buildSeconds.ToString("0.00"));
        Print("index_bytes_per_enterprise", ((after - before) / (double)size).ToString("0"));
        Print("index_array_bytes_per_enterprise", (index.EstimatedBytes / (double)size).ToString("0"));

        var policy = Workload.Measured(policies);
        Print("measured_policy", CriteriaText.Print(policy.Criteria));
        using (var warm = index.MatchPolicy(policy, Workload.AsOf))
        {
            Print("measured_policy_eligible", warm.EligibleCount);
            Print("measured_policy_unknown", warm.UnknownCount);
        }

        var policyMs = Median(30, () =>
        {
            using var result = index.MatchPolicy(policy, Workload.AsOf);
            GC.KeepAlive(result.EligibleCount);
        }, warmups: Steady);
        Print("policy_over_1m_ms", policyMs.ToString("0.000"));
        var bitsetProbe = RawLimits.BitsetProbe(size);
        var rawBitsetMs = Median(30, () => GC.KeepAlive(bitsetProbe()), warmups: Steady);
        Print("raw_bitset_limit_ms", rawBitsetMs.ToString("0.000"));
        Print("policy_over_1m_ratio_to_raw", (policyMs / rawBitsetMs).ToString("0.0"));

        // Each condition of the measured policy on its own, to see where the time goes.
        var conditions = ((Huiqi.Domain.Criteria.AllOf)policy.Criteria).Children;
        for (var i = 0; i < conditions.Count; i++)
        {
            var single = policy with { Criteria = conditions[i] };
            var ms = Median(15, () =>
            {
                using var result = index.MatchPolicy(single, Workload.AsOf);
                GC.KeepAlive(result.EligibleCount);
            }, warmups: Steady);
            Print($"condition_{i}_ms", $"{ms:0.000}  # {CriteriaText.Print(conditions[i])}");
        }

        // A dry run as EligibilityService.DryRun does it: the match, then the breakdowns by region and tech domain.
        var dryRunMs = Median(15, () =>
        {
            using var result = index.MatchPolicy(policy, Workload.AsOf);
            GC.KeepAlive(index.Breakdown(result, policy, Workload.AsOf, Huiqi.Domain.Criteria.FieldCatalog.Region));
            GC.KeepAlive(index.Breakdown(result, policy, Workload.AsOf, Huiqi.Domain.Criteria.FieldCatalog.TechDomains));
        }, warmups: Steady);
        Print("dry_run_1m_ms", dryRunMs.ToString("0.00"));

        // The console's questions beyond the counts: the measured policy with its missing fields, and a policy of an
        // exclusion group with its rivals resolved in the same pass.
        Print("missing_fields_1m_ms", Median(15, () =>
        {
            using var result = index.MatchPolicy(policy, Workload.AsOf, withMissingFields: true);
            GC.KeepAlive(result.UnknownCount);
        }, warmups: Steady).ToString("0.00"));
        var grouped = policies.First(p => p.ExclusionGroup is not null);
        Print("grouped_policy_rivals", policies.Count(p => p.ExclusionGroup == grouped.ExclusionGroup) - 1);
        Print("grouped_policy_1m_ms", Median(15, () =>
        {
            using var result = index.MatchPolicy(grouped, Workload.AsOf);
            GC.KeepAlive(result.EligibleCount);
        }, warmups: Steady).ToString("0.00"));

        // Version comparison (POST /v1/policies/{id}/compare): the measured policy against a version without its first
        // condition (gains), then against one with another fixed amount (every common enterprise changes amount).
        var looser = policy with { Criteria = new Huiqi.Domain.Criteria.AllOf(conditions.Skip(1).ToArray()) };
        var richer = policy with { Benefit = new Huiqi.Domain.Benefits.FixedBenefit(123_456_00) };
        GC.KeepAlive(index.Compare(policy, looser, Workload.AsOf));
        Print("compare_1m_ms", Median(15, () => GC.KeepAlive(index.Compare(policy, looser, Workload.AsOf)), warmups: Steady).ToString("0.00"));
        Print("compare_amounts_1m_ms", Median(15, () => GC.KeepAlive(index.Compare(policy, richer, Workload.AsOf)), warmups: Steady).ToString("0.00"));

        // Static checks (POST /v1/policies/check) of a 20-condition policy with 12 examples.
        var generator = new PolicyGenerator(7);
        var twenty = policy with
        {
            Criteria = new Huiqi.Domain.Criteria.AllOf([.. Enumerable.Range(0, 20).Select(i => i < conditions.Count ? conditions[i] : generator.Criterion(1))]),
            Examples = new Huiqi.Domain.Common.EquatableArray<Huiqi.Domain.Policies.PolicyExample>([.. new PopulationGenerator(5).Generate(12, Workload.AsOf)
                .Select((p, i) => new Huiqi.Domain.Policies.PolicyExample($"e{i}", p, Workload.AsOf, EligibilityStatus.Ineligible))]),
        };
        Print("check_20_conditions_ms", Median(50, () => GC.KeepAlive(Huiqi.Domain.Policies.PolicyChecks.Run(twenty, Workload.AsOf))).ToString("0.000"));

        var profiles = new PopulationGenerator().Generate(size).ToArray();
        long eligible = 0;
        var loopMs = Median(5, () =>
        {
            eligible = 0;
            foreach (var profile in profiles)
            {
                if (CriteriaEvaluator.Evaluate(policy.Criteria, profile, Workload.AsOf) == Truth.True)
                {
                    eligible++;
                }
            }
        });
        Print("loop_over_1m_ms", loopMs.ToString("0.0"));
        Print("loop_eligible", eligible);
        Print("speedup_vs_loop", (loopMs / policyMs).ToString("0.0"));

        var random = new Random(1);
        var sample = Enumerable.Range(0, 2000).Select(_ => profiles[random.Next(profiles.Length)].Uscc).ToArray();
        // Median of several passes over the sample after a warm-up long enough for tiered JIT to settle.
        var perEnterpriseUs = Median(7, () =>
        {
            foreach (var uscc in sample)
            {
                GC.KeepAlive(index.MatchEnterprise(uscc, Workload.AsOf));
            }
        }, warmups: 5) * 1000 / sample.Length;
        Print("enterprise_over_1k_policies_us", perEnterpriseUs.ToString("0.0"));
        var enterpriseProbe = RawLimits.EnterpriseProbe(policies.Count);
        var rawEnterpriseUs = Median(7, () => { for (var i = 0; i < 2000; i++) { GC.KeepAlive(enterpriseProbe()); } }, warmups: 3) * 1000 / 2000;
        Print("raw_enterprise_limit_us", rawEnterpriseUs.ToString("0.0"));
        Print("enterprise_over_1k_policies_ratio_to_raw", (perEnterpriseUs / rawEnterpriseUs).ToString("0.0"));

        var readUs = Median(7, () =>
        {
            foreach (var uscc in sample)
            {
                GC.KeepAlive(index.GetProfile(uscc));
            }
        }, warmups: 3) * 1000 / sample.Length;
        Print("enterprise_profile_read_us", readUs.ToString("0.0"));

        // TRUST.md §3 with claims in the population: one enterprise in fifty declared its R&D expense and its
        // certifications itself, two fields the measured policy reads (the figures above are for feeds only).
        string[] claimed = [Huiqi.Domain.Criteria.FieldCatalog.RdExpense, Huiqi.Domain.Criteria.FieldCatalog.Certifications];
        var claimants = new List<string>();
        for (var i = 0; i < profiles.Length; i += 50)
        {
            index.Upsert(profiles[i], claimed);
            claimants.Add(profiles[i].Uscc);
        }

        Print("claimants", claimants.Count);
        using (var warm = index.MatchPolicy(policy, Workload.AsOf))
        {
            Print("measured_policy_self_declared", warm.SelfDeclaredCount);
        }

        var claimsPolicyMs = Median(30, () =>
        {
            using var result = index.MatchPolicy(policy, Workload.AsOf);
            GC.KeepAlive(result.EligibleCount);
        }, warmups: Steady);
        Print("policy_over_1m_with_claims_ms", claimsPolicyMs.ToString("0.000"));
        var claimsPerEnterpriseUs = Median(7, () =>
        {
            foreach (var uscc in sample)
            {
                GC.KeepAlive(index.MatchEnterprise(uscc, Workload.AsOf));
            }
        }, warmups: 3) * 1000 / sample.Length;
        Print("enterprise_over_1k_policies_with_claims_us", claimsPerEnterpriseUs.ToString("0.0"));
        var claimantSample = claimants.Take(2000).ToArray();
        var claimantUs = Median(7, () =>
        {
            foreach (var uscc in claimantSample)
            {
                GC.KeepAlive(index.MatchEnterprise(uscc, Workload.AsOf));
            }
        }, warmups: 3) * 1000 / claimantSample.Length;
        Print("claimant_over_1k_policies_us", claimantUs.ToString("0.0"));
        GC.KeepAlive(profiles);
    }

    /// <summary>
    /// Warm-up before a timed figure of the whole population: at least this many calls and half a second, past the
    /// JIT's tiering (30 calls, counted only after 100 ms without new tier-0 code, then compiled in the background), so
    /// that the steady cost a running server pays is timed, not the first calls of a fresh process (docs/benchmarks.md).
    /// </summary>
    private const int Steady = 60;

    private static double Median(int runs, Action action, int warmups = 1)
    {
        var warming = Stopwatch.StartNew();
        for (var i = 0; i < warmups || (warmups >= Steady && warming.ElapsedMilliseconds < 500); i++)
        {
            action();
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    private static void Print(string name, object value) => Console.WriteLine($"{name}={value}");
}
