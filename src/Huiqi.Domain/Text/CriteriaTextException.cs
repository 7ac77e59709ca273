namespace Huiqi.Domain.Text;

/// <summary>A syntax or validation error in the text form, with its 1-based line and column.</summary>
public sealed class CriteriaTextException(string reason, int line, int column, string code = "criteria_text.syntax")
    : FormatException($"第 {line} 行第 {column} 列：{reason}")
{
    public string Reason { get; } = reason;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string Code { get; } = code;
}
