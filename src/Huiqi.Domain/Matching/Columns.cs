using System.Text;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;

namespace Huiqi.Domain.Matching;

/// <summary>Something that holds one value per slot and grows with the index.</summary>
internal interface IColumn
{
    /// <summary>Room for exactly <paramref name="slots"/> slots (more or fewer than now).</summary>
    void Resize(int slots);

    long Bytes { get; }

    /// <summary>Everything the column holds, for a snapshot; <see cref="ReadFrom"/> restores it into a fresh column.</summary>
    void WriteTo(BinaryWriter writer);

    void ReadFrom(BinaryReader reader);
}

/// <summary>
/// A dictionary-encoded column (region, zone, industry, scale, …): one code per slot and one bitset per distinct
/// value, so eq / in / under are ORs of ready bitsets.
/// </summary>
internal sealed class CategoryColumn(string field) : IColumn
{
    private const ushort Absent = ushort.MaxValue;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _values = [];
    private readonly List<ulong[]> _bits = [];
    private ushort[] _codes = []; // 2 bytes a slot: up to 65,535 distinct values per column

    public string Field { get; } = field;

    public ulong[] Present { get; private set; } = [];

    public IReadOnlyList<string> Values => _values;

    public void Resize(int slots)
    {
        var old = _codes.Length;
        Array.Resize(ref _codes, slots);
        if (slots > old)
        {
            Array.Fill(_codes, Absent, old, slots - old);
        }

        var words = Bits.WordsFor(slots);
        Present = Resized(Present, words);
        for (var i = 0; i < _bits.Count; i++)
        {
            _bits[i] = Resized(_bits[i], words);
        }

        _under.Clear(); // answered again at the new size
    }

    public void Set(int slot, string? value)
    {
        var old = _codes[slot];
        if (old != Absent)
        {
            Bits.Clear(_bits[old], slot);
        }

        if (value is null)
        {
            _codes[slot] = Absent;
            Bits.Clear(Present, slot);
            Reanswer(slot, null);
            return;
        }

        if (!_ids.TryGetValue(value, out var id))
        {
            id = _values.Count;
            if (id >= Absent)
            {
                throw new InvalidOperationException($"column {Field} holds more than {Absent} distinct values");
            }

            _ids.Add(value, id);
            _values.Add(value);
            _bits.Add(new ulong[Present.Length]);
        }

        _codes[slot] = (ushort)id;
        Bits.Set(_bits[id], slot);
        Bits.Set(Present, slot);
        Reanswer(slot, value);
    }

    /// <summary>
    /// The slots whose value starts with <paramref name="prefix"/> (an <c>under</c>: a province, a city, an industry
    /// division): one ready bitset, made on first use by ORing the values under it and then kept exact by every write,
    /// so a prefix costs what one value costs (docs/eligibility.md, "The index in brief"); the value's own bitset when
    /// only one value is under it; null when none is. Read-only for the caller.
    /// </summary>
    public ulong[]? Under(string prefix)
    {
        if (_under.Find(prefix) is { } ready)
        {
            return ready;
        }

        var under = Enumerable.Range(0, _values.Count).Where(i => _values[i].StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        if (under.Length <= 1)
        {
            return under.Length == 0 ? null : _bits[under[0]]; // no value, or one: nothing to keep
        }

        var bits = new ulong[Present.Length];
        foreach (var i in under)
        {
            Bits.Or(bits, _bits[i]);
        }

        return _under.Keep(prefix, bits);
    }

    /// <summary>
    /// How many prefixes covering two values or more are kept answered per column, each a bitset over the population:
    /// with the 8 certification questions, at most 1 + 3.5 bytes per enterprise over the seven code columns.
    /// </summary>
    public const int PrefixesKept = 4;

    private readonly KeptAnswers<string> _under = new(PrefixesKept, StringComparer.Ordinal);

    /// <summary>A write: every kept prefix re-decided for the slot (writers hold the index's write lock).</summary>
    private void Reanswer(int slot, string? value)
    {
        foreach (var (prefix, bits) in _under)
        {
            Bits.Assign(bits, slot, value is not null && value.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    public string? Get(int slot) => _codes[slot] is var code && code != Absent ? _values[code] : null;

    /// <summary>The value's position in <see cref="Values"/> at a slot; -1 when absent.</summary>
    public int CodeAt(int slot) => _codes[slot] is var code && code != Absent ? code : -1;

    /// <summary>The slots holding <paramref name="value"/>, or null when no slot ever held it.</summary>
    public ulong[]? BitsOf(string value) => _ids.TryGetValue(value, out var id) ? _bits[id] : null;

    public ulong[] BitsAt(int valueIndex) => _bits[valueIndex];

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Field);
        writer.WriteValueBitsets(_values, _bits);
        writer.WriteArray(_codes);
        writer.WriteArray(Present);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, Field);
        reader.ReadValueBitsets(Field, _values, _ids, _bits);
        _codes = reader.ReadArray<ushort>();
        Present = reader.ReadArray<ulong>();
    }

    public long Bytes => _codes.Length * 2L + (Present.Length + _bits.Sum(b => (long)b.Length)) * 8L + _under.Bytes + _values.Sum(v => 40L + v.Length * 2);

    internal static ulong[] Resized(ulong[] bits, int words)
    {
        Array.Resize(ref bits, words);
        return bits;
    }
}

/// <summary>A set-valued column (tech_domains, tags): one bitset per distinct member.</summary>
internal sealed class SetColumn(string field) : IColumn
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _values = [];
    private readonly List<ulong[]> _bits = [];

