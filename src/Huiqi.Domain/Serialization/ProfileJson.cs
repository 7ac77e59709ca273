using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Serialization;

/// <summary>
/// The JSON form of a profile (ELIGIBILITY.md §1 in camelCase: <c>annualRevenue</c>, <c>techDomains</c>, money in
/// fen, dates <c>YYYY-MM-DD</c>). An absent field is a missing member (or null). Unknown members and wrong types
/// are errors naming the member.
/// </summary>
public static class ProfileJson
{
    private static readonly Dictionary<string, string> MemberToField = new(StringComparer.Ordinal)
    {
        ["uscc"] = "uscc",
        ["name"] = FieldCatalog.Name,
        ["region"] = FieldCatalog.Region,
        ["zone"] = FieldCatalog.Zone,
        ["industry"] = FieldCatalog.Industry,
        ["techDomains"] = FieldCatalog.TechDomains,
        ["scale"] = FieldCatalog.Scale,
        ["ownership"] = FieldCatalog.Ownership,
        ["establishedOn"] = FieldCatalog.EstablishedOn,
        ["employees"] = FieldCatalog.Employees,
        ["annualRevenue"] = FieldCatalog.AnnualRevenue,
        ["rdExpense"] = FieldCatalog.RdExpense,
        ["taxCredit"] = FieldCatalog.TaxCredit,
        ["dishonest"] = FieldCatalog.Dishonest,
        ["listingBoard"] = FieldCatalog.ListingBoard,
        ["certifications"] = FieldCatalog.Certifications,
        ["tags"] = FieldCatalog.Tags,
    };

    /// <summary>The §1 field a JSON member names (<c>annualRevenue</c> → <c>annual_revenue</c>), or null.</summary>
    public static string? FieldOfMember(string member) => MemberToField.GetValueOrDefault(member);

    /// <summary>The JSON member of a §1 field (<c>annual_revenue</c> → <c>annualRevenue</c>), or null.</summary>
    public static string? MemberOfField(string field) => MemberToField.FirstOrDefault(p => p.Value == field).Key;

    /// <summary>Chinese text stays readable (and a third of the size) in stored JSON.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The USCC given to policy examples that do not name one.</summary>
    public static readonly string ExampleUscc = Uscc.Complete("91000000EXAMPLE00");

    /// <summary>One field's value as canonical JSON (<c>1200000</c>, <c>"620102"</c>, <c>[{…}]</c>), or null when absent.</summary>
    public static string? FieldValueJson(EnterpriseProfile profile, string field)
    {
        var only = ProfileFields.Copy(new EnterpriseProfile { Uscc = profile.Uscc }, profile, field);
        using var document = JsonDocument.Parse(Serialize(Normalize(only)));
        return document.RootElement.TryGetProperty(MemberOfField(field)!, out var value) ? value.GetRawText() : null;
    }

