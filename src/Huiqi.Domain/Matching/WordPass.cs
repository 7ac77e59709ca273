using System.Numerics;
using System.Runtime.CompilerServices;
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

    /// <summary>
    /// Folds this node's T and F into a parent's: all → t ∧= T, f ∨= F; any → t ∨= T, f ∧= F. By default through the
    /// parent's scratch buffers; a leaf folds its words in as it makes them.
    /// </summary>
    public virtual void EvalInto(int w0, Span<ulong> t, Span<ulong> f, bool isAll, ulong[] scratchT, ulong[] scratchF)
    {
        var ct = scratchT.AsSpan(0, t.Length);
        var cf = scratchF.AsSpan(0, t.Length);
        Eval(w0, ct, cf);
        BlockOps.Fold(t, f, ct, cf, isAll);
    }
}

/// <summary>
/// A condition: <c>m = (∨ ors) ∧ ¬minus ⊕ flips</c>, then <c>present ∧ ¬m</c> when <paramref name="complement"/>;
/// T = m − hidden, F = present − m − hidden. The flips (a range's cut boundary buckets) are cleared as they are read,
/// so their bitset goes back to its pool zero (<c>PolicyMatcher.Zeroed</c>). Covers a category's values, a set's
/// members, a range's whole buckets, a yes/no field, and any condition computed beforehand (one ready bitset).
/// </summary>
/// <remarks>
/// The loop is one generic method specialised by the JIT for the leaf's shape (how many bitsets are ORed, whether
/// there is a minus, flips, a complement, hidden claims), for the vector width, and for how the result meets the block
/// (written, or folded straight into the parent's all/any): each shape runs a loop with no branch and no field load
/// inside, and a leaf under an all/any leaves nothing in a buffer for its parent to read back.
/// </remarks>
internal sealed class BitsLeaf(ulong[] present, ulong[][] ors, ulong[]? minus = null, ulong[]? flips = null, bool complement = false, ulong[]? hidden = null) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f) => ByOrs<Write>(w0, t, f);

    public override void EvalInto(int w0, Span<ulong> t, Span<ulong> f, bool isAll, ulong[] scratchT, ulong[] scratchF)
    {
        if (isAll)
        {
            ByOrs<FoldAll>(w0, t, f);
        }
        else
        {
            ByOrs<FoldAny>(w0, t, f);
        }
    }

    // One generic argument per shape decision, taken once per block.
    private void ByOrs<TFold>(int w0, Span<ulong> t, Span<ulong> f) where TFold : IFold
    {
        switch (ors.Length)
        {
            case 0: ByMinus<TFold, Ors0>(w0, t, f); break;
            case 1: ByMinus<TFold, Ors1>(w0, t, f); break;
            case 2: ByMinus<TFold, Ors2>(w0, t, f); break;
            default: ByMinus<TFold, OrsMany>(w0, t, f); break;
        }
    }

    private void ByMinus<TFold, TOrs>(int w0, Span<ulong> t, Span<ulong> f) where TFold : IFold where TOrs : ICount
    {
        if (minus is null) { ByFlips<TFold, TOrs, Off>(w0, t, f); } else { ByFlips<TFold, TOrs, On>(w0, t, f); }
    }

    private void ByFlips<TFold, TOrs, TMinus>(int w0, Span<ulong> t, Span<ulong> f) where TFold : IFold where TOrs : ICount where TMinus : IFlag
    {
        if (flips is null) { ByComplement<TFold, TOrs, TMinus, Off>(w0, t, f); } else { ByComplement<TFold, TOrs, TMinus, On>(w0, t, f); }
    }

    private void ByComplement<TFold, TOrs, TMinus, TFlips>(int w0, Span<ulong> t, Span<ulong> f)
        where TFold : IFold where TOrs : ICount where TMinus : IFlag where TFlips : IFlag
    {
        if (complement) { ByHidden<TFold, TOrs, TMinus, TFlips, On>(w0, t, f); } else { ByHidden<TFold, TOrs, TMinus, TFlips, Off>(w0, t, f); }
    }

    private void ByHidden<TFold, TOrs, TMinus, TFlips, TComplement>(int w0, Span<ulong> t, Span<ulong> f)
        where TFold : IFold where TOrs : ICount where TMinus : IFlag where TFlips : IFlag where TComplement : IFlag
    {
        if (hidden is null) { Widest<TFold, TOrs, TMinus, TFlips, TComplement, Off>(w0, t, f); } else { Widest<TFold, TOrs, TMinus, TFlips, TComplement, On>(w0, t, f); }
    }

    private void Widest<TFold, TOrs, TMinus, TFlips, TComplement, THidden>(int w0, Span<ulong> t, Span<ulong> f)
        where TFold : IFold where TOrs : ICount where TMinus : IFlag where TFlips : IFlag where TComplement : IFlag where THidden : IFlag
    {
        var done = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            done = Loop<Lanes512, Vector512<ulong>, TFold, TOrs, TMinus, TFlips, TComplement, THidden>(w0, 0, t, f);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            done = Loop<Lanes256, Vector256<ulong>, TFold, TOrs, TMinus, TFlips, TComplement, THidden>(w0, 0, t, f);
        }

        Loop<Lanes64, ulong, TFold, TOrs, TMinus, TFlips, TComplement, THidden>(w0, done, t, f);
    }

    /// <summary>The words [from, …) of the block in steps of one lane group, as far as whole groups go; returns where it stopped.</summary>
    private int Loop<TL, TV, TFold, TOrs, TMinus, TFlips, TComplement, THidden>(int w0, int from, Span<ulong> t, Span<ulong> f)
        where TL : ILanes<TV> where TV : struct
        where TFold : IFold where TOrs : ICount where TMinus : IFlag where TFlips : IFlag where TComplement : IFlag where THidden : IFlag
    {
        var n = t.Length;
        ref var tr = ref MemoryMarshal.GetReference(t);
        ref var fr = ref MemoryMarshal.GetReference(f);
        ref var p = ref MemoryMarshal.GetArrayDataReference(present);
        var all = ors;
        ref var o0 = ref TOrs.Count is 1 or 2 ? ref MemoryMarshal.GetArrayDataReference(all[0]) : ref Unsafe.NullRef<ulong>();
        ref var o1 = ref TOrs.Count == 2 ? ref MemoryMarshal.GetArrayDataReference(all[1]) : ref Unsafe.NullRef<ulong>();
        ref var mi = ref TMinus.IsOn ? ref MemoryMarshal.GetArrayDataReference(minus!) : ref Unsafe.NullRef<ulong>();
        ref var fl = ref TFlips.IsOn ? ref MemoryMarshal.GetArrayDataReference(flips!) : ref Unsafe.NullRef<ulong>();
        ref var hi = ref THidden.IsOn ? ref MemoryMarshal.GetArrayDataReference(hidden!) : ref Unsafe.NullRef<ulong>();
        var i = from;
        for (; i + TL.Count <= n; i += TL.Count)
        {
            var at = (nuint)(w0 + i);
            var m = TL.Zero;
            if (TOrs.Count == 1)
            {
                m = TL.Load(ref o0, at);
            }
            else if (TOrs.Count == 2)
            {
                m = TL.Or(TL.Load(ref o0, at), TL.Load(ref o1, at));
            }
            else if (TOrs.Count < 0)
            {
                foreach (var or in all)
                {
                    m = TL.Or(m, TL.Load(ref MemoryMarshal.GetArrayDataReference(or), at));
                }
            }

            if (TMinus.IsOn)
            {
                m = TL.AndNot(m, TL.Load(ref mi, at));
            }

            if (TFlips.IsOn)
            {
                // Cleared as read: the flips go back to their pool zero, with no memset of their own.
                m = TL.Xor(m, TL.Load(ref fl, at));
                TL.Store(TL.Zero, ref fl, at);
            }

            var pv = TL.Load(ref p, at);
            TV yes, no;
            if (TComplement.IsOn)
            {
                (yes, no) = (TL.AndNot(pv, m), TL.And(pv, m));
            }
            else
            {
                (yes, no) = (m, TL.AndNot(pv, m));
            }

            if (THidden.IsOn)
            {
                var h = TL.Load(ref hi, at);
                (yes, no) = (TL.AndNot(yes, h), TL.AndNot(no, h));
            }

            TFold.Apply<TL, TV>(ref tr, ref fr, (nuint)i, yes, no);
        }

        return i;
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
        for (var i = 1; i < children.Length; i++)
        {
            children[i].EvalInto(w0, t, f, isAll, _t, _f);
        }
    }
}

