using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Huiqi.Domain.Matching;

/// <summary>
/// One policy's criteria tree evaluated in one pass over the population, a block of words at a time
/// (docs/eligibility.md, "One pass per policy"): every node computes its three-valued (T, F) words for the block into small
/// buffers that stay in L1, so the only full-size traffic is the leaves' ready bitsets read once and the answer's
/// bitsets written once — no bitset per node.
/// </summary>
internal abstract class PassNode
{
    /// <summary>Words per block: 128 words = 8,192 enterprises; a node's two buffers are 2 KB (64 and 256 measured slower).</summary>
    public const int Block = 128;

    /// <summary>T and F for the words [w0, w0 + t.Length); both spans are overwritten.</summary>
    public abstract void Eval(int w0, Span<ulong> t, Span<ulong> f);
}

/// <summary>
/// A condition: <c>m = (∨ ors) ∧ ¬minus ⊕ flips</c>, then <c>present ∧ ¬m</c> when <paramref name="complement"/>;
/// T = m − hidden, F = present − m − hidden. The flips (a range's cut boundary buckets) are cleared as they are read,
/// so their bitset goes back to its pool zero (<c>PolicyMatcher.Zeroed</c>). Covers a category's values, a set's
/// members, a range's whole buckets, a yes/no field, and any condition computed beforehand (one ready bitset).
/// </summary>
internal sealed class BitsLeaf(ulong[] present, ulong[][] ors, ulong[]? minus = null, ulong[]? flips = null, bool complement = false, ulong[]? hidden = null) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f)
    {
        // One loop over the block, every source read once, vectorised at the widest the machine has.
        var n = t.Length;
        ref var tr = ref MemoryMarshal.GetReference(t);
        ref var fr = ref MemoryMarshal.GetReference(f);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<ulong>.Count <= n; i += Vector512<ulong>.Count)
            {
                var at = (nuint)(w0 + i);
                var m = Vector512<ulong>.Zero;
                foreach (var or in ors)
                {
                    m |= Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(or), at);
                }

                if (minus is not null)
                {
                    m = Vector512.AndNot(m, Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(minus), at));
                }

                if (flips is not null)
                {
                    // Cleared as read: the flips go back to their pool zero, with no memset of their own.
                    ref var flip = ref MemoryMarshal.GetArrayDataReference(flips);
                    m ^= Vector512.LoadUnsafe(ref flip, at);
                    Vector512<ulong>.Zero.StoreUnsafe(ref flip, at);
                }

                var p = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(present), at);
                if (complement)
                {
                    m = Vector512.AndNot(p, m);
                }

                var no = Vector512.AndNot(p, m);
                if (hidden is not null)
                {
                    var h = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(hidden), at);
                    (m, no) = (Vector512.AndNot(m, h), Vector512.AndNot(no, h));
                }

                m.StoreUnsafe(ref tr, (nuint)i);
                no.StoreUnsafe(ref fr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ulong>.Count <= n; i += Vector256<ulong>.Count)
            {
                var at = (nuint)(w0 + i);
                var m = Vector256<ulong>.Zero;
                foreach (var or in ors)
                {
                    m |= Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(or), at);
                }

                if (minus is not null)
                {
                    m = Vector256.AndNot(m, Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(minus), at));
                }

                if (flips is not null)
                {
                    ref var flip = ref MemoryMarshal.GetArrayDataReference(flips);
                    m ^= Vector256.LoadUnsafe(ref flip, at);
                    Vector256<ulong>.Zero.StoreUnsafe(ref flip, at);
                }

                var p = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(present), at);
                if (complement)
                {
                    m = Vector256.AndNot(p, m);
                }

                var no = Vector256.AndNot(p, m);
                if (hidden is not null)
                {
                    var h = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(hidden), at);
                    (m, no) = (Vector256.AndNot(m, h), Vector256.AndNot(no, h));
                }

                m.StoreUnsafe(ref tr, (nuint)i);
                no.StoreUnsafe(ref fr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            var w = w0 + i;
            var m = 0UL;
            foreach (var or in ors)
            {
                m |= or[w];
            }

            if (minus is not null)
            {
                m &= ~minus[w];
            }

            if (flips is not null)
            {
                m ^= flips[w];
                flips[w] = 0;
            }

            var p = present[w];
            if (complement)
            {
                m = p & ~m;
            }

            var no = p & ~m;
            if (hidden is not null)
            {
                (m, no) = (m & ~hidden[w], no & ~hidden[w]);
            }

            t[i] = m;
            f[i] = no;
        }
    }
}

/// <summary><c>has_all</c>: the present slots holding every member; <paramref name="empty"/> when a member is unknown to the index.</summary>
internal sealed class AllMembersLeaf(ulong[] present, ulong[][] ands, bool empty, ulong[]? hidden) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f)
    {
        var n = t.Length;
        var p = present.AsSpan(w0, n);
        if (empty)
        {
            t.Clear();
        }
        else
        {
            p.CopyTo(t);
            foreach (var and in ands)
            {
                Bits.And(t, and.AsSpan(w0, n));
            }
        }

        Bits.AndNotInto(f, p, t);
        if (hidden is not null)
        {
            var h = hidden.AsSpan(w0, n);
            Bits.AndNot(t, h);
            Bits.AndNot(f, h);
        }
    }
}

/// <summary>Kleene: all → T = ∧T, F = ∨F; any → T = ∨T, F = ∧F; an empty all is true (and any false) for the living slots.</summary>
internal sealed class CombinePass(PassNode[] children, bool isAll, ulong[] alive) : PassNode
{
    private readonly ulong[] _t = new ulong[Block];
    private readonly ulong[] _f = new ulong[Block];

