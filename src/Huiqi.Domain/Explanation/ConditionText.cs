using System.Globalization;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Explanation;

/// <summary>
/// zh-CN sentences for leaf conditions, e.g. <c>营业收入 2,500万元，要求低于 2,000万元：不满足</c>. Codes are shown
/// by their Chinese names where the code tables have them, falling back to the code.
/// </summary>
public static class ConditionText
{
    public static string Describe(Predicate predicate, EnterpriseProfile profile, DateOnly asOf, Truth result) =>
        Describe(predicate, RequirementOf(predicate), profile, asOf, result);

    /// <param name="requirement">The condition's own half of the sentence (<see cref="RequirementOf(Predicate)"/>), worked out once per compiled condition.</param>
    public static string Describe(Predicate predicate, string requirement, EnterpriseProfile profile, DateOnly asOf, Truth result)
    {
        var field = FieldCatalog.Get(predicate.Field);
        var actual = DisplayActual(field, profile, asOf);
        return actual is null
            ? $"{field.Label}未提供，要求{requirement}：无法判断"
            : $"{field.Label} {actual}，要求{requirement}：{Verdict(result)}";
    }

    public static string Describe(CertPredicate cert, EnterpriseProfile profile, DateOnly asOf, Truth result) =>
        Describe(cert, RequirementOf(cert), profile, asOf, result);

    /// <summary>What a condition asks, e.g. <c>低于 2,000万元</c>: the same for every enterprise.</summary>
    public static string RequirementOf(Predicate predicate) => Requirement(FieldCatalog.Get(predicate.Field), predicate.Op, predicate.Values);

    /// <summary>What a certification condition asks, e.g. <c>持有有效的国家级高新技术企业认定</c>.</summary>
    public static string RequirementOf(CertPredicate cert) => CertRequirement(cert);

    public static string Describe(CertPredicate cert, string requirement, EnterpriseProfile profile, DateOnly asOf, Truth result)
    {
        if (profile.Certifications is not { } held)
        {
            return $"资质认定未提供，要求{requirement}：无法判断";
        }

        var sameKind = held.Where(c => c.Kind == cert.Kind).ToList();
        var actual = sameKind.Count == 0
            ? $"未持有{KindName(cert.Kind)}"
            : string.Join("；", sameKind.Select(DescribeHeld));
        return $"资质认定：{actual}，要求{requirement}：{Verdict(result)}";
    }

    /// <summary>The requirement of a whole criterion as one zh-CN sentence (for policy pages).</summary>
    public static string DescribeCriteria(Criterion criterion) => criterion switch
    {
        AllOf { Children.Count: 0 } => "无条件",
        AllOf all => string.Join("，且", all.Children.Select(c => Wrap(c, DescribeCriteria(c)))),
        AnyOf { Children.Count: 0 } => "不可能满足的条件",
        AnyOf any => string.Join("，或", any.Children.Select(c => Wrap(c, DescribeCriteria(c)))),
        Not not => $"并非（{DescribeCriteria(not.Child)}）",
        Predicate p => $"{FieldCatalog.LabelOf(p.Field)}{Requirement(FieldCatalog.Get(p.Field), p.Op, p.Values)}",
        CertPredicate cert => CertRequirement(cert),
        _ => "",
    };

    private static string Wrap(Criterion child, string text) => child is AllOf or AnyOf ? $"（{text}）" : text;

    /// <summary>The enterprise's value in canonical form (codes, fen, dates), or null when absent.</summary>
    public static string? ActualValue(string fieldName, EnterpriseProfile profile, DateOnly asOf) => ActualValue(FieldCatalog.Get(fieldName), profile, asOf);

    /// <summary>As <see cref="ActualValue(string, EnterpriseProfile, DateOnly)"/>, for a field already looked up (a compiled condition's).</summary>
    public static string? ActualValue(FieldDef field, EnterpriseProfile profile, DateOnly asOf)
    {
        return field.Type switch
        {
            FieldType.Code or FieldType.Text => FieldValue.Text(profile, field.Name),
            FieldType.Set => FieldValue.Set(profile, field.Name) is { } set ? string.Join(",", set) : null,
            FieldType.Integer or FieldType.Money => FieldValue.Number(profile, field.Name, asOf)?.ToString(CultureInfo.InvariantCulture),
            FieldType.Date => FieldValue.Date(profile, field.Name) is { } date ? Dates.Format(date) : null,
            FieldType.Bool => FieldValue.Bool(profile, field.Name) is { } b ? (b ? "true" : "false") : null,
            _ => null,
        };
    }

    public static string? ActualCertifications(CertPredicate cert, EnterpriseProfile profile) =>
        profile.Certifications is { } held
            ? string.Join(";", held.Where(c => c.Kind == cert.Kind).Select(c =>
                $"{c.Kind}{(c.Level is null ? "" : "/" + c.Level)}@{Dates.Format(c.ObtainedOn)}{(c.ExpiresOn is { } e ? "~" + Dates.Format(e) : "")}"))
            : null;

