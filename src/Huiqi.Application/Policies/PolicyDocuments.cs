using System.Text.Json;
using Huiqi.Domain.Serialization;

namespace Huiqi.Application.Policies;

/// <summary>
/// A policy's JSON document (ELIGIBILITY.md §4) as a client sent it, read and validated once, here: errors name the
/// JSON member paths the client sent. Faces pass the document on unparsed.
/// </summary>
public static class PolicyDocuments
{
    /// <param name="id">The policy a change is for (from the request's address): an id in the document must be the same.</param>
    public static PolicyJson.Document Parse(string json, string? id)
    {
        PolicyJson.Document document;
        try
        {
            using var parsed = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            document = PolicyJson.Read(parsed.RootElement);
        }
        catch (JsonException)
        {
            throw new InvalidInputException([new FieldError("$", "json.malformed", "请求体不是有效的 JSON")]);
        }

        if (id is null)
        {
            return document;
        }

        if (document.Policy.Id.Length > 0 && document.Policy.Id != id)
        {
            throw new InvalidInputException([new FieldError("id", "policy.id_mismatch", "请求体中的政策编号与地址中的不一致")]);
        }

        return document with { Policy = document.Policy with { Id = id } };
    }
}