    public string Field { get; } = field;

    public ulong[] Present { get; private set; } = [];

    public void Resize(int slots)
    {
        var words = Bits.WordsFor(slots);
        Present = CategoryColumn.Resized(Present, words);
        for (var i = 0; i < _bits.Count; i++)
        {
            _bits[i] = CategoryColumn.Resized(_bits[i], words);
        }
    }

    public void Set(int slot, IEnumerable<string>? members)
    {
        foreach (var bits in _bits)
        {
            Bits.Clear(bits, slot);
        }

        Bits.Assign(Present, slot, members is not null);
        if (members is null)
        {
            return;
        }

        foreach (var member in members)
        {
            if (!_ids.TryGetValue(member, out var id))
            {
                id = _values.Count;
                _ids.Add(member, id);
                _values.Add(member);
                _bits.Add(new ulong[Present.Length]);
            }

            Bits.Set(_bits[id], slot);
        }
    }

    /// <summary>The members of one slot, in ordinal order; null when absent.</summary>
    public string[]? Get(int slot)
    {
        if (!Bits.Get(Present, slot))
        {
            return null;
        }

        var members = new List<string>();
        for (var i = 0; i < _bits.Count; i++)
        {
            if (Bits.Get(_bits[i], slot))
            {
                members.Add(_values[i]);
            }
        }

        members.Sort(StringComparer.Ordinal);
        return [.. members];
    }

    public ulong[]? BitsOf(string member) => _ids.TryGetValue(member, out var id) ? _bits[id] : null;

    public IEnumerable<(string Value, ulong[] Bits)> Members => _values.Select((v, i) => (v, _bits[i]));

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Field);
        writer.WriteValueBitsets(_values, _bits);
        writer.WriteArray(Present);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, Field);
        reader.ReadValueBitsets(Field, _values, _ids, _bits);
        Present = reader.ReadArray<ulong>();
    }

    public long Bytes => (Present.Length + _bits.Sum(b => (long)b.Length)) * 8L;
}

/// <summary>
/// A numeric column (money, counts, day numbers): the value per slot plus range-encoded bucket bitsets —
/// <c>AtMost[b]</c> holds the slots whose value falls in bucket ≤ b — so a range is one AND-NOT of two ready
/// bitsets, plus the members of a cut boundary bucket. Those are found through the bucket's members in value order
/// (built when a range first cuts the bucket, kept in order by writes), so a cut touches only the smaller side of
/// the bucket instead of reading every member's value (docs/eligibility.md, "The index in brief").
/// </summary>
internal sealed class NumberColumn(string field, int buckets = 64) : IColumn
{
    // The values in 4 bytes each while every one fits (counts, day numbers, ratios), in 8 once one does not (money in fen).
    private int[]? _narrow = [];
    private long[]? _wide;
    private long[] _bounds = []; // ascending cut points; bucket(v) = number of bounds ≤ v
    private ulong[][] _atMost = [[]];
    private List<int>?[] _order = [null]; // per bucket: its slots by (value, slot); null until a range cuts the bucket
    private readonly Lock _ordering = new();

