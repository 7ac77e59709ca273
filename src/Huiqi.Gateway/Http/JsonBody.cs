using System.Text.Json;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Reads a request body as JSON. The domain's readers then validate it member by member (unknown members, wrong
/// types), so every problem is reported with its field at once instead of the first one a serializer trips on.
/// </summary>
public static class JsonBody
{
    public static async Task<JsonDocument> ReadAsync(HttpRequest request, bool optional = false)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return optional ? JsonDocument.Parse("{}") : throw new InvalidInputException([new FieldError("$", "json.missing", "缺少请求体（JSON）")]);
        }

        if (!request.HasJsonContentType())
        {
            throw new UnsupportedMediaTypeException();
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"第 {line + 1} 行第 {(ex.BytePositionInLine ?? 0) + 1} 个字节附近" : "";
            throw new InvalidInputException([new FieldError(ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "$", "json.malformed", $"JSON 格式错误{(where.Length > 0 ? "：" + where : "")}")]);
        }

        if (BadText(document.RootElement, "$") is { } bad)
        {
            document.Dispose();
            throw new InvalidInputException([new FieldError(bad, "json.encoding", "文本不是有效的 UTF-8（或含有不成对的代理字符）")]);
        }

        return document;
    }

    /// <summary>
    /// The path of the first string or member name that is not valid Unicode text (invalid UTF-8 bytes, or an escaped
    /// lone surrogate such as <c>"\ud800"</c>): the parser accepts them, and reading them later would throw. Checked
    /// once here, for every body.
    /// </summary>
    private static string? BadText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(() => element.GetString()) ? null : path;
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if (!IsText(() => member.Name))
                    {
                        return path;
                    }

                    if (BadText(member.Value, path == "$" ? member.Name : $"{path}.{member.Name}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (BadText(item, $"{(path == "$" ? "" : path)}[{i++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsText(Func<string?> read)
    {
        try
        {
            var text = read();
            return text is null || !HasLoneSurrogate(text);
        }
        catch (InvalidOperationException)
        {
            return false; // invalid UTF-8
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A body that must be a JSON object with no members but <paramref name="members"/> (unknown ones are errors);
    /// an absent body counts as <c>{}</c> when <paramref name="optional"/>. The caller reads the members.
    /// </summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, bool optional, params string[] members)
    {
        using var body = await ReadAsync(request, optional);
        var errors = new List<FieldError>();
        RequireObject(body.RootElement, errors, members);
        ThrowIfAny(errors);
        return body.RootElement.Clone();
    }

    /// <summary>Reads an object whose members are all optional strings / string arrays; unknown members and wrong types are errors.</summary>
    public static string? OptionalString(JsonElement root, string member, List<FieldError> errors)
    {
        if (!root.TryGetProperty(member, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(member, "json.type", "应为字符串"));
            return null;
        }

        return value.GetString();
    }

    public static string? RequiredString(JsonElement root, string member, List<FieldError> errors, int maxLength = 500)
    {
        var value = OptionalString(root, member, errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            if (!errors.Any(e => e.Field == member))
            {
                errors.Add(new FieldError(member, "required", "不能为空"));
            }

            return null;
        }

        if (value.Length > maxLength)
        {
            errors.Add(new FieldError(member, "too_long", $"不能超过 {maxLength} 个字符"));
            return null;
        }

        return value.Trim();
    }

    public static IReadOnlyList<string> StringArray(JsonElement root, string member, List<FieldError> errors)
    {
        if (!root.TryGetProperty(member, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            errors.Add(new FieldError(member, "json.type", "应为字符串数组"));
            return [];
        }

        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>
    /// An array of objects under <paramref name="member"/>, each with no members but <paramref name="itemMembers"/>;
    /// errors are named by position (<c>payments[2].paymentReference</c>). The caller reads each item's members.
    /// </summary>
    public static IReadOnlyList<JsonElement> ObjectArray(JsonElement root, string member, List<FieldError> errors, params string[] itemMembers)
    {
        if (!root.TryGetProperty(member, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(member, value.ValueKind == JsonValueKind.Undefined ? "required" : "json.type", "应为对象数组"));
            return [];
        }

        var items = value.EnumerateArray().ToList();
        for (var i = 0; i < items.Count; i++)
        {
            var itemErrors = new List<FieldError>();
            RequireObject(items[i], itemErrors, itemMembers);
            errors.AddRange(itemErrors.Select(e => e with { Field = e.Field == "$" ? $"{member}[{i}]" : $"{member}[{i}].{e.Field}" }));
        }

        return items;
    }

    public static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new InvalidInputException(errors);
        }
    }

    /// <summary>Members not in <paramref name="known"/> are errors; a non-object body is one.</summary>
    private static void RequireObject(JsonElement root, List<FieldError> errors, params string[] known)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("$", "json.type", "请求体应为 JSON 对象"));
            return;
        }

        foreach (var member in root.EnumerateObject())
        {
            if (!known.Contains(member.Name, StringComparer.Ordinal))
            {
                errors.Add(new FieldError(member.Name, "json.unknown_member", $"未知字段“{member.Name}”"));
            }
        }
    }
}

/// <summary>The body is not JSON.</summary>
public sealed class UnsupportedMediaTypeException() : Exception("请求体应为 JSON（Content-Type: application/json）");