    public override void Eval(int w0, Span<ulong> t, Span<ulong> f)
    {
        if (children.Length == 0)
        {
            alive.AsSpan(w0, t.Length).CopyTo(isAll ? t : f);
            (isAll ? f : t).Clear();
            return;
        }

        children[0].Eval(w0, t, f);
        var ct = _t.AsSpan(0, t.Length);
        var cf = _f.AsSpan(0, t.Length);
        for (var i = 1; i < children.Length; i++)
        {
            children[i].Eval(w0, ct, cf);
            if (isAll)
            {
                BlockOps.Combine(t, ct, f, cf); // t ∧= ct, f ∨= cf
            }
            else
            {
                BlockOps.Combine(f, cf, t, ct); // f ∧= cf, t ∨= ct
            }
        }
    }
}

/// <summary>not: T and F swap.</summary>
internal sealed class NotPass(PassNode child) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f) => child.Eval(w0, f, t);
}

/// <summary>Word operations over one block, vectorised where the machine allows.</summary>
internal static class BlockOps
{
    /// <summary>
    /// The set bits of a block. .NET has no vector popcount for x86, so where AVX-512BW (or AVX2) is there this is the
    /// nibble-table count (Muła): each byte's count looked up for both nibbles with a shuffle, summed per 64-bit lane
    /// with a sum of absolute differences against zero — about a third of the instructions of one popcnt per word.
    /// </summary>
    public static long PopCount(ReadOnlySpan<ulong> words)
    {
        var n = words.Length;
        ref var r = ref MemoryMarshal.GetReference(words);
        var i = 0;
        long count = 0;
        if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            var table = Vector512.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
            var nibble = Vector512.Create((byte)0x0F);
            var sums = Vector512<ulong>.Zero;
            for (; i + Vector512<ulong>.Count <= n; i += Vector512<ulong>.Count)
            {
                var bytes = Vector512.LoadUnsafe(ref r, (nuint)i).AsByte();
                var low = System.Runtime.Intrinsics.X86.Avx512BW.Shuffle(table, bytes & nibble);
                var high = System.Runtime.Intrinsics.X86.Avx512BW.Shuffle(table, Vector512.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble);
                sums += System.Runtime.Intrinsics.X86.Avx512BW.SumAbsoluteDifferences(low + high, Vector512<byte>.Zero).AsUInt64();
            }

            count = (long)Vector512.Sum(sums);
        }
        else if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            var table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
            var nibble = Vector256.Create((byte)0x0F);
            var sums = Vector256<ulong>.Zero;
            for (; i + Vector256<ulong>.Count <= n; i += Vector256<ulong>.Count)
            {
                var bytes = Vector256.LoadUnsafe(ref r, (nuint)i).AsByte();
                var low = System.Runtime.Intrinsics.X86.Avx2.Shuffle(table, bytes & nibble);
                var high = System.Runtime.Intrinsics.X86.Avx2.Shuffle(table, Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & nibble);
                sums += System.Runtime.Intrinsics.X86.Avx2.SumAbsoluteDifferences(low + high, Vector256<byte>.Zero).AsUInt64();
            }

            count = (long)Vector256.Sum(sums);
        }

        for (; i < n; i++)
        {
            count += BitOperations.PopCount(words[i]);
        }

        return count;
    }

    /// <summary>and ∧= andWith, or ∨= orWith, in one loop (Kleene's all and any over one child).</summary>
    public static void Combine(Span<ulong> and, ReadOnlySpan<ulong> andWith, Span<ulong> or, ReadOnlySpan<ulong> orWith)
    {
        var n = and.Length;
        ref var a = ref MemoryMarshal.GetReference(and);
        ref var aw = ref MemoryMarshal.GetReference(andWith);
        ref var o = ref MemoryMarshal.GetReference(or);
        ref var ow = ref MemoryMarshal.GetReference(orWith);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<ulong>.Count <= n; i += Vector512<ulong>.Count)
            {
                (Vector512.LoadUnsafe(ref a, (nuint)i) & Vector512.LoadUnsafe(ref aw, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
                (Vector512.LoadUnsafe(ref o, (nuint)i) | Vector512.LoadUnsafe(ref ow, (nuint)i)).StoreUnsafe(ref o, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ulong>.Count <= n; i += Vector256<ulong>.Count)
            {
                (Vector256.LoadUnsafe(ref a, (nuint)i) & Vector256.LoadUnsafe(ref aw, (nuint)i)).StoreUnsafe(ref a, (nuint)i);
                (Vector256.LoadUnsafe(ref o, (nuint)i) | Vector256.LoadUnsafe(ref ow, (nuint)i)).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            and[i] &= andWith[i];
            or[i] |= orWith[i];
        }
    }

    /// <summary>target = from ∧ ¬target.</summary>
    public static void AndNotFrom(Span<ulong> target, ReadOnlySpan<ulong> from)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(from);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] = Vector.AndNot(o[v], t[v]);
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] = from[i] & ~target[i];
        }
    }
}

/// <summary>A node whose (T, F) were computed beforehand (the missing-fields walk keeps every node's bitsets).</summary>
internal sealed class ReadyPass(ulong[] t, ulong[] f) : PassNode
{
    public override void Eval(int w0, Span<ulong> tOut, Span<ulong> fOut)
    {
        t.AsSpan(w0, tOut.Length).CopyTo(tOut);
        f.AsSpan(w0, fOut.Length).CopyTo(fOut);
    }
}
