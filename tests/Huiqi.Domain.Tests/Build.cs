using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Tests;

/// <summary>Terse builders for test data.</summary>
internal static class Build
{
    public const string SampleUscc = "91620100MA0000000C";

    public static readonly DateOnly AsOf = new(2026, 6, 1);

    public static EnterpriseProfile Profile() => new() { Uscc = SampleUscc };

    public static DateOnly D(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd");

    public static EquatableArray<string> Set(params string[] values) => new(values);

    public static EquatableArray<Certification> Certs(params Certification[] values) => new(values);

    public static Predicate Leaf(string field, Op op, params object[] values) =>
        new(field, op, values.Select(ToOperand).ToEquatableArray());

    public static Operand ToOperand(object value) => value switch
    {
        string s => new TextOperand(s),
        int i => new IntegerOperand(i),
        long l => new IntegerOperand(l),
        bool b => new BoolOperand(b),
        DateOnly d => new DateOperand(d),
        _ => throw new ArgumentException($"no operand for {value}"),
    };

    public static AllOf All(params Criterion[] children) => new(children);

    public static AnyOf Any(params Criterion[] children) => new(children);
}
