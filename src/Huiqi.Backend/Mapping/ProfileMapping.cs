using Google.Protobuf.WellKnownTypes;
using Huiqi.Domain.Common;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Backend.Mapping;

/// <summary>Profiles between the wire (proto enums, <c>optional</c> presence) and the domain (codes, null = absent).</summary>
public static class ProfileMapping
{
    public static V1.EnterpriseProfile ToProto(StoredProfile stored, Storage.Profiles.FactAuthority authority)
    {
        var proto = ToProto(stored.Profile);
        foreach (var (field, provenance) in stored.Provenance)
        {
            proto.Provenance[field] = ToProto(field, provenance, authority);
        }

        proto.UpdatedAt = Timestamp.FromDateTimeOffset(stored.UpdatedAt);
        proto.DocumentJson = ProfileJson.Serialize(stored.Profile);
        return proto;
    }

    public static V1.FieldProvenance ToProto(string field, FieldProvenance provenance, Storage.Profiles.FactAuthority authority) => new()
    {
        Source = ToProto(provenance.Source),
        SourceSystem = provenance.By,
        ChangedAt = Timestamp.FromDateTimeOffset(provenance.ChangedAt),
        Reference = provenance.Reference ?? "",
        Authoritative = authority.IsAuthoritative(field, provenance),
    };

    public static V1.ProfileSource ToProto(ProfileSource source) => source switch
    {
        ProfileSource.PartnerFeed => V1.ProfileSource.PartnerFeed,
        ProfileSource.SelfDeclared => V1.ProfileSource.SelfDeclared,
        _ => V1.ProfileSource.Staff,
    };

    public static V1.EnterpriseProfile ToProto(EnterpriseProfile p)
    {
        var proto = new V1.EnterpriseProfile { Uscc = p.Uscc };
        if (p.Name is { } name) { proto.Name = name; }
        if (p.Region is { } region) { proto.Region = region; }
        if (p.Zone is { } zone) { proto.Zone = zone; }
        if (p.Industry is { } industry) { proto.Industry = industry; }
        if (p.TechDomains is { } domains) { proto.TechDomains = new V1.TechDomainSet { Values = { domains.Select(Enum<V1.TechDomain>) } }; }
        if (p.Scale is { } scale) { proto.Scale = Enum<V1.Scale>(scale); }
        if (p.Ownership is { } ownership) { proto.Ownership = Enum<V1.Ownership>(ownership); }
        if (p.EstablishedOn is { } established) { proto.EstablishedOn = Dates.Format(established); }
        if (p.Employees is { } employees) { proto.Employees = employees; }
        if (p.AnnualRevenue is { } revenue) { proto.AnnualRevenueFen = revenue; }
        if (p.RdExpense is { } rd) { proto.RdExpenseFen = rd; }
        if (p.TaxCredit is { } tax) { proto.TaxCredit = Enum<V1.TaxCredit>(tax); }
        if (p.Dishonest is { } dishonest) { proto.Dishonest = dishonest; }
        if (p.ListingBoard is { } board) { proto.ListingBoard = Enum<V1.ListingBoard>(board); }
        if (p.Tags is { } tags) { proto.Tags = new V1.StringSet { Values = { tags } }; }
        if (p.Certifications is { } certifications)
        {
            proto.Certifications = new V1.CertificationList();
            foreach (var c in certifications)
            {
                var item = new V1.Certification { Kind = Enum<V1.CertificationKind>(c.Kind), ObtainedOn = Dates.Format(c.ObtainedOn) };
                if (c.Level is { } level) { item.Level = Enum<V1.CertificationLevel>(level); }
                if (c.ExpiresOn is { } expires) { item.ExpiresOn = Dates.Format(expires); }
                proto.Certifications.Items.Add(item);
            }
        }

        return proto;
    }