    public string Field { get; } = field;

    public ulong[] Present { get; private set; } = [];

    public void Resize(int slots)
    {
        if (_wide is null)
        {
            Array.Resize(ref _narrow, slots);
        }
        else
        {
            Array.Resize(ref _wide, slots);
        }
        var words = Bits.WordsFor(slots);
        Present = CategoryColumn.Resized(Present, words);
        for (var i = 0; i < _atMost.Length; i++)
        {
            _atMost[i] = CategoryColumn.Resized(_atMost[i], words);
        }
    }

    public long? Get(int slot) => Bits.Get(Present, slot) ? V(slot) : null;

    private long V(int slot) => _wide is null ? _narrow![slot] : _wide[slot];

    private void Put(int slot, long value)
    {
        if (_wide is null)
        {
            if (value is >= int.MinValue and <= int.MaxValue)
            {
                _narrow![slot] = (int)value;
                return;
            }

            _wide = Array.ConvertAll(_narrow!, v => (long)v);
            _narrow = null;
        }

        _wide[slot] = value;
    }


    public void Set(int slot, long? value)
    {
        if (value is { } same && Bits.Get(Present, slot) && V(slot) == same)
        {
            return;
        }

        if (Bits.Get(Present, slot))
        {
            var old = BucketOf(V(slot));
            if (_order[old] is { } order)
            {
                order.RemoveAt(Find(order, V(slot), slot));
            }

            for (var b = old; b < _atMost.Length; b++)
            {
                Bits.Clear(_atMost[b], slot);
            }
        }

        Bits.Assign(Present, slot, value is not null);
        if (value is not { } v)
        {
            Put(slot, 0);
            return;
        }

        Put(slot, v);
        var bucket = BucketOf(v);
        if (_order[bucket] is { } into)
        {
            if (into.Count == into.Capacity)
            {
                into.Capacity = into.Count + into.Count / 16 + 16; // a little room, not the doubling of List
            }

            into.Insert(Find(into, v, slot), slot);
        }

        for (var b = bucket; b < _atMost.Length; b++)
        {
            Bits.Set(_atMost[b], slot);
        }
    }

    /// <summary>Re-cuts the buckets at the quantiles of the current values (after a bulk load, or when the data has grown).</summary>
    public void Rebalance()
    {
        var present = new List<long>();
        foreach (var slot in Bits.Enumerate(Present))
        {
            present.Add(V(slot));
        }

        present.Sort();
        var bounds = new SortedSet<long>();
        for (var i = 1; i < buckets && present.Count > 0; i++)
        {
            bounds.Add(present[(int)((long)present.Count * i / buckets)]);
        }

        _bounds = [.. bounds];
        var words = Present.Length;
        _atMost = new ulong[_bounds.Length + 1][];
        _order = new List<int>?[_atMost.Length];
        for (var b = 0; b < _atMost.Length; b++)
        {
            _atMost[b] = new ulong[words];
        }

        // Each slot into its own bucket, then AtMost[b] = AtMost[b-1] ∨ bucket b in one vectorised pass per bucket,
        // instead of a bit in every bucket from its own up (half the buckets per value on average).
        foreach (var slot in Bits.Enumerate(Present))
        {
            Bits.Set(_atMost[BucketOf(V(slot))], slot);
        }

        for (var b = 1; b < _atMost.Length; b++)
        {
            Bits.Or(_atMost[b], _atMost[b - 1]);
        }
    }

    /// <summary>Every bucket's value order built now (what a long-running instance converges to; for measuring memory).</summary>
    public void OrderAll()
    {
        for (var b = 0; b < _order.Length; b++)
        {
            OrderOf(b);
        }
    }