/// <summary>not: T and F swap (folded in, the parent's all becomes an any over the swapped pair, and back).</summary>
internal sealed class NotPass(PassNode child) : PassNode
{
    public override void Eval(int w0, Span<ulong> t, Span<ulong> f) => child.Eval(w0, f, t);

    public override void EvalInto(int w0, Span<ulong> t, Span<ulong> f, bool isAll, ulong[] scratchT, ulong[] scratchF) =>
        child.EvalInto(w0, f, t, !isAll, scratchF, scratchT);
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

    /// <summary>A child's (ct, cf) folded into its parent's (t, f): all → t ∧= ct, f ∨= cf; any → t ∨= ct, f ∧= cf.</summary>
    public static void Fold(Span<ulong> t, Span<ulong> f, ReadOnlySpan<ulong> ct, ReadOnlySpan<ulong> cf, bool isAll)
    {
        if (isAll)
        {
            Combine(t, ct, f, cf);
        }
        else
        {
            Combine(f, cf, t, ct);
        }
    }

    /// <summary>and ∧= andWith, or ∨= orWith, in one loop (Kleene's all and any over one child).</summary>
    public static void Combine(Span<ulong> and, ReadOnlySpan<ulong> andWith, Span<ulong> or, ReadOnlySpan<ulong> orWith)
    {
        var done = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            done = Combine<Lanes512, Vector512<ulong>>(0, and, andWith, or, orWith);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            done = Combine<Lanes256, Vector256<ulong>>(0, and, andWith, or, orWith);
        }

