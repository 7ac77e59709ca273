using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Huiqi.Gateway.Http;

/// <summary>
/// A view written by the serializer code that System.Text.Json generates for it (<see cref="GatewayJsonContext"/>),
/// with Chinese as text — the same bytes as through the gateway's JSON options, at about two thirds of the cost.
/// </summary>
/// <remarks>
/// The generated writer is used only under options without an encoder, yet the gateway's options carry the relaxed
/// one (Chinese as text, not \uXXXX). The encoder belongs to the writer, though: the view is written with the
/// context's own options into a writer of ours that has the relaxed encoder. For the hot answer routes only
/// (docs/benchmarks.md, "The answer path through the JSON gateway"); a test holds the bytes equal to the options' own.
/// </remarks>
public static class GeneratedJson
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static GeneratedJsonResult<T> Ok<T>(T value, JsonTypeInfo<T> type) => new(value, type);

    public static byte[] Bytes<T>(T value, JsonTypeInfo<T> type)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            JsonSerializer.Serialize(writer, value, type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static void Write<T>(IBufferWriter<byte> target, T value, JsonTypeInfo<T> type)
    {
        using var writer = new Utf8JsonWriter(target, Writer);
        JsonSerializer.Serialize(writer, value, type);
    }
}

/// <summary>200 with a view written by <see cref="GeneratedJson"/> straight into the response.</summary>
public sealed class GeneratedJsonResult<T>(T value, JsonTypeInfo<T> type) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>, IContentTypeHttpResult
{
    public T? Value => value;

    object? IValueHttpResult.Value => value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string ContentType => "application/json; charset=utf-8";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = ContentType;
        GeneratedJson.Write(httpContext.Response.BodyWriter, value, type);
        await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}
