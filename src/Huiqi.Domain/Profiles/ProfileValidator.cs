using Huiqi.Domain.Serialization;

namespace Huiqi.Domain.Profiles;

/// <summary>What a stored profile must satisfy: a valid USCC, known codes, money and counts ≥ 0, sane dates.</summary>
public static class ProfileValidator
{
    public static IReadOnlyList<FieldError> Validate(EnterpriseProfile profile)
    {
        var errors = new List<FieldError>();
        if (!Uscc.IsValid(profile.Uscc))
        {
            errors.Add(new("uscc", "uscc.invalid", profile.Uscc is { Length: 18 }
                ? $"统一社会信用代码“{profile.Uscc}”校验位不正确"
                : "统一社会信用代码应为18位（数字和大写字母，不含 I、O、S、V、Z）"));
        }

        if (profile.Region is { } region && !Codes.IsRegionCode(region))
        {
            errors.Add(new("region", "region.invalid", $"“{region}”不是6位行政区划代码"));
        }

        if (profile.Industry is { } industry && !Codes.IsIndustryCode(industry))
        {
            errors.Add(new("industry", "industry.invalid", $"“{industry}”不是国民经济行业分类代码（如 C27、C2710）"));
        }

        if (profile.Zone is { Length: 0 or > 64 })
        {
            errors.Add(new("zone", "zone.invalid", "园区代码应为1到64个字符"));
        }

        if (profile.Name is { Length: 0 or > 200 })
        {
            errors.Add(new("name", "name.invalid", "企业名称应为1到200个字符"));
        }

        CheckCode(profile.Scale, "scale", Codes.Scales, errors);
        CheckCode(profile.Ownership, "ownership", Codes.Ownerships, errors);
        CheckCode(profile.TaxCredit, "tax_credit", Codes.TaxCredits, errors);
        CheckCode(profile.ListingBoard, "listing_board", Codes.ListingBoards, errors);
        if (profile.TechDomains is { } domains)
        {
            for (var i = 0; i < domains.Count; i++)
            {
                CheckCode(domains[i], $"tech_domains[{i}]", Codes.TechDomains, errors);
            }
        }

        if (profile.Tags is { } tags)
        {
            for (var i = 0; i < tags.Count; i++)
            {
                if (tags[i] is null or { Length: 0 or > 32 })
                {
                    errors.Add(new($"tags[{i}]", "tags.invalid", "标签应为1到32个字符"));
                }
            }
        }

        CheckNonNegative(profile.Employees, "employees", "从业人数", errors);
        CheckNonNegative(profile.AnnualRevenue, "annual_revenue", "营业收入", errors);
        CheckNonNegative(profile.RdExpense, "rd_expense", "研发费用", errors);
        if (profile.EstablishedOn is { Year: < 1900 })
        {
            errors.Add(new("established_on", "date.out_of_range", "成立日期不应早于1900年"));
        }

        if (profile.Certifications is { } certifications)
        {
            for (var i = 0; i < certifications.Count; i++)
            {
                var c = certifications[i];
                CheckCode(c.Kind, $"certifications[{i}].kind", Codes.CertificationKinds, errors);
                if (c.Level is not null)
                {
                    CheckCode(c.Level, $"certifications[{i}].level", Codes.CertificationLevels, errors);
                }

                if (c.ExpiresOn is { } expires && expires <= c.ObtainedOn)
                {
                    errors.Add(new($"certifications[{i}].expires_on", "date.order", "有效期截止日应晚于取得日期"));
                }
            }
        }

        return errors;
    }

    private static void CheckCode(string? value, string field, IReadOnlyDictionary<string, string> allowed, List<FieldError> errors)
    {
        if (value is not null && !allowed.ContainsKey(value))
        {
            errors.Add(new(field, "enum.invalid", $"“{value}”不是有效取值，可选：{string.Join("、", allowed.Keys)}"));
        }
    }

    private static void CheckNonNegative(long? value, string field, string label, List<FieldError> errors)
    {
        if (value is < 0)
        {
            errors.Add(new(field, "number.negative", $"{label}不能为负数"));
        }
    }
}
