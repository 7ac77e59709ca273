using System.Numerics;
using System.Runtime.InteropServices;

namespace Huiqi.Domain.Matching;

/// <summary>
/// One policy's criteria tree evaluated in one pass over the population, a block of words at a time
/// (docs/eligibility.md, "One pass"): every node computes its three-valued (T, F) words for the block into small
/// buffers that stay in L1, so the only full-size traffic is the leaves' ready bitsets read once and the answer's
/// bitsets written once — no bitset per node.
/// </summary>
internal abstract class PassNode
{
    /// <summary>Words per block: 64 words = 4,096 enterprises; a node's two buffers are 1 KB.</summary>
    public const int Block = 64;

    /// <summary>T and F for the words [w0, w0 + t.Length); both spans are overwritten.</summary>
    public abstract void Eval(int w0, Span<ulong> t, Span<ulong> f);
}

/// <summary>
/// A condition: <c>m = (∨ ors) ∧ ¬minus ⊕ flips</c> (then <c>present ∧ ¬m</c> when <paramref name="complement"/>);
/// T = m − hidden, F = present − m − hidden. Covers a category's values, a set's members, a range's whole buckets
/// with its boundary bucket's members, a yes/no field, and any condition computed beforehand (one ready bitset).
/// </summary>
internal sealed class BitsLeaf(ulong[] present, ulong[][] ors, ulong[]? minus = null, ulong[]? flips = null, bool complement = false, ulong[]? hidden = null) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f)
    {
        var n = t.Length;
        if (ors.Length == 0)
        {
            t.Clear();
        }
        else
        {
            ors[0].AsSpan(w0, n).CopyTo(t);
            for (var i = 1; i < ors.Length; i++)
            {
                BlockOps.Or(t, ors[i].AsSpan(w0, n));
            }
        }

        if (minus is not null)
        {
            BlockOps.AndNot(t, minus.AsSpan(w0, n));
        }

        if (flips is not null)
        {
            BlockOps.Xor(t, flips.AsSpan(w0, n));
        }

        var p = present.AsSpan(w0, n);
        if (complement)
        {
            BlockOps.AndNotFrom(t, p); // t = p ∧ ¬t
        }

        BlockOps.AndNotInto(f, p, t);
        if (hidden is not null)
        {
            var h = hidden.AsSpan(w0, n);
            BlockOps.AndNot(t, h);
            BlockOps.AndNot(f, h);
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
                BlockOps.And(t, and.AsSpan(w0, n));
            }
        }

        BlockOps.AndNotInto(f, p, t);
        if (hidden is not null)
        {
            var h = hidden.AsSpan(w0, n);
            BlockOps.AndNot(t, h);
            BlockOps.AndNot(f, h);
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
                BlockOps.And(t, ct);
                BlockOps.Or(f, cf);
            }
            else
            {
                BlockOps.Or(t, ct);
                BlockOps.And(f, cf);
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
    public static void And(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other);
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

    public static void Or(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other);
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

    public static void Xor(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other);
            for (var v = 0; v < t.Length; v++)
            {
                t[v] ^= o[v];
            }

            i = t.Length * Vector<ulong>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] ^= other[i];
        }
    }

    /// <summary>target ∧= ¬other.</summary>
    public static void AndNot(Span<ulong> target, ReadOnlySpan<ulong> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
        {
            var t = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
            var o = MemoryMarshal.Cast<ulong, Vector<ulong>>(other);
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

    /// <summary>target = a ∧ ¬b.</summary>
    public static void AndNotInto(Span<ulong> target, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<ulong>.Count)
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
