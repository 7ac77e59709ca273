using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Writes every problem as <c>application/problem+json</c>, whatever the request's <c>Accept</c> header: the default
/// writer declines when the client asks for XML or an event stream, and the framework then falls back to English plain
/// text. Registered before the default writer, so it is the one asked; like it, it applies the configured
/// customization (our zh-CN title, detail and code).
/// </summary>
public sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        context.ProblemDetails.Status ??= http.Response.StatusCode;
        problems.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(context.ProblemDetails, json.Value.SerializerOptions.GetTypeInfo(typeof(ProblemDetails)),
            "application/problem+json", http.RequestAborted));
    }
}
