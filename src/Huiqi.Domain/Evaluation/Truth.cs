namespace Huiqi.Domain.Evaluation;

/// <summary>Three-valued truth (Kleene).</summary>
public enum Truth : byte
{
    False = 0,
    True = 1,
    Unknown = 2,
}

public static class TruthExtensions
{
    public static Truth Negate(this Truth truth) => truth switch
    {
        Truth.True => Truth.False,
        Truth.False => Truth.True,
        _ => Truth.Unknown,
    };

    public static string Name(this Truth truth) => truth switch
    {
        Truth.True => "true",
        Truth.False => "false",
        _ => "unknown",
    };
}
