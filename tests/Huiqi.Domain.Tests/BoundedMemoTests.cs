using Huiqi.Domain.Common;

namespace Huiqi.Domain.Tests;

public sealed class BoundedMemoTests
{
    [Fact]
    public void A_kept_value_is_given_back_for_an_equal_key_and_never_more_than_the_capacity_are_kept()
    {
        var memo = new BoundedMemo<string, int>(100, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(7, memo.Keep("a", 7));
        Assert.True(memo.TryGetValue("A", out var kept));
        Assert.Equal(7, kept);
        Assert.False(memo.TryGetValue("b", out _));

        Parallel.For(0, 10_000, i => memo.Keep($"k{i}", i));

        Assert.InRange(memo.Count, 1, memo.Capacity);
        var found = Enumerable.Range(0, 10_000).Count(i => memo.TryGetValue($"k{i}", out var v) && v == i);
        Assert.InRange(found, 1, memo.Capacity + 64); // emptied when full; keeps racing with the emptying may land just after it
    }
}
