using System.Globalization;

namespace Huiqi.Domain.Explanation;

/// <summary>Money for people: 万元 from 1万元 up (<c>20万元</c>, <c>2,500万元</c>, <c>12.5万元</c>), 元 below (<c>1,234.56元</c>, <c>800元</c>).</summary>
public static class Money
{
    private const long FenPerWan = 1_000_000;

    public static string Format(long fen)
    {
        var culture = CultureInfo.InvariantCulture;
        if (Math.Abs((decimal)fen) >= FenPerWan)
        {
            return (fen / (decimal)FenPerWan).ToString("#,0.######", culture) + "万元";
        }

        return (fen / 100m).ToString("#,0.##", culture) + "元";
    }
}
