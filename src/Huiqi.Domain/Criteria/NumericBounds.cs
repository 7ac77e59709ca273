namespace Huiqi.Domain.Criteria;

/// <summary>The inclusive bounds a numeric condition puts on a value (dates as day numbers).</summary>
public static class NumericBounds
{
    /// <summary>(lo, hi), null on a side that is unbounded; null when the condition is no range (<c>ne</c>, text, an
    /// operand at the end of the number line).</summary>
    public static (long? Lo, long? Hi)? Of(Predicate predicate)
    {
        long? At(int i) => i < predicate.Values.Count ? predicate.Values[i] switch
        {
            IntegerOperand n => n.Value,
            DateOperand d => d.Value.DayNumber,
            _ => null,
        } : null;
        if (At(0) is not { } v)
        {
            return null;
        }

        return predicate.Op switch
        {
            Op.Eq => (v, v),
            Op.Lt => v == long.MinValue ? null : (null, v - 1),
            Op.Le => (null, v),
            Op.Gt => v == long.MaxValue ? null : (v + 1, null),
            Op.Ge => (v, null),
            Op.Between when At(1) is { } hi => (v, hi),
            _ => null,
        };
    }
}