    /// <summary>
    /// The present slots whose value is in [lo, hi], as ready bitsets: the whole buckets are <c>Upper ∧ ¬Lower</c>
    /// (null: none; Lower null: from the first bucket), to be XORed with <paramref name="flips"/> (rented zeroed from
    /// <paramref name="zeroed"/> when needed). A cut boundary bucket is either left out and its members inside the
    /// range flipped on, or taken whole and its members outside flipped off — whichever touches fewer slots.
    /// </summary>
    public (ulong[]? Upper, ulong[]? Lower) Plan(long lo, long hi, Func<ulong[]> zeroed, out ulong[]? flips)
    {
        flips = null;
        if (lo > hi)
        {
            return (null, null);
        }

        var low = BucketOf(lo);
        var high = BucketOf(hi);
        // A boundary bucket lies wholly inside the range when the range reaches its edge: bucket b holds
        // [bounds[b-1], bounds[b]), the first bucket starts at -∞ and the last ends at +∞.
        var lowWhole = low == 0 ? lo == long.MinValue : lo == _bounds[low - 1];
        var highWhole = high == _bounds.Length ? hi == long.MaxValue : hi == _bounds[high] - 1;
        var first = lowWhole ? low : low + 1;   // the whole buckets are first..last
        var last = highWhole ? high : high - 1;
        if (!lowWhole && Cut(low, lo, hi, zeroed, ref flips))
        {
            (first, last) = (Math.Min(first, low), Math.Max(last, low));
        }

        if (!highWhole && (high != low || lowWhole) && Cut(high, lo, hi, zeroed, ref flips)) // a bucket cut on both sides is cut once
        {
            (first, last) = (Math.Min(first, high), Math.Max(last, high));
        }

        // The last bucket's AtMost holds every present slot: Present itself, which the leaf reads anyway.
        return first <= last ? (last == _atMost.Length - 1 ? Present : _atMost[last], first == 0 ? null : _atMost[first - 1]) : (null, null);
    }

    /// <summary>Flips the smaller side of a cut bucket; true when the bucket is to be taken whole (its outside flipped off).</summary>
    private bool Cut(int bucket, long lo, long hi, Func<ulong[]> zeroed, ref ulong[]? flips)
    {
        var order = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(OrderOf(bucket));
        var from = LowerBound(order, lo);
        var to = hi == long.MaxValue ? order.Length : LowerBound(order, hi + 1);
        var inside = to - from;
        var whole = inside * 2 > order.Length;
        if (whole ? inside == order.Length : inside == 0)
        {
            return whole;
        }

        var bits = flips ??= zeroed();
        if (whole)
        {
            Flip(order[..from], bits);
            Flip(order[to..], bits);
        }
        else
        {
            Flip(order[from..to], bits);
        }

        return whole;

        static void Flip(ReadOnlySpan<int> slots, ulong[] bits)
        {
            foreach (var slot in slots)
            {
                bits[slot >> 6] ^= 1UL << slot;
            }
        }
    }

    /// <summary>The first position in a bucket's order whose value is ≥ <paramref name="value"/>.</summary>
    private int LowerBound(ReadOnlySpan<int> order, long value)
    {
        int lo = 0, hi = order.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (V(order[mid]) < value) { lo = mid + 1; } else { hi = mid; }
        }

