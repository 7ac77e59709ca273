using System.Text;

namespace Huiqi.Domain.Matching;

/// <summary>
/// USCC ↔ slot, compactly: the 18 ASCII characters of every slot in one byte array, and an open-addressing
/// hash table of slots (no string objects per enterprise).
/// </summary>
internal sealed class UsccTable
{
    private const int Length = 18;
    private const int Empty = 0, Deleted = -1; // table entries hold slot + 1
    private byte[] _codes = [];
    private int[] _table = new int[16];
    private int _used; // live + deleted entries

    public void Resize(int slots) => Array.Resize(ref _codes, slots * Length);

    /// <summary>
    /// The USCC bytes and the live slots; not the hash table: its positions come from <see cref="HashCode"/>, which is
    /// seeded per process, so the table is built again by the process that reads the snapshot.
    /// </summary>
    public void WriteTo(BinaryWriter writer)
    {
        writer.WriteArray(_codes);
        writer.WriteArray(_table.Where(e => e > 0).Select(e => e - 1).ToArray());
    }

    public void ReadFrom(BinaryReader reader)
    {
        _codes = reader.ReadArray<byte>();
        var slots = reader.ReadArray<int>();
        _table = new int[Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(slots.Length + 1) * 2))];
        _used = slots.Length;
        foreach (var slot in slots)
        {
            if (slot < 0 || (long)(slot + 1) * Length > _codes.Length)
            {
                throw new InvalidDataException("snapshot: a USCC slot outside the table");
            }

            Insert(slot);
        }
    }

    public string Get(int slot) => Encoding.ASCII.GetString(_codes, slot * Length, Length);

    public int Find(string uscc)
    {
        if (uscc.Length != Length)
        {
            return -1;
        }

        Span<byte> key = stackalloc byte[Length];
        Encoding.ASCII.GetBytes(uscc, key);
        var mask = _table.Length - 1;
        for (var i = Hash(key) & mask; ; i = (i + 1) & mask)
        {
            var entry = _table[i];
            if (entry == Empty)
            {
                return -1;
            }

            if (entry > 0 && _codes.AsSpan((entry - 1) * Length, Length).SequenceEqual(key))
            {
                return entry - 1;
            }
        }
    }

    public void Add(string uscc, int slot)
    {
        Encoding.ASCII.GetBytes(uscc, _codes.AsSpan(slot * Length, Length));
        if ((_used + 1) * 2 > _table.Length)
        {
            Rehash();
        }

        Insert(slot);
        _used++;
    }

    public void Remove(string uscc)
    {
        var slot = Find(uscc);
        if (slot < 0)
        {
            return;
        }

        var mask = _table.Length - 1;
        for (var i = Hash(_codes.AsSpan(slot * Length, Length)) & mask; ; i = (i + 1) & mask)
        {
            if (_table[i] == slot + 1)
            {
                _table[i] = Deleted;
                return;
            }
        }
    }

    private void Insert(int slot)
    {
        var mask = _table.Length - 1;
        for (var i = Hash(_codes.AsSpan(slot * Length, Length)) & mask; ; i = (i + 1) & mask)
        {
            if (_table[i] <= 0)
            {
                _table[i] = slot + 1;
                return;
            }
        }
    }

    private void Rehash()
    {
        var live = _table.Where(e => e > 0).ToArray();
        _table = new int[Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(live.Length + 1) * 2))];
        _used = live.Length;
        foreach (var entry in live)
        {
            Insert(entry - 1);
        }
    }

    private static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode() & 0x7FFF_FFFF;
    }

    public long Bytes => _codes.Length + _table.Length * 4L;
}
