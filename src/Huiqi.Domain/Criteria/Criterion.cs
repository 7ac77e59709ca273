using Huiqi.Domain.Common;

namespace Huiqi.Domain.Criteria;

/// <summary>A criterion tree (ELIGIBILITY.md §2). Records with value equality all the way down.</summary>
public abstract record Criterion;

/// <summary>Kleene AND: false if any child is false, else unknown if any is unknown, else true. Empty is true.</summary>
public sealed record AllOf(EquatableArray<Criterion> Children) : Criterion
{
    public AllOf(params Criterion[] children) : this(new EquatableArray<Criterion>(children)) { }
}

/// <summary>Kleene OR: true if any child is true, else unknown if any is unknown, else false. Empty is false.</summary>
public sealed record AnyOf(EquatableArray<Criterion> Children) : Criterion
{
    public AnyOf(params Criterion[] children) : this(new EquatableArray<Criterion>(children)) { }
}

/// <summary>Swaps true and false; unknown stays unknown.</summary>
public sealed record Not(Criterion Child) : Criterion;

/// <summary>A leaf on one profile field. Single-operand ops carry exactly one value.</summary>
public sealed record Predicate(string Field, Op Op, EquatableArray<Operand> Values) : Criterion
{
    public Predicate(string field, Op op, params Operand[] values) : this(field, op, new EquatableArray<Operand>(values)) { }
}

/// <summary>The enterprise holds a certification of <see cref="Kind"/> (and <see cref="Level"/>) in force on as_of, obtained within N months when given.</summary>
public sealed record CertPredicate(string Kind, string? Level = null, int? ObtainedWithinMonths = null) : Criterion;

public enum Op
{
    Eq,
    Ne,
    In,
    NotIn,
    Under,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    HasAny,
    HasAll,
    HasNone,
}

public static class OpNames
{
    private static readonly string[] Names = ["eq", "ne", "in", "not_in", "under", "lt", "le", "gt", "ge", "between", "has_any", "has_all", "has_none"];

    /// <summary>The op as written in canonical JSON (<c>not_in</c>, <c>has_any</c>).</summary>
    public static string Name(this Op op) => Names[(int)op];

    public static bool TryParse(string? name, out Op op)
    {
        var index = Array.IndexOf(Names, name);
        op = index < 0 ? default : (Op)index;
        return index >= 0;
    }

    /// <summary>Ops that take a list of operands (<c>values</c>); the others take exactly one (<c>value</c>).</summary>
    public static bool TakesList(this Op op) => op is Op.In or Op.NotIn or Op.Between or Op.HasAny or Op.HasAll or Op.HasNone;
}

/// <summary>An operand value. Which kind a field takes is fixed by its type (see <see cref="FieldCatalog"/>).</summary>
public abstract record Operand;

public sealed record TextOperand(string Value) : Operand
{
    public override string ToString() => Value;
}

public sealed record IntegerOperand(long Value) : Operand
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record BoolOperand(bool Value) : Operand
{
    public override string ToString() => Value ? "true" : "false";
}

public sealed record DateOperand(DateOnly Value) : Operand
{
    public override string ToString() => Dates.Format(Value);
}
