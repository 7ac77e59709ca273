using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>Reads a field of a profile as criteria see it, derived fields computed against as_of. Null = absent.</summary>
public static class FieldValue
{
    public static string? Text(EnterpriseProfile profile, string field) => field switch
    {
        FieldCatalog.Name => profile.Name,
        FieldCatalog.Region => profile.Region,
        FieldCatalog.Zone => profile.Zone,
        FieldCatalog.Industry => profile.Industry,
        FieldCatalog.Scale => profile.Scale,
        FieldCatalog.Ownership => profile.Ownership,
        FieldCatalog.TaxCredit => profile.TaxCredit,
        FieldCatalog.ListingBoard => profile.ListingBoard,
        _ => throw new ArgumentException($"'{field}' is not a text field", nameof(field)),
    };

    public static EquatableArray<string>? Set(EnterpriseProfile profile, string field) => field switch
    {
        FieldCatalog.TechDomains => profile.TechDomains,
        FieldCatalog.Tags => profile.Tags,
        _ => throw new ArgumentException($"'{field}' is not a set field", nameof(field)),
    };

    public static long? Number(EnterpriseProfile profile, string field, DateOnly asOf) => field switch
    {
        FieldCatalog.Employees => profile.Employees,
        FieldCatalog.AnnualRevenue => profile.AnnualRevenue,
        FieldCatalog.RdExpense => profile.RdExpense,
        FieldCatalog.AgeMonths => profile.AgeMonths(asOf),
        FieldCatalog.RdRatioBp => profile.RdRatioBp,
        _ => throw new ArgumentException($"'{field}' is not a numeric field", nameof(field)),
    };

    public static DateOnly? Date(EnterpriseProfile profile, string field) => field switch
    {
        FieldCatalog.EstablishedOn => profile.EstablishedOn,
        _ => throw new ArgumentException($"'{field}' is not a date field", nameof(field)),
    };

    public static bool? Bool(EnterpriseProfile profile, string field) => field switch
    {
        FieldCatalog.Dishonest => profile.Dishonest,
        _ => throw new ArgumentException($"'{field}' is not a bool field", nameof(field)),
    };

    /// <summary>Whether the field has a value (derived fields: whether they can be computed).</summary>
    public static bool IsPresent(EnterpriseProfile profile, FieldDef field, DateOnly asOf) => field.Type switch
    {
        FieldType.Code or FieldType.Text => Text(profile, field.Name) is not null,
        FieldType.Set => Set(profile, field.Name) is not null,
        FieldType.Integer or FieldType.Money => Number(profile, field.Name, asOf) is not null,
        FieldType.Date => Date(profile, field.Name) is not null,
        FieldType.Bool => Bool(profile, field.Name) is not null,
        _ => false,
    };

    /// <summary>
    /// The stored fields an enterprise would fill in to make <paramref name="field"/> known: the field itself, or
    /// for a derived field its absent sources (all sources when none is absent, e.g. annual_revenue = 0).
    /// </summary>
    public static IEnumerable<string> MissingSources(EnterpriseProfile profile, FieldDef field)
    {
        if (!field.IsDerived)
        {
            return [field.Name];
        }

        var absent = field.Sources!.Where(source => !IsPresent(profile, FieldCatalog.Get(source), default)).ToArray();
        return absent.Length > 0 ? absent : field.Sources!;
    }
}