        Combine<Lanes64, ulong>(done, and, andWith, or, orWith);
    }

    private static int Combine<TL, TV>(int from, Span<ulong> and, ReadOnlySpan<ulong> andWith, Span<ulong> or, ReadOnlySpan<ulong> orWith)
        where TL : ILanes<TV> where TV : struct
    {
        var n = and.Length;
        ref var a = ref MemoryMarshal.GetReference(and);
        ref var aw = ref MemoryMarshal.GetReference(andWith);
        ref var o = ref MemoryMarshal.GetReference(or);
        ref var ow = ref MemoryMarshal.GetReference(orWith);
        var i = from;
        for (; i + TL.Count <= n; i += TL.Count)
        {
            var at = (nuint)i;
            TL.Store(TL.And(TL.Load(ref a, at), TL.Load(ref aw, at)), ref a, at);
            TL.Store(TL.Or(TL.Load(ref o, at), TL.Load(ref ow, at)), ref o, at);
        }

        return i;
    }
}

/// <summary>
/// Word operations at one width — 512 or 256 bits where the machine has them, one word otherwise — so that a loop is
/// written once and the JIT specialises it per width (.NET has no public interface over its vector types).
/// </summary>
internal interface ILanes<TV> where TV : struct
{
    /// <summary>Words per step.</summary>
    static abstract int Count { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref ulong source, nuint at);

    static abstract void Store(TV value, ref ulong target, nuint at);

    static abstract TV And(TV a, TV b);

    static abstract TV Or(TV a, TV b);

    static abstract TV Xor(TV a, TV b);

    /// <summary>a ∧ ¬b.</summary>
    static abstract TV AndNot(TV a, TV b);
}

