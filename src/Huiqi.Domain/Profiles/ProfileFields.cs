using Huiqi.Domain.Criteria;

namespace Huiqi.Domain.Profiles;

/// <summary>The stored fields of a profile by their §1 names: read one, copy one across (field masks, provenance).</summary>
public static class ProfileFields
{
    public static readonly IReadOnlyList<string> All =
    [
        FieldCatalog.Name, FieldCatalog.Region, FieldCatalog.Zone, FieldCatalog.Industry, FieldCatalog.TechDomains, FieldCatalog.Scale,
        FieldCatalog.Ownership, FieldCatalog.EstablishedOn, FieldCatalog.Employees, FieldCatalog.AnnualRevenue, FieldCatalog.RdExpense,
        FieldCatalog.TaxCredit, FieldCatalog.Dishonest, FieldCatalog.ListingBoard, FieldCatalog.Certifications, FieldCatalog.Tags,
    ];

    public static bool IsField(string name) => All.Contains(name);

    /// <summary>The field's value, boxed, or null when absent; values compare with <see cref="object.Equals(object?, object?)"/>.</summary>
    public static object? Get(EnterpriseProfile p, string field) => field switch
    {
        FieldCatalog.Name => p.Name,
        FieldCatalog.Region => p.Region,
        FieldCatalog.Zone => p.Zone,
        FieldCatalog.Industry => p.Industry,
        FieldCatalog.TechDomains => p.TechDomains,
        FieldCatalog.Scale => p.Scale,
        FieldCatalog.Ownership => p.Ownership,
        FieldCatalog.EstablishedOn => p.EstablishedOn,
        FieldCatalog.Employees => p.Employees,
        FieldCatalog.AnnualRevenue => p.AnnualRevenue,
        FieldCatalog.RdExpense => p.RdExpense,
        FieldCatalog.TaxCredit => p.TaxCredit,
        FieldCatalog.Dishonest => p.Dishonest,
        FieldCatalog.ListingBoard => p.ListingBoard,
        FieldCatalog.Certifications => p.Certifications,
        FieldCatalog.Tags => p.Tags,
        _ => throw new ArgumentException($"unknown field '{field}'", nameof(field)),
    };

    /// <summary><paramref name="target"/> with one field taken from <paramref name="source"/> (absent there: absent here).</summary>
    public static EnterpriseProfile Copy(EnterpriseProfile target, EnterpriseProfile source, string field) => field switch
    {
        FieldCatalog.Name => target with { Name = source.Name },
        FieldCatalog.Region => target with { Region = source.Region },
        FieldCatalog.Zone => target with { Zone = source.Zone },
        FieldCatalog.Industry => target with { Industry = source.Industry },
        FieldCatalog.TechDomains => target with { TechDomains = source.TechDomains },
        FieldCatalog.Scale => target with { Scale = source.Scale },
        FieldCatalog.Ownership => target with { Ownership = source.Ownership },
        FieldCatalog.EstablishedOn => target with { EstablishedOn = source.EstablishedOn },
        FieldCatalog.Employees => target with { Employees = source.Employees },
        FieldCatalog.AnnualRevenue => target with { AnnualRevenue = source.AnnualRevenue },
        FieldCatalog.RdExpense => target with { RdExpense = source.RdExpense },
        FieldCatalog.TaxCredit => target with { TaxCredit = source.TaxCredit },
        FieldCatalog.Dishonest => target with { Dishonest = source.Dishonest },
        FieldCatalog.ListingBoard => target with { ListingBoard = source.ListingBoard },
        FieldCatalog.Certifications => target with { Certifications = source.Certifications },
        FieldCatalog.Tags => target with { Tags = source.Tags },
        _ => throw new ArgumentException($"unknown field '{field}'", nameof(field)),
    };
}
