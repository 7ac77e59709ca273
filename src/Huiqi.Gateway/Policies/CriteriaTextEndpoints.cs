using System.Text.Json;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Serialization;
using Huiqi.Domain.Text;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Policies;

/// <summary>
/// Criteria in the text form read as an editor types them (<c>employees >= 10 and region under 620100</c>): either the
/// criteria JSON, the canonical text and the zh-CN description, or where the text goes wrong (line, column, reason).
/// </summary>
public sealed record CriteriaTextView(bool Valid, JsonElement? Criteria, string? Text, string? Description, int? Line, int? Column, string? Code, string? Message);

/// <summary>
/// <c>POST /v1/policies/criteria-text</c> (staff, admin): the console's live validation. A pure reading of the text with
/// the domain's parser and validator — nothing is stored; saving a draft validates the policy again in the backend. An
/// invalid text is an answer here (200, <c>valid: false</c>), not a bad request: the request itself was well formed.
/// </summary>
public static class CriteriaTextEndpoints
{
    public static RouteGroupBuilder MapCriteriaText(this RouteGroupBuilder v1)
    {
        v1.MapPost("/policies/criteria-text", (Delegate)ParseAsync).WithName("ParseCriteriaText").WithTags("policies").RequireAuthorization(GatewayAuth.Staff)
            .WithSummary("条件文本的实时校验：成功时给出条件 JSON 与中文说明，失败时给出行、列和原因");
        return v1;
    }

    private static async Task<Ok<CriteriaTextView>> ParseAsync(HttpContext http)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, optional: false, "text");
        var errors = new List<Domain.Serialization.FieldError>();
        var text = JsonBody.RequiredString(body, "text", errors, maxLength: 20_000);
        JsonBody.ThrowIfAny(errors);
        try
        {
            var criterion = CriteriaText.Parse(text!);
            if (CriteriaValidator.Validate(criterion) is [var first, ..])
            {
                return TypedResults.Ok(new CriteriaTextView(false, null, null, null, null, null, first.Code, first.Message));
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                PolicyJson.WriteCriterion(writer, criterion);
            }

            using var json = JsonDocument.Parse(buffer.ToArray());
            return TypedResults.Ok(new CriteriaTextView(true, json.RootElement.Clone(), CriteriaText.Print(criterion), ConditionText.DescribeCriteria(criterion),
                null, null, null, null));
        }
        catch (CriteriaTextException ex)
        {
            return TypedResults.Ok(new CriteriaTextView(false, null, null, null, ex.Line, ex.Column, ex.Code, ex.Message));
        }
    }
}