        return lo;
    }

    /// <summary>Where (value, slot) is, or is to be inserted, in a bucket's order.</summary>
    private int Find(List<int> order, long value, int slot)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order);
        int lo = 0, hi = span.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var other = V(span[mid]);
            if (other < value || (other == value && span[mid] < slot)) { lo = mid + 1; } else { hi = mid; }
        }

        return lo;
    }

    /// <summary>
    /// A bucket's slots by (value, slot), built on first use. Readers may build it concurrently with each other (one
    /// at a time, under a lock), never with a writer: writers hold the index's write lock.
    /// </summary>
    private List<int> OrderOf(int bucket)
    {
        if (Volatile.Read(ref _order[bucket]) is { } built)
        {
            return built;
        }

        lock (_ordering)
        {
            if (_order[bucket] is { } raced)
            {
                return raced;
            }

            var members = _atMost[bucket];
            var below = bucket > 0 ? _atMost[bucket - 1] : null;
            long count = 0;
            for (var w = 0; w < members.Length; w++)
            {
                count += System.Numerics.BitOperations.PopCount(below is null ? members[w] : members[w] & ~below[w]);
            }

            var slots = new List<int>((int)count);
            for (var w = 0; w < members.Length; w++)
            {
                var word = below is null ? members[w] : members[w] & ~below[w];
                while (word != 0)
                {
                    slots.Add((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word));
                    word &= word - 1;
                }
            }

            var keys = new long[slots.Count];
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slots);
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = V(span[i]);
            }

            keys.AsSpan().Sort(span);
            for (var i = 0; i < keys.Length;)
            {
                // Ties in slot order, so that a write finds (value, slot) by binary search.
                var end = i + 1;
                while (end < keys.Length && keys[end] == keys[i])
                {
                    end++;
                }

                span[i..end].Sort();
                i = end;
            }

            Volatile.Write(ref _order[bucket], slots);
            return slots;
        }
    }

    private int BucketOf(long value)
    {
        // Upper bound: the number of cut points ≤ value.
        int lo = 0, hi = _bounds.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_bounds[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Field);
        writer.Write(_wide is not null);
        if (_wide is null)
        {
            writer.WriteArray(_narrow!);
        }
        else
        {
            writer.WriteArray(_wide);
        }

        writer.WriteArray(_bounds);
        writer.WriteBitsets(_atMost);
        writer.WriteArray(Present);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, Field);
        if (reader.ReadBoolean())
        {
            (_narrow, _wide) = (null, reader.ReadArray<long>());
        }
        else
        {
            (_narrow, _wide) = (reader.ReadArray<int>(), null);
        }
        _bounds = reader.ReadArray<long>();
        _atMost = [.. reader.ReadBitsets()];
        Present = reader.ReadArray<ulong>();
        if (_atMost.Length != _bounds.Length + 1)
        {
            throw new InvalidDataException($"snapshot: {Field} has {_bounds.Length} bounds and {_atMost.Length} buckets");
        }

        _order = new List<int>?[_atMost.Length]; // rebuilt as ranges cut the buckets
    }

    public long Bytes => (_wide?.Length * 8L ?? _narrow!.Length * 4L) + (Present.Length + _atMost.Sum(b => (long)b.Length)) * 8L + _order.Sum(o => (o?.Capacity ?? 0) * 4L);
}

/// <summary>A bool column (dishonest): the true slots and the present slots.</summary>
internal sealed class BoolColumn(string field) : IColumn
{
    public string Field { get; } = field;

    public ulong[] Present { get; private set; } = [];

    public ulong[] True { get; private set; } = [];

    public void Resize(int slots)
    {
        var words = Bits.WordsFor(slots);
        Present = CategoryColumn.Resized(Present, words);
        True = CategoryColumn.Resized(True, words);
    }

    public void Set(int slot, bool? value)
    {
        Bits.Assign(Present, slot, value is not null);
        Bits.Assign(True, slot, value == true);
    }

    public bool? Get(int slot) => Bits.Get(Present, slot) ? Bits.Get(True, slot) : null;

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Field);
        writer.WriteArray(Present);
        writer.WriteArray(True);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, Field);
        Present = reader.ReadArray<ulong>();
        True = reader.ReadArray<ulong>();
    }

    public long Bytes => (Present.Length + True.Length) * 8L;
}

/// <summary>Free text stored as UTF-8 in one arena (names): compact; predicates on it are answered by a scan.</summary>
internal sealed class TextColumn(string field) : IColumn
{
    private byte[] _arena = new byte[1024];
    private int _used;
    private int[] _offsets = [];
    private int[] _lengths = [];

    public string Field { get; } = field;

    public ulong[] Present { get; private set; } = [];

    public void Resize(int slots)
    {
        Array.Resize(ref _offsets, slots);
        Array.Resize(ref _lengths, slots);
        Present = CategoryColumn.Resized(Present, Bits.WordsFor(slots));
    }

    public void Set(int slot, string? value)
    {
        Bits.Assign(Present, slot, value is not null);
        if (value is null)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        if (_used + bytes > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _used + bytes));
        }

        // Replaced values stay in the arena until the index is rebuilt; names change rarely.
        _offsets[slot] = _used;
        _lengths[slot] = Encoding.UTF8.GetBytes(value, _arena.AsSpan(_used));
        _used += _lengths[slot];
    }

    public string? Get(int slot) => Bits.Get(Present, slot) ? Encoding.UTF8.GetString(_arena, _offsets[slot], _lengths[slot]) : null;

    /// <summary>Gives back the arena's spare room (after a bulk load).</summary>
    public void TrimExcess() => Array.Resize(ref _arena, Math.Max(_used, 1024));

    /// <summary>into |= present slots whose value satisfies <paramref name="match"/>.</summary>
    public void Scan(Func<string, bool> match, Span<ulong> into)
    {
        foreach (var slot in Bits.Enumerate(Present))
        {
            if (match(Encoding.UTF8.GetString(_arena, _offsets[slot], _lengths[slot])))
            {
                Bits.Set(into, slot);
            }
        }
    }

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Field);
        writer.WriteArray<byte>(_arena.AsSpan(0, _used));
        writer.WriteArray(_offsets);
        writer.WriteArray(_lengths);
        writer.WriteArray(Present);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, Field);
        _arena = reader.ReadArray<byte>();
        _used = _arena.Length;
        _offsets = reader.ReadArray<int>();
        _lengths = reader.ReadArray<int>();
        Present = reader.ReadArray<ulong>();
        if (_offsets.Length != _lengths.Length)
        {
            throw new InvalidDataException($"snapshot: {Field} offsets and lengths differ");
        }
    }

    public long Bytes => _arena.Length + _offsets.Length * 8L + Present.Length * 8L;
}

