namespace Huiqi.Gateway.Http;

/// <summary>
/// The request line and header limits, enforced by the application so that a request over them is answered with a
/// problem document (414 / 431, zh-CN, a code) rather than Kestrel's bodiless refusal; Kestrel's own limits are set
/// at twice these (see <see cref="GatewayExtensions"/>), so only a request over twice them meets that.
/// </summary>
public sealed class RequestLimits(RequestDelegate next)
{
    /// <summary>Kestrel's defaults: 8 KiB for the request line, 32 KiB for all headers.</summary>
    public const int MaxRequestLineBytes = 8 * 1024, MaxHeaderBytes = 32 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // Method, target and version, as the request line had them (the target before decoding).
        var line = request.Method.Length + 1 + (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget?.Length ?? 0) + 1 + request.Protocol.Length;
        if (line > MaxRequestLineBytes)
        {
            await Problems.Of(414, detail: $"请求地址过长（至多 {MaxRequestLineBytes / 1024} KB）").ExecuteAsync(context);
            return;
        }

        var headers = 0L;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers += name.Length + 2 + (value?.Length ?? 0) + 2;
            }
        }

        if (headers > MaxHeaderBytes)
        {
            await Problems.Of(431, detail: $"请求头过大（至多 {MaxHeaderBytes / 1024} KB）").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
