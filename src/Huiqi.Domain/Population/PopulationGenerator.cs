using Huiqi.Domain.Common;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Population;

/// <summary>
/// A synthetic, reproducible population of enterprises shaped after the seed documents (Lanzhou): tech domains of
/// the high-tech firms as in 002 (电子信息 37.6%, 高技术服务 23.6%, 先进制造 11.3%, 新材料 8.2%, …), revenue bands
/// (62% under 2,000万, 17.3% 2,000万–5,000万, …), mostly private small firms, and a realistic share of absent
/// fields. Shared by the CLI, the tests and the benchmarks.
/// </summary>
public sealed class PopulationGenerator(int seed = 20261123)
{
    private static readonly (string Code, double Weight)[] RegionWeights =
    [
        ("620102", 30), ("620103", 14), ("620104", 9), ("620105", 12), ("620111", 3), ("620121", 3), ("620122", 2),
        ("620123", 5), ("620171", 12), ("620402", 4), ("620500", 3), ("620200", 2), ("620800", 1),
    ];

    private static readonly (string Code, double Weight)[] IndustryWeights =
    [
        ("I6510", 12), ("I6531", 6), ("I64", 5), ("C3911", 4), ("C39", 5), ("M73", 6), ("M74", 5), ("M75", 6), ("C2710", 2),
        ("C2720", 2), ("C2740", 2), ("C26", 4), ("C30", 5), ("C31", 4), ("C32", 3), ("C35", 5), ("C34", 4), ("C38", 3), ("C13", 5),
        ("C14", 3), ("F51", 6), ("F52", 4), ("E47", 3), ("D44", 2), ("L", 3), ("H", 2),
    ];

    // 002: the 797 high-tech firms of Lanzhou by domain.
    private static readonly (string Code, double Weight)[] TechDomainWeights =
    [
        ("electronic_info", 37.6), ("high_tech_services", 23.6), ("advanced_manufacturing", 11.3), ("new_materials", 8.2),
        ("biomedicine", 7.0), ("resources_environment", 6.0), ("new_energy", 5.4), ("aerospace", 0.9),
    ];

    // 002: revenue bands of the high-tech firms, in 万元.
    private static readonly (long LowWan, long HighWan, double Weight)[] RevenueBands =
    [
        (5, 2000, 62.0), (2000, 5000, 17.3), (5000, 10000, 8.7), (10000, 20000, 5.1), (20000, 40000, 2.5), (40000, 200000, 4.4),
    ];

