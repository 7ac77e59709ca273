using System.Text.Json;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;

namespace Huiqi.Application.Enterprises;

/// <summary>
/// A profile as JSON (ELIGIBILITY.md §1 in camelCase, money in fen) as a client sent it, read and validated once,
/// here; errors name the JSON members sent. Faces pass the document on unparsed.
/// </summary>
public static class ProfileDocuments
{
    /// <summary>A whole profile for <paramref name="uscc"/> (a uscc in the document must be the same).</summary>
    public static EnterpriseProfile Parse(string json, string uscc)
    {
        using var document = Load(json);
        return ProfileJson.Read(document.RootElement, uscc);
    }

    /// <summary>A patch: the members present (null clears one), as field names, and their values.</summary>
    public static (EnterpriseProfile Patch, IReadOnlyList<string> Fields) ParsePatch(string json, string uscc)
    {
        using var document = Load(json);
        var patch = ProfileJson.Read(document.RootElement, uscc);
        var fields = document.RootElement.EnumerateObject()
            .Select(m => ProfileJson.FieldOfMember(m.Name))
            .OfType<string>()
            .Where(f => f != "uscc")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return fields.Count == 0
            ? throw new InvalidInputException([new FieldError("$", "patch.empty", "请至少填写一个字段")])
            : (patch, fields);
    }

    private static JsonDocument Load(string json)
    {
        try
        {
            var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new InvalidInputException([new FieldError("$", "json.type", "请求体应为 JSON 对象")]);
            }

            return document;
        }
        catch (JsonException)
        {
            throw new InvalidInputException([new FieldError("$", "json.malformed", "请求体不是有效的 JSON")]);
        }
    }
}