    public static string Serialize(EnterpriseProfile profile)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            Write(writer, profile);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, EnterpriseProfile profile)
    {
        writer.WriteStartObject();
        writer.WriteString("uscc", profile.Uscc);
        WriteString(writer, "name", profile.Name);
        WriteString(writer, "region", profile.Region);
        WriteString(writer, "zone", profile.Zone);
        WriteString(writer, "industry", profile.Industry);
        WriteSet(writer, "techDomains", profile.TechDomains);
        WriteString(writer, "scale", profile.Scale);
        WriteString(writer, "ownership", profile.Ownership);
        if (profile.EstablishedOn is { } established)
        {
            writer.WriteString("establishedOn", Dates.Format(established));
        }

        WriteNumber(writer, "employees", profile.Employees);
        WriteNumber(writer, "annualRevenue", profile.AnnualRevenue);
        WriteNumber(writer, "rdExpense", profile.RdExpense);
        WriteString(writer, "taxCredit", profile.TaxCredit);
        if (profile.Dishonest is { } dishonest)
        {
            writer.WriteBoolean("dishonest", dishonest);
        }

        WriteString(writer, "listingBoard", profile.ListingBoard);
        if (profile.Certifications is { } certifications)
        {
            writer.WriteStartArray("certifications");
            foreach (var c in certifications)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", c.Kind);
                WriteString(writer, "level", c.Level);
                writer.WriteString("obtainedOn", Dates.Format(c.ObtainedOn));
                if (c.ExpiresOn is { } expires)
                {
                    writer.WriteString("expiresOn", Dates.Format(expires));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteSet(writer, "tags", profile.Tags);
        writer.WriteEndObject();
    }

    /// <summary>Reads and validates; throws <see cref="InvalidInputException"/> with every error found.</summary>
    public static EnterpriseProfile Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError("$", "json.malformed", $"JSON 格式错误：{ex.Message}")]);
        }
    }

    /// <summary>Reads and validates one profile object.</summary>
    public static EnterpriseProfile Read(JsonElement element, string? uscc = null)
    {
        var errors = new List<FieldError>();
        var profile = ReadUnvalidated(element, errors, uscc);
        if (profile is not null && errors.Count == 0)
        {
            errors.AddRange(ProfileValidator.Validate(profile));
        }

        return errors.Count == 0 ? profile! : throw new InvalidInputException(errors);
    }

    private static EnterpriseProfile? ReadUnvalidated(JsonElement element, List<FieldError> errors, string? uscc)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("$", "json.type", "企业画像应为 JSON 对象"));
            return null;
        }

        var profile = new EnterpriseProfile { Uscc = uscc ?? "" };
        foreach (var member in element.EnumerateObject())
        {
            if (!MemberToField.TryGetValue(member.Name, out var field))
            {
                errors.Add(new(member.Name, "json.unknown_member", $"未知字段“{member.Name}”"));
                continue;
            }

            var value = member.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue; // null = absent
            }

            profile = member.Name switch
            {
                "uscc" => profile with { Uscc = uscc is null ? Text(value, field, errors) ?? "" : SameUscc(value, uscc, errors) },
                "name" => profile with { Name = Text(value, field, errors) },
                "region" => profile with { Region = Text(value, field, errors) },
                "zone" => profile with { Zone = Text(value, field, errors) },
                "industry" => profile with { Industry = Text(value, field, errors) },
                "techDomains" => profile with { TechDomains = TextSet(value, field, errors) },
                "scale" => profile with { Scale = Text(value, field, errors) },
                "ownership" => profile with { Ownership = Text(value, field, errors) },
                "establishedOn" => profile with { EstablishedOn = Date(value, field, errors) },
                "employees" => profile with { Employees = Integer(value, field, errors, "应为整数（人数）") },
                "annualRevenue" => profile with { AnnualRevenue = Integer(value, field, errors) },
                "rdExpense" => profile with { RdExpense = Integer(value, field, errors) },
                "taxCredit" => profile with { TaxCredit = Text(value, field, errors) },
                "dishonest" => profile with { Dishonest = Boolean(value, field, errors) },
                "listingBoard" => profile with { ListingBoard = Text(value, field, errors) },
                "certifications" => profile with { Certifications = Certifications(value, errors) },
                "tags" => profile with { Tags = TextSet(value, field, errors) },
                _ => profile,
            };
        }

        if (profile.Uscc.Length == 0 && errors.Count == 0)
        {
            errors.Add(new("uscc", "uscc.missing", "缺少统一社会信用代码"));
        }

        return profile;
    }

    /// <summary>A short, stable fingerprint of a profile's content (sets compared as sets), for "unchanged" detection.</summary>
    public static string Fingerprint(EnterpriseProfile profile) => FingerprintOf(Serialize(Normalize(profile)));

    /// <summary>The fingerprint of an already normalized profile's JSON.</summary>
    public static string FingerprintOf(string normalizedJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedJson)).AsSpan(0, 16));

    /// <summary>The stored form: sets sorted without duplicates, certifications in a fixed order, so equal content stores (and fingerprints) equal.</summary>
    public static EnterpriseProfile Normalize(EnterpriseProfile profile) => profile with
    {
        TechDomains = Sorted(profile.TechDomains),
        Tags = Sorted(profile.Tags),
        Certifications = profile.Certifications is { Count: > 1 } c
            ? new EquatableArray<Certification>([.. c.OrderBy(x => x.Kind, StringComparer.Ordinal).ThenBy(x => x.ObtainedOn).ThenBy(x => x.Level, StringComparer.Ordinal).ThenBy(x => x.ExpiresOn)])
            : profile.Certifications,
    };

    private static EquatableArray<string>? Sorted(EquatableArray<string>? set) =>
        set is { } s ? new EquatableArray<string>([.. s.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]) : null;

    private static string SameUscc(JsonElement value, string uscc, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String || value.GetString() != uscc)
        {
            errors.Add(new("uscc", "uscc.mismatch", "请求体中的统一社会信用代码与地址中的不一致"));
        }

        return uscc;
    }

    private static string? Text(JsonElement value, string field, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        errors.Add(new(field, "json.type", "应为字符串"));
        return null;
    }

    private static long? Integer(JsonElement value, string field, List<FieldError> errors, string message = "应为整数（金额以分计）")
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        errors.Add(new(field, "json.type", message));
        return null;
    }

    private static bool? Boolean(JsonElement value, string field, List<FieldError> errors)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        errors.Add(new(field, "json.type", "应为 true 或 false"));
        return null;
    }

    private static DateOnly? Date(JsonElement value, string field, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.String && Dates.TryParse(value.GetString(), out var date))
        {
            return date;
        }

        errors.Add(new(field, "date.invalid", "应为有效日期（YYYY-MM-DD）"));
        return null;
    }

    private static EquatableArray<string>? TextSet(JsonElement value, string field, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new(field, "json.type", "应为字符串数组"));
            return null;
        }

        var items = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (Text(item, $"{field}[{i++}]", errors) is { } text)
            {
                items.Add(text);
            }
        }

        return new EquatableArray<string>([.. items]);
    }

    private static EquatableArray<Certification>? Certifications(JsonElement value, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new("certifications", "json.type", "应为数组"));
            return null;
        }

        var items = new List<Certification>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"certifications[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(path, "json.type", "应为对象"));
                continue;
            }

            string? kind = null, level = null;
            DateOnly? obtained = null, expires = null;
            foreach (var member in item.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "kind": kind = Text(member.Value, $"{path}.kind", errors); break;
                    case "level": level = member.Value.ValueKind == JsonValueKind.Null ? null : Text(member.Value, $"{path}.level", errors); break;
                    case "obtainedOn": obtained = Date(member.Value, $"{path}.obtained_on", errors); break;
                    case "expiresOn": expires = member.Value.ValueKind == JsonValueKind.Null ? null : Date(member.Value, $"{path}.expires_on", errors); break;
                    default: errors.Add(new($"{path}.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
                }
            }

            if (kind is null || obtained is null)
            {
                errors.Add(new(path, "certification.incomplete", "资质需要 kind 和 obtainedOn"));
                continue;
            }

            items.Add(new Certification(kind, level, obtained.Value, expires));
        }

        return new EquatableArray<Certification>([.. items]);
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void WriteSet(Utf8JsonWriter writer, string name, EquatableArray<string>? values)
    {
        if (values is { } set)
        {
            writer.WriteStartArray(name);
            foreach (var value in set)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }
    }
}