    private static readonly string[] Tags = ["外贸", "首次入规", "规上企业", "新开办", "小微企业", "稳岗", "数字化转型", "绿色工厂", "科技贷", "高企重新认定"];
    private static readonly string[] NameWords = ["金城", "陇原", "黄河", "丝路", "敦煌", "祁连", "兰新", "皋兰", "西部", "飞天", "宏达", "恒信", "瑞丰", "天润", "华源", "中科", "新星", "博远", "正和", "鑫泰"];
    private static readonly string[] NameTrades = ["信息技术", "软件", "电子科技", "生物医药", "新材料", "智能装备", "环保科技", "能源", "商贸", "食品", "建材", "化工", "数据服务", "检测技术", "航天科技"];
    private const string UsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    public IEnumerable<EnterpriseProfile> Generate(int count, DateOnly? asOf = null)
    {
        var today = asOf ?? new DateOnly(2026, 11, 23);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            yield return Next(random, i, today);
        }
    }

    private static EnterpriseProfile Next(Random random, int ordinal, DateOnly today)
    {
        var region = Pick(random, RegionWeights);
        var isHighTech = random.NextDouble() < 0.22;
        var (lowWan, highWan, _) = PickBand(random);
        var revenue = (long)((lowWan + random.NextDouble() * (highWan - lowWan)) * 1_000_000);
        var employees = Math.Max(1, (long)(revenue / 1_000_000 / (8 + random.NextDouble() * 40)) + random.Next(0, 12));
        var established = today.AddDays(-(int)(Math.Pow(random.NextDouble(), 1.6) * 36 * 365) - 1);
        var rdRatio = isHighTech ? 0.03 + random.NextDouble() * 0.12 : random.NextDouble() * 0.04;

        return new EnterpriseProfile
        {
            Uscc = MakeUscc(region, ordinal),
            Name = Maybe(random, 0.01, () => $"兰州{Pick(random, NameWords)}{Pick(random, NameTrades)}有限公司"),
            Region = Maybe(random, 0.02, () => region),
            Zone = Maybe(random, 0.02, () => ZoneOf(random, region)),
            Industry = Maybe(random, 0.05, () => Pick(random, IndustryWeights)),
            TechDomains = MaybeSet(random, 0.15, () => isHighTech ? [Pick(random, TechDomainWeights)] : []),
            Scale = Maybe(random, 0.08, () => employees < 10 ? "micro" : employees < 100 ? "small" : employees < 300 ? "medium" : "large"),
            Ownership = Maybe(random, 0.10, () => Pick(random, [("private", 85.0), ("state", 6.0), ("foreign", 3.0), ("collective", 2.0), ("other", 4.0)])),
            EstablishedOn = random.NextDouble() < 0.03 ? null : established,
            Employees = random.NextDouble() < 0.05 ? null : employees,
            AnnualRevenue = random.NextDouble() < 0.10 ? null : revenue,
            RdExpense = random.NextDouble() < 0.20 ? null : (long)(revenue * rdRatio),
            TaxCredit = Maybe(random, 0.15, () => Pick(random, [("A", 30.0), ("B", 45.0), ("M", 15.0), ("C", 7.0), ("D", 3.0)])),
            Dishonest = random.NextDouble() < 0.10 ? null : random.NextDouble() < 0.01,
            ListingBoard = random.NextDouble() < 0.006 ? Pick(random, [("neeq", 70.0), ("main", 10.0), ("chinext", 8.0), ("star", 6.0), ("bse", 6.0)]) : null,
            Certifications = random.NextDouble() < 0.15 ? null : (EquatableArray<Certification>?)Certifications(random, today, isHighTech),
            Tags = MaybeSet(random, 0.30, () => [.. Tags.Where(_ => random.NextDouble() < 0.08)]),
        };
    }

    private static EquatableArray<Certification> Certifications(Random random, DateOnly today, bool isHighTech)
    {
        var held = new List<Certification>();
        void Maybe(double chance, string kind, string? level, int validYears)
        {
            if (random.NextDouble() < chance)
            {
                var obtained = today.AddDays(-random.Next(0, validYears * 365 + 200));
                held.Add(new Certification(kind, level, obtained, validYears > 0 ? obtained.AddYears(validYears) : null));
            }
        }

        Maybe(isHighTech ? 0.55 : 0.0, "high_tech", "national", 3);
        Maybe(isHighTech ? 0.40 : 0.10, "tech_sme", "national", 1);
        Maybe(0.05, "innovative_sme", "provincial", 3);
        Maybe(isHighTech ? 0.10 : 0.02, "srdi", "provincial", 3);
        Maybe(isHighTech ? 0.015 : 0.001, "little_giant", "national", 3);
        Maybe(isHighTech ? 0.20 : 0.02, "prov_tech_innovative", "provincial", 0);
        return new EquatableArray<Certification>([.. held]);
    }

    private static string ZoneOf(Random random, string region) => region switch
    {
        "620171" => "lanzhou-new-area",
        "620105" or "620102" when random.NextDouble() < 0.35 => "lanzhou-hitech",
        "620104" or "620103" when random.NextDouble() < 0.25 => "lanzhou-econ",
        _ => random.NextDouble() < 0.05 ? "lanzhou-hitech" : "none",
    };

    /// <summary>A valid, unique USCC: 9 (enterprise) 1 (company) + region + a 9-character code from the ordinal + check.</summary>
    public static string MakeUscc(string region, int ordinal)
    {
        Span<char> organisation = stackalloc char[9];
        var n = (long)ordinal;
        for (var i = 8; i >= 0; i--)
        {
            organisation[i] = UsccAlphabet[(int)(n % 31)];
            n /= 31;
        }

        return Uscc.Complete($"91{region}{organisation}");
    }

    private static T Pick<T>(Random random, (T Value, double Weight)[] weights)
    {
        var total = weights.Sum(w => w.Weight);
        var x = random.NextDouble() * total;
        foreach (var (value, weight) in weights)
        {
            x -= weight;
            if (x < 0)
            {
                return value;
            }
        }

        return weights[^1].Value;
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static (long, long, double) PickBand(Random random)
    {
        var x = random.NextDouble() * RevenueBands.Sum(b => b.Weight);
        foreach (var band in RevenueBands)
        {
            x -= band.Weight;
            if (x < 0)
            {
                return band;
            }
        }

        return RevenueBands[^1];
    }

    private static string? Maybe(Random random, double absent, Func<string> value) => random.NextDouble() < absent ? null : value();

    private static EquatableArray<string>? MaybeSet(Random random, double absent, Func<string[]> value) =>
        random.NextDouble() < absent ? null : (EquatableArray<string>?)new EquatableArray<string>(value());
}
