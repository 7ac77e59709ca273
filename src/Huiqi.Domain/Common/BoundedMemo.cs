using System.Collections.Concurrent;

namespace Huiqi.Domain.Common;

/// <summary>
/// Values worked out once and kept for whoever asks with an equal key, at most <paramref name="capacity"/> of them:
/// when full it is emptied and fills again (what recurs comes back within a few requests; tracking what is least
/// used would cost more than it saves). Safe for concurrent use.
/// </summary>
public sealed class BoundedMemo<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _kept = new(comparer);
    private int _count;

    public int Capacity => capacity;

    /// <summary>About how many values are kept now.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool TryGetValue(TKey key, out TValue value) => _kept.TryGetValue(key, out value!);

    public TValue Keep(TKey key, TValue value)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            _kept.Clear();
            Volatile.Write(ref _count, 1);
        }

        _kept[key] = value;
        return value;
    }
}
