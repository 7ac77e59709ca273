using System.Globalization;

namespace Huiqi.Domain.Explanation;

/// <summary>
/// Money for people: 万元 from 1万元 up when it is a whole number of hundreds of 元 (<c>20万元</c>, <c>2,500万元</c>,
/// <c>12.5万元</c>, <c>1.23万元</c>), otherwise 元 (<c>1,234.56元</c>, <c>800元</c>, and <c>19,999.98元</c> rather than an
/// unreadable <c>1.999998万元</c> — what 按比例核减 produces). Always exact.
/// </summary>
public static class Money
{
    private const long FenPerWan = 1_000_000;

    public static string Format(long fen)
    {
        var culture = CultureInfo.InvariantCulture;
        if (Math.Abs((decimal)fen) >= FenPerWan && fen % 10_000 == 0)
        {
            return (fen / (decimal)FenPerWan).ToString("#,0.##", culture) + "万元";
        }

        return (fen / 100m).ToString("#,0.##", culture) + "元";
    }
}
