namespace Huiqi.Domain.Serialization;

/// <summary>One reason input was refused: the path of the bad value, a stable code, and a zh-CN message.</summary>
public sealed record FieldError(string Field, string Code, string Message)
{
    /// <summary>One zh-CN sentence for people: how many errors, and the first five.</summary>
    public static string Summarize(IReadOnlyCollection<FieldError> errors) =>
        $"请求有 {errors.Count} 处错误：{string.Join("；", errors.Take(5).Select(e => $"{e.Field} {e.Message}"))}";
}

/// <summary>Thrown by the codecs; carries every error found, not only the first.</summary>
public sealed class InvalidInputException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join("；", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}
