using Google.Rpc;
using Grpc.Core;
using Huiqi.Domain.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Huiqi.Gateway.Http;

/// <summary>One bad input field: <c>field</c> is the JSON member path, <c>code</c> stable for programs, <c>message</c> zh-CN for people.</summary>
public sealed record FieldProblem(string Field, string Code, string Message);

/// <summary>
/// RFC 9457 problem details in zh-CN with a stable machine <c>code</c> (also in <c>type</c> as
/// <c>urn:huiqi:problem:{code}</c>) and, for bad input, <c>errors</c> per field.
/// </summary>
public static class Problems
{
    public static string TitleOf(int status) => status switch
    {
        400 => "请求有误",
        401 => "未登录或登录已失效",
        403 => "无权访问",
        404 => "资源不存在",
        405 => "不支持该请求方法",
        408 => "请求超时",
        409 => "与当前状态冲突",
        413 => "请求内容过大",
        414 => "请求地址过长",
        431 => "请求头过大",
        415 => "不支持的内容类型",
        429 => "请求过于频繁",
        501 => "功能尚未开放",
        502 => "后端服务出错",
        503 => "服务暂不可用",
        504 => "服务响应超时",
        _ => "服务器内部错误",
    };

    public static string CodeOf(int status) => status switch
    {
        400 => "invalid_argument",
        401 => "unauthenticated",
        403 => "permission_denied",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        414 => "uri_too_long",
        431 => "headers_too_large",
        409 => "conflict",
        413 => "body_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        501 => "unimplemented",
        502 => "backend_error",
        503 => "unavailable",
        504 => "deadline_exceeded",
        _ => "internal",
    };

    public static ProblemHttpResult Of(int status, string? code = null, string? detail = null, IReadOnlyList<FieldProblem>? errors = null) =>
        TypedResults.Problem(Details(status, code, detail, errors));

    public static ProblemDetails Details(int status, string? code = null, string? detail = null, IReadOnlyList<FieldProblem>? errors = null)
    {
        code ??= CodeOf(status);
        var problem = new ProblemDetails
        {
            Status = status,
            Type = $"urn:huiqi:problem:{code}",
            Title = TitleOf(status),
            Detail = detail ?? TitleOf(status),
            Extensions = { ["code"] = code },
        };
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }

        return problem;
    }

    public static ProblemHttpResult InvalidInput(IReadOnlyList<FieldError> errors) => Of(400, errors[0].Code, errors);

    /// <summary>What the server found wrong with the request on the wire (Kestrel's <see cref="BadHttpRequestException"/>), in zh-CN.</summary>
    public static ProblemHttpResult OfBadRequest(BadHttpRequestException ex) => ex.StatusCode switch
    {
        413 => Of(413, detail: "请求体超过大小上限"),
        408 => Of(408, detail: "请求体传输过慢，已超时"),
        431 => Of(431, detail: "请求头过大"),
        414 => Of(414, detail: "请求地址过长"),
        _ => Of(400, "http.malformed", "请求格式不正确（例如分块编码或请求体不完整）"),
    };

    private static ProblemHttpResult Of(int status, string code, IReadOnlyList<FieldError> errors) =>
        Of(status, code, FieldError.Summarize(errors), [.. errors.Select(e => new FieldProblem(e.Field, e.Code, e.Message))]);

    /// <summary>The consistent mapping of backend statuses (issue 6); the backend's zh-CN message and reason travel on.</summary>
    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.Aborted => 409,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable or StatusCode.Cancelled => 503,
        StatusCode.DeadlineExceeded => 504,
        _ => 502,
    };

    public static ProblemHttpResult FromRpc(RpcException ex)
    {
        var status = HttpStatusOf(ex.StatusCode);
        var rich = ex.GetRpcStatus();
        var reason = rich?.GetDetail<ErrorInfo>()?.Reason;
        var errors = rich?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations
            .Select(v => new FieldError(ContractNames.JsonPathOf(v.Field), v.Reason, v.Description)).ToList();
        if (errors is { Count: > 0 })
        {
            // The caller's names for the fields, in the text as in the list.
            return Of(status, reason ?? CodeOf(status), errors);
        }

        var detail = status switch
        {
            // The backend's own words for what the caller can act on; never its internals.
            400 or 403 or 404 or 409 or 429 when !string.IsNullOrEmpty(ex.Status.Detail) => ex.Status.Detail,
            503 => "后端服务暂不可用，请稍后再试",
            504 => "后端服务未能及时响应，请稍后再试",
            _ => null,
        };
        return Of(status, reason ?? CodeOf(status), detail);
    }
}
