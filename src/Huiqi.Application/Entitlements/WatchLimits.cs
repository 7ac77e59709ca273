using System.Collections.Concurrent;

namespace Huiqi.Application.Entitlements;

/// <summary>
/// How many live watches (WatchEntitlements, and so the gateway's server-sent events) one caller may hold open on this
/// instance at once (<c>Backend:MaxWatchesPerCaller</c>, default 5: a phone, a tablet, a few tabs). One token cannot
/// pin hundreds of streams; the next one is refused with RESOURCE_EXHAUSTED (429 at the gateway).
/// </summary>
public sealed class WatchLimits(int maxPerCaller)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int MaxPerCaller { get; } = maxPerCaller;

    /// <summary>A slot for <paramref name="caller"/>, or null when it holds the most it may; dispose it when the watch ends.</summary>
    public IDisposable? TryOpen(string caller)
    {
        while (true)
        {
            var open = _open.GetValueOrDefault(caller);
            if (open >= MaxPerCaller)
            {
                return null;
            }

            if (open == 0 ? _open.TryAdd(caller, 1) : _open.TryUpdate(caller, open + 1, open))
            {
                return new Slot(this, caller);
            }
        }
    }

    public int OpenFor(string caller) => _open.GetValueOrDefault(caller);

    private void Close(string caller)
    {
        while (true)
        {
            var open = _open[caller];
            if (open == 1 ? ((ICollection<KeyValuePair<string, int>>)_open).Remove(new(caller, 1)) : _open.TryUpdate(caller, open - 1, open))
            {
                return;
            }
        }
    }

    private sealed class Slot(WatchLimits limits, string caller) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                limits.Close(caller);
            }
        }
    }
}