internal readonly struct Lanes512 : ILanes<Vector512<ulong>>
{
    public static int Count => Vector512<ulong>.Count;
    public static Vector512<ulong> Zero => Vector512<ulong>.Zero;
    public static Vector512<ulong> Load(ref ulong source, nuint at) => Vector512.LoadUnsafe(ref source, at);
    public static void Store(Vector512<ulong> value, ref ulong target, nuint at) => value.StoreUnsafe(ref target, at);
    public static Vector512<ulong> And(Vector512<ulong> a, Vector512<ulong> b) => a & b;
    public static Vector512<ulong> Or(Vector512<ulong> a, Vector512<ulong> b) => a | b;
    public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;
    public static Vector512<ulong> AndNot(Vector512<ulong> a, Vector512<ulong> b) => Vector512.AndNot(a, b);
}

internal readonly struct Lanes256 : ILanes<Vector256<ulong>>
{
    public static int Count => Vector256<ulong>.Count;
    public static Vector256<ulong> Zero => Vector256<ulong>.Zero;
    public static Vector256<ulong> Load(ref ulong source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    public static void Store(Vector256<ulong> value, ref ulong target, nuint at) => value.StoreUnsafe(ref target, at);
    public static Vector256<ulong> And(Vector256<ulong> a, Vector256<ulong> b) => a & b;
    public static Vector256<ulong> Or(Vector256<ulong> a, Vector256<ulong> b) => a | b;
    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;
    public static Vector256<ulong> AndNot(Vector256<ulong> a, Vector256<ulong> b) => Vector256.AndNot(a, b);
}

internal readonly struct Lanes64 : ILanes<ulong>
{
    public static int Count => 1;
    public static ulong Zero => 0;
    public static ulong Load(ref ulong source, nuint at) => Unsafe.Add(ref source, at);
    public static void Store(ulong value, ref ulong target, nuint at) => Unsafe.Add(ref target, at) = value;
    public static ulong And(ulong a, ulong b) => a & b;
    public static ulong Or(ulong a, ulong b) => a | b;
    public static ulong Xor(ulong a, ulong b) => a ^ b;
    public static ulong AndNot(ulong a, ulong b) => a & ~b;
}

/// <summary>How a leaf's words meet the block: written, or folded into its parent's all or any.</summary>
internal interface IFold
{
    static abstract void Apply<TL, TV>(ref ulong t, ref ulong f, nuint at, TV yes, TV no) where TL : ILanes<TV> where TV : struct;
}

internal readonly struct Write : IFold
{
    public static void Apply<TL, TV>(ref ulong t, ref ulong f, nuint at, TV yes, TV no) where TL : ILanes<TV> where TV : struct
    {
        TL.Store(yes, ref t, at);
        TL.Store(no, ref f, at);
    }
}

internal readonly struct FoldAll : IFold
{
    public static void Apply<TL, TV>(ref ulong t, ref ulong f, nuint at, TV yes, TV no) where TL : ILanes<TV> where TV : struct
    {
        TL.Store(TL.And(TL.Load(ref t, at), yes), ref t, at);
        TL.Store(TL.Or(TL.Load(ref f, at), no), ref f, at);
    }
}

internal readonly struct FoldAny : IFold
{
    public static void Apply<TL, TV>(ref ulong t, ref ulong f, nuint at, TV yes, TV no) where TL : ILanes<TV> where TV : struct
    {
        TL.Store(TL.Or(TL.Load(ref t, at), yes), ref t, at);
        TL.Store(TL.And(TL.Load(ref f, at), no), ref f, at);
    }
}

/// <summary>A yes/no known when the JIT compiles a specialisation.</summary>
internal interface IFlag
{
    static abstract bool IsOn { get; }
}

internal readonly struct On : IFlag
{
    public static bool IsOn => true;
}

internal readonly struct Off : IFlag
{
    public static bool IsOn => false;
}

/// <summary>How many bitsets a leaf ORs, when it is 0, 1 or 2 (−1: any number, looped over).</summary>
internal interface ICount
{
    static abstract int Count { get; }
}

internal readonly struct Ors0 : ICount
{
    public static int Count => 0;
}

internal readonly struct Ors1 : ICount
{
    public static int Count => 1;
}

internal readonly struct Ors2 : ICount
{
    public static int Count => 2;
}

internal readonly struct OrsMany : ICount
{
    public static int Count => -1;
}
