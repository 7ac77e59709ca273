using System.Runtime.InteropServices;
using System.Text;

namespace Huiqi.Domain.Matching;

/// <summary>
/// Reading and writing the index's arrays for a snapshot (docs/eligibility.md, "Snapshot"): arrays of plain values
/// as their bytes (little-endian, this machine's layout), each preceded by its length; strings as UTF-8.
/// </summary>
internal static class SnapshotIo
{
    public static void WriteArray<T>(this BinaryWriter writer, T[] array) where T : unmanaged => writer.WriteArray((ReadOnlySpan<T>)array);

    /// <summary>The used part of an array (an arena, a list's items) without copying it first.</summary>
    public static void WriteArray<T>(this BinaryWriter writer, ReadOnlySpan<T> items) where T : unmanaged
    {
        writer.Write(items.Length);
        writer.Write(MemoryMarshal.AsBytes(items));
    }

    public static T[] ReadArray<T>(this BinaryReader reader, long maxLength = int.MaxValue) where T : unmanaged
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > maxLength)
        {
            throw new InvalidDataException($"snapshot: an array of {length} items");
        }

        var array = GC.AllocateUninitializedArray<T>(length);
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }

    public static void WriteStrings(this BinaryWriter writer, IReadOnlyCollection<string> strings)
    {
        writer.Write(strings.Count);
        foreach (var s in strings)
        {
            writer.Write(s);
        }
    }

    public static List<string> ReadStrings(this BinaryReader reader)
    {
        var count = Count(reader);
        var strings = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            strings.Add(reader.ReadString());
        }

        return strings;
    }

    public static void WriteBitsets(this BinaryWriter writer, IReadOnlyCollection<ulong[]> bitsets)
    {
        writer.Write(bitsets.Count);
        foreach (var bits in bitsets)
        {
            writer.WriteArray(bits);
        }
    }

    public static List<ulong[]> ReadBitsets(this BinaryReader reader)
    {
        var count = Count(reader);
        var bitsets = new List<ulong[]>(count);
        for (var i = 0; i < count; i++)
        {
            bitsets.Add(reader.ReadArray<ulong>());
        }

        return bitsets;
    }

    /// <summary>A dictionary-encoded column's values and their bitsets (one per value, in value order).</summary>
    public static void WriteValueBitsets(this BinaryWriter writer, List<string> values, List<ulong[]> bits)
    {
        writer.WriteStrings(values);
        writer.WriteBitsets(bits);
    }

    /// <summary>Reads what <see cref="WriteValueBitsets"/> wrote into empty lists, the ids of the values with them.</summary>
    public static void ReadValueBitsets(this BinaryReader reader, string field, List<string> values, Dictionary<string, int> ids, List<ulong[]> bits)
    {
        values.AddRange(reader.ReadStrings());
        values.ForEach(v => ids.Add(v, ids.Count));
        bits.AddRange(reader.ReadBitsets());
        if (bits.Count != values.Count)
        {
            throw new InvalidDataException($"snapshot: {field} has {values.Count} values and {bits.Count} bitsets");
        }
    }

    /// <summary>A count of things that follow, refused when negative (a corrupt file is not an allocation of 2^31 items).</summary>
    public static int Count(BinaryReader reader, int max = 1 << 24)
    {
        var count = reader.ReadInt32();
        return count >= 0 && count <= max ? count : throw new InvalidDataException($"snapshot: a count of {count}");
    }

    public static void Expect(BinaryReader reader, string tag)
    {
        if (reader.ReadString() != tag)
        {
            throw new InvalidDataException($"snapshot: expected {tag}");
        }
    }

    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