    /// <summary>Reads a wire profile; every problem is a field error named by its proto field path under <paramref name="prefix"/>.</summary>
    public static EnterpriseProfile FromProto(V1.EnterpriseProfile proto, string prefix, List<FieldError> errors)
    {
        var start = errors.Count;
        var profile = new EnterpriseProfile
        {
            Uscc = proto.Uscc,
            Name = proto.HasName ? proto.Name : null,
            Region = proto.HasRegion ? proto.Region : null,
            Zone = proto.HasZone ? proto.Zone : null,
            Industry = proto.HasIndustry ? proto.Industry : null,
            TechDomains = proto.TechDomains is { } domains
                ? new EquatableArray<string>([.. domains.Values.Select((d, i) => Code(d, $"{prefix}tech_domains.values[{i}]", errors))])
                : null,
            Scale = proto.HasScale ? Code(proto.Scale, $"{prefix}scale", errors) : null,
            Ownership = proto.HasOwnership ? Code(proto.Ownership, $"{prefix}ownership", errors) : null,
            EstablishedOn = proto.HasEstablishedOn ? Date(proto.EstablishedOn, $"{prefix}established_on", errors) : null,
            Employees = proto.HasEmployees ? proto.Employees : null,
            AnnualRevenue = proto.HasAnnualRevenueFen ? proto.AnnualRevenueFen : null,
            RdExpense = proto.HasRdExpenseFen ? proto.RdExpenseFen : null,
            TaxCredit = proto.HasTaxCredit ? Code(proto.TaxCredit, $"{prefix}tax_credit", errors) : null,
            Dishonest = proto.HasDishonest ? proto.Dishonest : null,
            ListingBoard = proto.HasListingBoard ? Code(proto.ListingBoard, $"{prefix}listing_board", errors) : null,
            Tags = proto.Tags is { } tags ? new EquatableArray<string>([.. tags.Values]) : null,
            Certifications = proto.Certifications is { } list
                ? new EquatableArray<Certification>([.. list.Items.Select((c, i) => new Certification(
                    Code(c.Kind, $"{prefix}certifications.items[{i}].kind", errors),
                    c.HasLevel ? Code(c.Level, $"{prefix}certifications.items[{i}].level", errors) : null,
                    Date(c.ObtainedOn, $"{prefix}certifications.items[{i}].obtained_on", errors) ?? default,
                    c.HasExpiresOn ? Date(c.ExpiresOn, $"{prefix}certifications.items[{i}].expires_on", errors) : null))])
                : null,
        };
        if (errors.Count == start)
        {
            errors.AddRange(ProfileValidator.Validate(profile).Select(e => e with { Field = prefix + ProtoFieldOf(e.Field) }));
        }

        return profile;
    }

    /// <summary>§1 field name → proto field name (money fields carry a _fen suffix on the wire).</summary>
    public static string ProtoFieldOf(string field) => field switch
    {
        "annual_revenue" => "annual_revenue_fen",
        "rd_expense" => "rd_expense_fen",
        _ => field,
    };

    /// <summary>Proto field name (as in a field mask) → §1 field name, or null when it names no profile field.</summary>
    public static string? FieldOfProto(string path) => path switch
    {
        "annual_revenue_fen" => "annual_revenue",
        "rd_expense_fen" => "rd_expense",
        _ when ProfileFields.IsField(path) => path,
        _ => null,
    };

    private static TEnum Enum<TEnum>(string code) where TEnum : struct, System.Enum
    {
        // Proto enum names are PREFIX_CODE in upper case; the generated C# names are PascalCase of CODE.
        var pascal = string.Concat(code.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()));
        return System.Enum.Parse<TEnum>(pascal, ignoreCase: true);
    }

    /// <summary>The §1 code of a wire enum value (TECH_DOMAIN_ELECTRONIC_INFO → electronic_info).</summary>
    public static string CodeOf<TEnum>(TEnum value) where TEnum : struct, System.Enum => Code(value, "", []);

    private static string Code<TEnum>(TEnum value, string path, List<FieldError> errors) where TEnum : struct, System.Enum
    {
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0 || !System.Enum.IsDefined(value))
        {
            errors.Add(new FieldError(path, "enum.unspecified", "取值未指定或无效"));
            return "";
        }

        // PascalCase → snake_case: ElectronicInfo → electronic_info; A → A for tax credit.
        var name = value.ToString();
        if (typeof(TEnum) == typeof(V1.TaxCredit))
        {
            return name;
        }

        return string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
    }

    private static DateOnly? Date(string text, string path, List<FieldError> errors)
    {
        if (Dates.TryParse(text, out var date))
        {
            return date;
        }

        errors.Add(new FieldError(path, "date.invalid", "应为有效日期（YYYY-MM-DD）"));
        return null;
    }
}
