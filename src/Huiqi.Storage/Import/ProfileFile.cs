using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;

namespace Huiqi.Storage.Import;

public enum ImportFormat
{
    Ndjson,
    Csv,
}

/// <summary>One row of an import file: its line, the profile when the row is valid, else why not.</summary>
public sealed record ImportRow(long Line, EnterpriseProfile? Profile, IReadOnlyList<FieldError> Errors);

/// <summary>
/// Reads profiles from NDJSON (one §1 profile in camelCase per line) or CSV (a header of §1 field names; sets
/// separated by <c>|</c>; certifications as <c>kind:level:obtained_on:expires_on</c> separated by <c>|</c>; an
/// empty cell is absent). Every row is validated on its own: a bad row is reported, never thrown.
/// </summary>
public static class ProfileFile
{
    public static ImportFormat FormatOf(string path) =>
        Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? ImportFormat.Csv : ImportFormat.Ndjson;

    public static IEnumerable<ImportRow> Read(TextReader reader, ImportFormat format) =>
        format == ImportFormat.Csv ? ReadCsv(reader) : ReadNdjson(reader);

    private static IEnumerable<ImportRow> ReadNdjson(TextReader reader)
    {
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            EnterpriseProfile? profile = null;
            IReadOnlyList<FieldError> errors = [];
            try
            {
                profile = ProfileJson.Parse(text);
            }
            catch (InvalidInputException ex)
            {
                errors = ex.Errors;
            }

            yield return new ImportRow(line, profile, errors);
        }
    }

    public static readonly string[] CsvColumns = ["uscc", .. ProfileFields.All];

    private static IEnumerable<ImportRow> ReadCsv(TextReader reader)
    {
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, TrimOptions = TrimOptions.Trim });
        if (!parser.Read())
        {
            yield break;
        }

        var header = parser.Record ?? [];
        var unknown = header.Where(h => !CsvColumns.Contains(h)).ToList();
        if (unknown.Count > 0 || !header.Contains("uscc"))
        {
            yield return new ImportRow(1, null, [new FieldError(unknown.FirstOrDefault() ?? "uscc", "csv.header",
                unknown.Count > 0 ? $"表头含未知列“{string.Join("、", unknown)}”，可用列：{string.Join(",", CsvColumns)}" : "表头缺少 uscc 列")]);
            yield break;
        }

        while (parser.Read())
        {
            var record = parser.Record ?? [];
            var line = parser.RawRow;
            var errors = new List<FieldError>();
            var profile = new EnterpriseProfile { Uscc = "" };
            for (var i = 0; i < header.Length; i++)
            {
                var cell = i < record.Length ? record[i] : "";
                if (cell.Length == 0)
                {
                    continue;
                }

                profile = Set(profile, header[i], cell, errors);
            }

            if (errors.Count == 0)
            {
                errors.AddRange(ProfileValidator.Validate(profile));
            }

            yield return new ImportRow(line, errors.Count == 0 ? profile : null, errors);
        }
    }

    private static EnterpriseProfile Set(EnterpriseProfile p, string column, string cell, List<FieldError> errors)
    {
        switch (column)
        {
            case "uscc": return p with { Uscc = cell };
            case FieldCatalog.Name: return p with { Name = cell };
            case FieldCatalog.Region: return p with { Region = cell };
            case FieldCatalog.Zone: return p with { Zone = cell };
            case FieldCatalog.Industry: return p with { Industry = cell };
            case FieldCatalog.Scale: return p with { Scale = cell };
            case FieldCatalog.Ownership: return p with { Ownership = cell };
            case FieldCatalog.TaxCredit: return p with { TaxCredit = cell };
            case FieldCatalog.ListingBoard: return p with { ListingBoard = cell };
            case FieldCatalog.TechDomains: return p with { TechDomains = Set(cell) };
            case FieldCatalog.Tags: return p with { Tags = Set(cell) };
            case FieldCatalog.EstablishedOn: return p with { EstablishedOn = Date(cell, column, errors) };
            case FieldCatalog.Employees: return p with { Employees = Integer(cell, column, errors) };
            case FieldCatalog.AnnualRevenue: return p with { AnnualRevenue = Integer(cell, column, errors) };
            case FieldCatalog.RdExpense: return p with { RdExpense = Integer(cell, column, errors) };
            case FieldCatalog.Dishonest:
                if (cell is "true" or "false") { return p with { Dishonest = cell == "true" }; }
                errors.Add(new(column, "csv.bool", "应为 true 或 false"));
                return p;
            case FieldCatalog.Certifications: return p with { Certifications = Certifications(cell, errors) };
            default: return p;
        }
    }

    /// <summary>"-" stands for a known empty set (an empty cell is absent).</summary>
    private static EquatableArray<string> Set(string cell) =>
        cell == "-" ? EquatableArray<string>.Empty : new EquatableArray<string>(cell.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static long? Integer(string cell, string column, List<FieldError> errors)
    {
        if (long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new(column, "csv.integer", $"“{cell}”不是整数（金额以分计）"));
        return null;
    }

    private static DateOnly? Date(string cell, string column, List<FieldError> errors)
    {
        if (Dates.TryParse(cell, out var date))
        {
            return date;
        }

        errors.Add(new(column, "date.invalid", $"“{cell}”不是有效日期（YYYY-MM-DD）"));
        return null;
    }

    private static EquatableArray<Certification> Certifications(string cell, List<FieldError> errors)
    {
        if (cell == "-")
        {
            return EquatableArray<Certification>.Empty;
        }

        var items = new List<Certification>();
        foreach (var (part, i) in cell.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select((p, i) => (p, i)))
        {
            var bits = part.Split(':');
            if (bits.Length is < 3 or > 4 || !Dates.TryParse(bits[2], out var obtained))
            {
                errors.Add(new($"certifications[{i}]", "csv.certification", $"“{part}”应为 kind:level:obtained_on[:expires_on]"));
                continue;
            }

            DateOnly? expires = null;
            if (bits.Length == 4 && bits[3].Length > 0)
            {
                if (!Dates.TryParse(bits[3], out var e))
                {
                    errors.Add(new($"certifications[{i}].expires_on", "date.invalid", $"“{bits[3]}”不是有效日期"));
                    continue;
                }

                expires = e;
            }

            items.Add(new Certification(bits[0], bits[1].Length == 0 ? null : bits[1], obtained, expires));
        }

        return new EquatableArray<Certification>([.. items]);
    }

    /// <summary>Writes NDJSON (for <c>huiqi generate</c>).</summary>
    public static void WriteNdjson(TextWriter writer, IEnumerable<EnterpriseProfile> profiles)
    {
        foreach (var profile in profiles)
        {
            writer.WriteLine(ProfileJson.Serialize(profile));
        }
    }

}
