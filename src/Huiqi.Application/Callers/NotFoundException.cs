namespace Huiqi.Application.Callers;

/// <summary>What was asked for is not there (NOT_FOUND / 404); <see cref="What"/> names it for people, e.g. 企业画像.</summary>
public sealed class NotFoundException(string what) : Exception($"{what}不存在")
{
    public string What { get; } = what;
}

/// <summary>A refusal that is neither bad input nor a permission: a stable <see cref="Code"/> and a zh-CN message.</summary>
public sealed class RefusedException(RefusalKind kind, string code, string message) : Exception(message)
{
    public RefusalKind Kind { get; } = kind;
    public string Code { get; } = code;
}

/// <summary>How a face reports a refusal: NOT_FOUND / ABORTED / FAILED_PRECONDITION (404 / 409 / 409).</summary>
public enum RefusalKind
{
    NotFound,
    Aborted,
    FailedPrecondition,
}
