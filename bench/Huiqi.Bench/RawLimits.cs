using System.Numerics;

namespace Huiqi.Bench;

/// <summary>
/// The machine's limits the engine's figures are read against (issue: wave 2, 6 of 7), measured in the same run:
/// what a policy over the population and an enterprise over the policies would cost if nothing but the arithmetic
/// were left. Not a product path — a probe, so that each figure has its ratio on this (shared, noisy) machine.
/// </summary>
internal static class RawLimits
{
    /// <summary>Five precomputed bitsets of <paramref name="slots"/> bits ANDed word by word and counted: a policy of five
    /// conditions whose leaves cost nothing.</summary>
    public static Func<long> BitsetProbe(int slots)
    {
        var words = (slots + 63) / 64;
        var random = new Random(42);
        var sets = Enumerable.Range(0, 5).Select(_ =>
        {
            var set = new ulong[words];
            for (var w = 0; w < words; w++) { set[w] = (ulong)random.NextInt64() | (ulong)random.NextInt64(); } // ~75 % density
            return set;
        }).ToArray();
        return () =>
        {
            long count = 0;
            var (a, b, c, d, e) = (sets[0], sets[1], sets[2], sets[3], sets[4]);
            for (var w = 0; w < words; w++)
            {
                count += BitOperations.PopCount(a[w] & b[w] & c[w] & d[w] & e[w]);
            }

            return count;
        };
    }

    /// <summary>One row of 16 numeric codes against <paramref name="policies"/> policies of 8 range predicates each, in a
    /// flat loop without branches: an enterprise's answer whose conditions cost nothing but a compare.</summary>
    public static Func<int> EnterpriseProbe(int policies)
    {
        var random = new Random(7);
        var field = new int[policies * 8];
        var lo = new long[policies * 8];
        var span = new ulong[policies * 8];
        for (var i = 0; i < field.Length; i++)
        {
            field[i] = random.Next(16);
            lo[i] = random.Next(0, 500);
            span[i] = (ulong)random.Next(0, 1000);
        }

        var row = Enumerable.Range(0, 16).Select(_ => (long)random.Next(0, 1000)).ToArray();
        return () =>
        {
            var eligible = 0;
            for (var p = 0; p < policies; p++)
            {
                var ok = true;
                for (var k = p * 8; k < p * 8 + 8; k++)
                {
                    ok &= (ulong)(row[field[k]] - lo[k]) <= span[k];
                }

                eligible += ok ? 1 : 0;
            }

            return eligible;
        };
    }
}
