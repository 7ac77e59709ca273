namespace Huiqi.Domain.Common;

public static class Int128Math
{
    /// <summary>Division rounding toward negative infinity (C# division truncates toward zero).</summary>
    public static Int128 FloorDiv(Int128 dividend, Int128 divisor)
    {
        var quotient = dividend / divisor;
        return (dividend % divisor != 0) && ((dividend < 0) != (divisor < 0)) ? quotient - 1 : quotient;
    }

    /// <summary>Clamps to the range of long, for amounts that would overflow.</summary>
    public static long Saturate(Int128 value) =>
        value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;
}