/// <summary>
/// Certifications: per kind, the held certifications ordered by slot (compact structs: slot, level, dates as day
/// numbers). A cert predicate scans the entries of its kind; one slot's certifications are found by binary search.
/// </summary>
internal sealed class CertColumn : IColumn
{
    internal readonly record struct Entry(int Slot, int Obtained, int Expires, byte Level);

    public const int NoExpiry = int.MaxValue;
    private static readonly string[] Levels = ["", "national", "provincial", "municipal"];
    private readonly Dictionary<string, List<Entry>> _byKind = new(StringComparer.Ordinal);
    private KeyValuePair<string, List<Entry>>[]? _kindsInOrder; // the kinds in ordinal order, for reading a row back

    public ulong[] Present { get; private set; } = [];

    public void Resize(int slots)
    {
        Present = CategoryColumn.Resized(Present, Bits.WordsFor(slots));
        _held.Clear(); // answered again at the new size
    }

    public void Set(int slot, IEnumerable<Profiles.Certification>? certifications)
    {
        try
        {
            Write(slot, certifications);
        }
        finally
        {
            Reanswer(slot);
        }
    }

    private void Write(int slot, IEnumerable<Profiles.Certification>? certifications)
    {
        foreach (var entries in _byKind.Values)
        {
            var (start, end) = RangeOf(entries, slot);
            if (end > start)
            {
                entries.RemoveRange(start, end - start);
            }
        }

        Bits.Assign(Present, slot, certifications is not null);
        if (certifications is null)
        {
            return;
        }

        foreach (var certification in certifications)
        {
            if (!_byKind.TryGetValue(certification.Kind, out var entries))
            {
                _byKind[certification.Kind] = entries = [];
                _kindsInOrder = null;
            }

            var (_, end) = RangeOf(entries, slot);
            entries.Insert(end, new Entry(slot, certification.ObtainedOn.DayNumber, certification.ExpiresOn?.DayNumber ?? NoExpiry, LevelCode(certification.Level)));
        }
    }

    public Profiles.Certification[]? Get(int slot)
    {
        if (!Bits.Get(Present, slot))
        {
            return null;
        }

        var held = new List<Profiles.Certification>();
        foreach (var (kind, entries) in _kindsInOrder ??= [.. _byKind.OrderBy(k => k.Key, StringComparer.Ordinal)])
        {
            var (start, end) = RangeOf(entries, slot);
            for (var i = start; i < end; i++)
            {
                var e = entries[i];
                held.Add(new Profiles.Certification(kind, e.Level == 0 ? null : Levels[e.Level], DateOnly.FromDayNumber(e.Obtained),
                    e.Expires == NoExpiry ? null : DateOnly.FromDayNumber(e.Expires)));
            }
        }

        return [.. held];
    }

    /// <summary>
    /// The slots holding a certification of the kind (and level) in force on asOf, obtained after notBefore: a ready
    /// bitset, computed on first use for that question and then kept exact by every write (a handful of questions per
    /// day; past <see cref="HeldQuestions"/> one is dropped to make room). Read-only for the caller.
    /// </summary>
    public ulong[] Holding(string kind, string? level, DateOnly asOf, DateOnly? notBefore)
    {
        var key = new HeldQuestion(kind, level is null ? (byte)0 : LevelCode(level), asOf.DayNumber, notBefore?.DayNumber ?? int.MinValue);
        if (_held.Find(key) is { } ready)
        {
            return ready;
        }

        var bits = new ulong[Present.Length];
        if (_byKind.TryGetValue(kind, out var entries))
        {
            foreach (var e in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries))
            {
                if (key.Holds(e))
                {
                    bits[e.Slot >> 6] |= 1UL << e.Slot;
                }
            }
        }

