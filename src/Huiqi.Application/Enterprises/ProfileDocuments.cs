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

    /// <summary>
    /// One field's value as JSON, for <paramref name="name"/> given as a JSON member (annualRevenue) or by its §1 name
    /// (annual_revenue): read as that member of a profile, so by the same rules as a PATCH. Errors are added naming
    /// <c>field</c> and <c>value</c> (the body's words); the field is null when its name is unknown.
    /// </summary>
    public static (string? Field, EnterpriseProfile? Proposed) ParseValue(string name, string valueJson, string uscc, List<FieldError> errors)
    {
        var field = ProfileJson.FieldOfMember(name) is { } f && f != "uscc" ? f : ProfileFields.IsField(name) ? name : null;
        if (field is null)
        {
            errors.Add(new FieldError("field", "field.unknown", $"“{name}”不是企业画像字段"));
            return (null, null);
        }

        var member = ProfileJson.MemberOfField(field)!;
        try
        {
            using var single = JsonDocument.Parse($"{{\"{member}\":{valueJson}}}");
            return (field, ProfileJson.Read(single.RootElement, uscc));
        }
        catch (JsonException)
        {
            errors.Add(new FieldError("value", "json.malformed", "value 不是有效的 JSON 值"));
        }
        catch (InvalidInputException ex)
        {
            // The reader names the member (annualRevenue) or the field (annual_revenue); here it is the body's "value".
            errors.AddRange(ex.Errors.Select(e => e with
            {
                Field = e.Field.StartsWith(member, StringComparison.Ordinal) ? "value" + e.Field[member.Length..]
                    : e.Field.StartsWith(field, StringComparison.Ordinal) ? "value" + e.Field[field.Length..]
                    : e.Field,
            }));
        }

        return (field, null);
    }
}
