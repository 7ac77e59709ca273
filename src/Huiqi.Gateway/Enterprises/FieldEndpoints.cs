using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;

namespace Huiqi.Gateway.Enterprises;

/// <summary>A code and its zh-CN name.</summary>
public sealed record CodeView(string Code, string Name);

/// <summary>
/// One fact of a profile as a form asks for it: its §1 name (what <c>missingFields</c> says), the JSON member a PATCH
/// sends, the zh-CN label, the kind of input (<c>text</c>, <c>code</c>, <c>set</c>, <c>integer</c>, <c>money</c> in fen,
/// <c>date</c>, <c>bool</c>, <c>certifications</c>) and, where the values are a closed list, that list.
/// </summary>
public sealed record FieldView(string Name, string Member, string Label, string Type, IReadOnlyList<CodeView>? Values);

public sealed record FieldCatalogView(IReadOnlyList<FieldView> Items, IReadOnlyList<CodeView> CertificationKinds, IReadOnlyList<CodeView> CertificationLevels);

/// <summary>
/// The profile's field catalogue (ELIGIBILITY.md §1) for forms such as the app's 补充信息: enterprises, staff, admin and
/// partners with a profiles scope (<see cref="GatewayAuth.FieldReaders"/>). It is
/// the same for everyone and changes only with a release, so it is built once and may be cached for a day.
/// </summary>
public static class FieldEndpoints
{
    private static readonly FieldCatalogView Catalog = Build();

    public static RouteGroupBuilder MapFields(this RouteGroupBuilder v1)
    {
        v1.MapGet("/fields", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "private, max-age=86400";
            return TypedResults.Ok(Catalog);
        }).WithName("ListProfileFields").WithTags("enterprises").RequireAuthorization(GatewayAuth.FieldReaders)
            .WithSummary("企业画像字段目录（名称、类型、可选值），供补充信息表单使用");
        return v1;
    }

    private static FieldCatalogView Build()
    {
        static IReadOnlyList<CodeView> List(IEnumerable<KeyValuePair<string, string>> values) =>
            [.. values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new CodeView(v.Key, v.Value))];

        var fields = ProfileFields.All.Select(name =>
        {
            var member = ProfileJson.MemberOfField(name) ?? name;
            if (name == FieldCatalog.Certifications)
            {
                return new FieldView(name, member, "资质认定", "certifications", null);
            }

            var def = FieldCatalog.Get(name);
            var values = name switch
            {
                FieldCatalog.Region => List(Codes.Regions),
                FieldCatalog.Industry => List(Codes.Industries),
                FieldCatalog.Zone => List(Codes.Zones),
                _ => def.AllowedValues is { } allowed ? List(allowed) : null,
            };
            var type = def.Type switch
            {
                FieldType.Code => "code",
                FieldType.Set => "set",
                FieldType.Integer => "integer",
                FieldType.Money => "money",
                FieldType.Date => "date",
                FieldType.Bool => "bool",
                _ => values is null ? "text" : "code",
            };
            return new FieldView(name, member, def.Label, type, values);
        }).ToList();
        return new FieldCatalogView(fields, List(Codes.CertificationKinds), List(Codes.CertificationLevels));
    }
}
