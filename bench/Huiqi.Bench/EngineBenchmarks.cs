using BenchmarkDotNet.Attributes;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;

namespace Huiqi.Bench;

/// <summary>BenchmarkDotNet view of the same figures: `dotnet run -c Release --project bench/Huiqi.Bench -- --filter *`.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private EligibilityIndex _index = null!;
    private EnterpriseProfile[] _profiles = null!;
    private Policy _policy = null!;
    private string _uscc = "";

    [Params(1_000_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var policies = Workload.Policies();
        _profiles = new PopulationGenerator().Generate(Size).ToArray();
        _index = EligibilityIndex.Build(_profiles, policies);
        _policy = Workload.Measured(policies);
        _uscc = _profiles[Size / 2].Uscc;
    }

    [Benchmark(Description = "one policy over the index")]
    public long PolicyOverIndex()
    {
        using var result = _index.MatchPolicy(_policy, Workload.AsOf);
        return result.EligibleCount;
    }

    [Benchmark(Description = "one policy as a loop over profiles")]
    public long PolicyAsLoop()
    {
        long eligible = 0;
        foreach (var profile in _profiles)
        {
            if (CriteriaEvaluator.Evaluate(_policy.Criteria, profile, Workload.AsOf) == Truth.True)
            {
                eligible++;
            }
        }

        return eligible;
    }

    [Benchmark(Description = "one enterprise over 1,000 policies")]
    public int EnterpriseOverPolicies() => _index.MatchEnterprise(_uscc, Workload.AsOf)!.Count;
}