    /// <summary>A stored field's value for people (zh-CN: 万元, region and code names, certifications with level and dates), or null when absent.</summary>
    public static string? DisplayValue(string fieldName, EnterpriseProfile profile, DateOnly asOf) =>
        fieldName == FieldCatalog.Certifications
            ? profile.Certifications is { } held
                ? held.Count == 0 ? "无" : string.Join("；", held.Select(c =>
                    $"{Codes.CertificationKinds.GetValueOrDefault(c.Kind, c.Kind)}{(c.Level is { } level ? $"（{Codes.CertificationLevels.GetValueOrDefault(level, level)}）" : "")}，"
                    + $"{Dates.Format(c.ObtainedOn)} 取得{(c.ExpiresOn is { } e ? $"，{Dates.Format(e)} 到期" : "")}"))
                : null
            : DisplayActual(FieldCatalog.Get(fieldName), profile, asOf);

    private static string? DisplayActual(FieldDef field, EnterpriseProfile profile, DateOnly asOf) => field.Type switch
    {
        FieldType.Code or FieldType.Text => FieldValue.Text(profile, field.Name) is { } t ? DisplayText(field, t) : null,
        FieldType.Set => FieldValue.Set(profile, field.Name) is { } set ? (set.Count == 0 ? "无" : string.Join("、", set.Select(v => DisplayText(field, v)))) : null,
        FieldType.Integer or FieldType.Money => FieldValue.Number(profile, field.Name, asOf) is { } n ? DisplayNumber(field, n) : null,
        FieldType.Date => FieldValue.Date(profile, field.Name) is { } d ? Dates.Format(d) : null,
        FieldType.Bool => FieldValue.Bool(profile, field.Name) is { } b ? (b ? "是" : "否") : null,
        _ => null,
    };

    private static string Requirement(FieldDef field, Op op, EquatableArray<Operand> values)
    {
        string One(int i) => Display(field, values[i]);
        string List() => string.Join("、", values.Select(v => Display(field, v)));
        var isDate = field.Type == FieldType.Date;
        return op switch
        {
            Op.Eq => $"为{One(0)}",
            Op.Ne => $"不为{One(0)}",
            Op.In => values.Count == 1 ? $"为{One(0)}" : $"为{List()}之一",
            Op.NotIn => values.Count == 1 ? $"不为{One(0)}" : $"不为{List()}中的任何一项",
            Op.Under => field.Name == FieldCatalog.Region ? $"位于{One(0)}辖区内" : $"属于{One(0)}",
            Op.Lt => isDate ? $"早于 {One(0)}" : $"低于 {One(0)}",
            Op.Le => isDate ? $"不晚于 {One(0)}" : $"不高于 {One(0)}",
            Op.Gt => isDate ? $"晚于 {One(0)}" : $"高于 {One(0)}",
            Op.Ge => isDate ? $"不早于 {One(0)}" : $"不低于 {One(0)}",
            Op.Between => $"在 {One(0)} 至 {One(1)} 之间",
            Op.HasAny => values.Count == 1 ? $"包含{One(0)}" : $"包含{List()}中的任一项",
            Op.HasAll => values.Count == 1 ? $"包含{One(0)}" : $"同时包含{List()}",
            Op.HasNone => values.Count == 1 ? $"不包含{One(0)}" : $"不包含{List()}中的任何一项",
            _ => op.Name(),
        };
    }

    private static string CertRequirement(CertPredicate cert)
    {
        var level = cert.Level is null ? "" : Codes.CertificationLevels.GetValueOrDefault(cert.Level, cert.Level);
        var within = cert.ObtainedWithinMonths is { } months ? $"（近{months}个月内取得）" : "";
        return $"持有有效的{level}{KindName(cert.Kind)}认定{within}";
    }

    private static string DescribeHeld(Certification held)
    {
        var level = held.Level is null ? "" : Codes.CertificationLevels.GetValueOrDefault(held.Level, held.Level);
        var expires = held.ExpiresOn is { } e ? $"，有效期至 {Dates.Format(e)}" : "";
        return $"{level}{KindName(held.Kind)}（{Dates.Format(held.ObtainedOn)} 取得{expires}）";
    }

    private static string KindName(string kind) => Codes.CertificationKinds.GetValueOrDefault(kind, kind);

    private static string Display(FieldDef field, Operand operand) => operand switch
    {
        TextOperand t => DisplayText(field, t.Value),
        IntegerOperand n => DisplayNumber(field, n.Value),
        DateOperand d => Dates.Format(d.Value),
        BoolOperand b => b.Value ? "是" : "否",
        _ => operand.ToString() ?? "",
    };

    private static string DisplayText(FieldDef field, string value) => field.Name switch
    {
        FieldCatalog.Region => Codes.Regions.TryGetValue(value, out var region) ? $"{region}（{value}）" : value,
        FieldCatalog.Industry => Codes.Industries.TryGetValue(value, out var industry) ? $"{industry}（{value}）" : value,
        FieldCatalog.Zone => Codes.Zones.GetValueOrDefault(value, value),
        _ => field.AllowedValues?.GetValueOrDefault(value, value) ?? value,
    };

    private static string DisplayNumber(FieldDef field, long value) => field.Name switch
    {
        _ when field.Type == FieldType.Money => Money.Format(value),
        FieldCatalog.Employees => $"{value.ToString("#,0", CultureInfo.InvariantCulture)}人",
        FieldCatalog.AgeMonths => $"{value}个月",
        FieldCatalog.RdRatioBp => $"{(value / 100m).ToString("0.##", CultureInfo.InvariantCulture)}%",
        _ => value.ToString("#,0", CultureInfo.InvariantCulture),
    };

    private static string Verdict(Truth result) => result switch
    {
        Truth.True => "满足",
        Truth.False => "不满足",
        _ => "无法判断",
    };
}
