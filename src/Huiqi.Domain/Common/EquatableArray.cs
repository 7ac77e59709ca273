using System.Collections;

namespace Huiqi.Domain.Common;

/// <summary>
/// An immutable array with value equality, so that records holding lists (criteria trees, operands) compare by
/// content: <c>parse(print(c)) == c</c> is a plain equality.
/// </summary>
public readonly struct EquatableArray<T>(T[]? items) : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
{
    // Null in default(EquatableArray<T>): read through Items, so a default value is an empty array.
    private readonly T[]? _items = items;

    private T[] Items => _items ?? [];

    public static readonly EquatableArray<T> Empty = new([]);

    public int Count => Items.Length;

    public T this[int index] => Items[index];

    public ReadOnlySpan<T> AsSpan() => _items;

    public bool Equals(EquatableArray<T> other) => AsSpan().SequenceEqual(other.AsSpan(), EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    /// <summary>A span enumerator for <c>foreach</c>: no allocation (the interface one boxes).</summary>
    public ReadOnlySpan<T>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => Items.GetEnumerator();

    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

    public override string ToString() => $"[{string.Join(", ", Items)}]";
}

public static class EquatableArray
{
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) => new([.. items]);
}