        return _held.Keep(key, bits);
    }

    /// <summary>How many certification questions are kept answered (each a bitset over the population).</summary>
    public const int HeldQuestions = 8;

    private readonly KeptAnswers<HeldQuestion> _held = new(HeldQuestions);

    private readonly record struct HeldQuestion(string Kind, byte Level, int Today, int After)
    {
        public bool Holds(Entry e) => e.Obtained <= Today && Today < e.Expires && e.Obtained > After && (Level == 0 || e.Level == Level);
    }

    /// <summary>A write: every kept answer re-decided for the slot (writers hold the index's write lock, so no reader sees it half done).</summary>
    private void Reanswer(int slot)
    {
        foreach (var (question, bits) in _held)
        {
            var holds = false;
            if (_byKind.TryGetValue(question.Kind, out var entries))
            {
                var (start, end) = RangeOf(entries, slot);
                for (var i = start; i < end && !holds; i++)
                {
                    holds = question.Holds(entries[i]);
                }
            }

            Bits.Assign(bits, slot, holds);
        }
    }

    public void TrimExcess()
    {
        foreach (var entries in _byKind.Values)
        {
            entries.TrimExcess();
        }
    }

    private static byte LevelCode(string? level) => (byte)Math.Max(0, Array.IndexOf(Levels, level ?? ""));

    private static (int Start, int End) RangeOf(List<Entry> entries, int slot)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries);
        int lo = 0, hi = span.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (span[mid].Slot < slot) { lo = mid + 1; } else { hi = mid; }
        }

        var end = lo;
        while (end < span.Length && span[end].Slot == slot)
        {
            end++;
        }

        return (lo, end);
    }

    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(FieldCatalog.Certifications);
        writer.Write(_byKind.Count);
        foreach (var (kind, entries) in _byKind)
        {
            writer.Write(kind);
            writer.WriteArray<Entry>(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));
        }

        writer.WriteArray(Present);
    }

    public void ReadFrom(BinaryReader reader)
    {
        SnapshotIo.Expect(reader, FieldCatalog.Certifications);
        for (int k = 0, kinds = SnapshotIo.Count(reader); k < kinds; k++)
        {
            _byKind.Add(reader.ReadString(), [.. reader.ReadArray<Entry>()]);
        }

        Present = reader.ReadArray<ulong>();
    }

    public long Bytes => Present.Length * 8L + _byKind.Values.Sum(e => (long)e.Capacity * 16) + _held.Bytes;
}

/// <summary>
/// Questions kept answered as bitsets over the population (an <c>under</c> prefix, a certification question): made by a
/// reader on first use, kept exact by writers (who hold the index's write lock and re-decide each kept answer for the
/// slots they write), at most <paramref name="capacity"/> of them — past it one is dropped to make room.
/// </summary>
internal sealed class KeptAnswers<TKey>(int capacity, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly Dictionary<TKey, ulong[]> _answers = new(comparer);
    private readonly Lock _lock = new();

    public ulong[]? Find(TKey key)
    {
        lock (_lock)
        {
            return _answers.GetValueOrDefault(key);
        }
    }

    /// <summary>Keeps <paramref name="bits"/> as the answer to <paramref name="key"/>, or returns the one another reader kept first.</summary>
    public ulong[] Keep(TKey key, ulong[] bits)
    {
        lock (_lock)
        {
            if (_answers.TryGetValue(key, out var raced))
            {
                return raced;
            }

            if (_answers.Count >= capacity)
            {
                _answers.Remove(_answers.Keys.First());
            }

            _answers[key] = bits;
            return bits;
        }
    }

    /// <summary>Every kept answer, for a writer to re-decide (no reader runs meanwhile).</summary>
    public Dictionary<TKey, ulong[]>.Enumerator GetEnumerator() => _answers.GetEnumerator();

    /// <summary>Forgets every answer (the population's size changed).</summary>
    public void Clear() => _answers.Clear();

    public long Bytes => _answers.Values.Sum(b => b.Length * 8L);
}
