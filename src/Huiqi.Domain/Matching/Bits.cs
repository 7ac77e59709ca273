using System.Numerics;
using System.Runtime.InteropServices;

namespace Huiqi.Domain.Matching;

/// <summary>Bitset primitives over <c>ulong</c> words (bit i of the set is bit i%64 of word i/64), vectorised.</summary>
public static class Bits
{
    public static int WordsFor(int bits) => (bits + 63) >> 6;

    public static bool Get(ReadOnlySpan<ulong> set, int bit) => (set[bit >> 6] & (1UL << bit)) != 0;

    public static void Set(Span<ulong> set, int bit) => set[bit >> 6] |= 1UL << bit;

    public static void Clear(Span<ulong> set, int bit) => set[bit >> 6] &= ~(1UL << bit);

    public static void Assign(Span<ulong> set, int bit, bool value)
    {
        if (value)
        {
            Set(set, bit);
        }
        else
        {
            Clear(set, bit);
        }
    }

    /// <summary>target &amp;= other.</summary>
    public static void And(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other[..target.Length]);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] &= o[v];
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] &= other[i];
        }
    }

    /// <summary>target |= other.</summary>
    public static void Or(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other[..target.Length]);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] |= o[v];
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] |= other[i];
        }
    }

    /// <summary>target &amp;= ~other.</summary>
    public static void AndNot(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other[..target.Length]);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] = Vector.AndNot(t[v], o[v]);
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] &= ~other[i];
        }
    }

    /// <summary>target = a &amp; ~b.</summary>
    public static void AndNotInto(Span<ulong> target, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        // One pass (a policy's pass calls this per block for every leaf): no copy of a first.
        a = a[..target.Length];
        b = b[..target.Length];
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var va = MemoryMarshal.Cast<ulong, Vector<ulong>>(a);
            var vb = MemoryMarshal.Cast<ulong, Vector<ulong>>(b);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] = Vector.AndNot(va[v], vb[v]);
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] = a[i] & ~b[i];
        }
    }

    public static long PopCount(ReadOnlySpan<ulong> set)
    {
        long count = 0;
        foreach (var word in set)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>|a ∩ b| over the first <paramref name="words"/> words, without materialising the intersection.</summary>
    public static long PopCountAnd(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int words)
    {
        long count = 0;
        for (var i = 0; i < words; i++)
        {
            count += BitOperations.PopCount(a[i] & b[i]);
        }

        return count;
    }

    public static bool Any(ReadOnlySpan<ulong> set) => set.IndexOfAnyExcept(0UL) >= 0;

    /// <summary>The set bits in ascending order.</summary>
    public static IEnumerable<int> Enumerate(ulong[] set, int startBit = 0)
    {
        for (var w = startBit >> 6; w < set.Length; w++)
        {
            var word = set[w];
            if (w == startBit >> 6)
            {
                word &= ulong.MaxValue << (startBit & 63);
            }

            while (word != 0)
            {
                var bit = BitOperations.TrailingZeroCount(word);
                yield return (w << 6) + bit;
                word &= word - 1;
            }
        }
    }
}
