using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Criteria;

/// <summary>One reason a criterion is invalid: the path of the bad node, a stable code and a zh-CN message.</summary>
public sealed record CriteriaError(string Path, string Code, string Message);

/// <summary>
/// Rejects criteria that name an unknown field, use an op the field type does not take, or give operands of the
/// wrong type or number, naming the path of the bad node (e.g. <c>criteria.all[2].op</c>). Valid trees never
/// fail in evaluation.
/// </summary>
public static class CriteriaValidator
{
    public const int MaxDepth = 32;
    public const int MaxNodes = 2000;

    public static IReadOnlyList<CriteriaError> Validate(Criterion? criterion, string path = "criteria")
    {
        var errors = new List<CriteriaError>();
        var nodes = 0;
        Visit(criterion, path, 1, errors, ref nodes);
        if (nodes > MaxNodes)
        {
            errors.Add(new(path, "criteria.too_large", $"条件过多：最多 {MaxNodes} 个节点"));
        }

        return errors;
    }

    private static void Visit(Criterion? node, string path, int depth, List<CriteriaError> errors, ref int nodes)
    {
        nodes++;
        if (depth > MaxDepth)
        {
            errors.Add(new(path, "criteria.too_deep", $"条件嵌套过深：最多 {MaxDepth} 层"));
            return;
        }

        switch (node)
        {
            case null:
                errors.Add(new(path, "criteria.missing", "缺少条件"));
                break;
            case AllOf all:
                for (var i = 0; i < all.Children.Count; i++)
                {
                    Visit(all.Children[i], $"{path}.all[{i}]", depth + 1, errors, ref nodes);
                }

                break;
            case AnyOf any:
                for (var i = 0; i < any.Children.Count; i++)
                {
                    Visit(any.Children[i], $"{path}.any[{i}]", depth + 1, errors, ref nodes);
                }

                break;
            case Not not:
                Visit(not.Child, $"{path}.not", depth + 1, errors, ref nodes);
                break;
            case Predicate predicate:
                ValidatePredicate(predicate, path, errors);
                break;
            case CertPredicate cert:
                ValidateCert(cert, $"{path}.cert", errors);
                break;
        }
    }

    private static void ValidatePredicate(Predicate predicate, string path, List<CriteriaError> errors)
    {
        if (!FieldCatalog.TryGet(predicate.Field, out var field))
        {
            errors.Add(new($"{path}.field", "criteria.unknown_field", $"未知字段“{predicate.Field}”"));
            return;
        }

        if (!field.TakesOp(predicate.Op))
        {
            errors.Add(new($"{path}.op", "criteria.op_not_allowed", $"字段“{field.Label}”（{field.Name}）不支持运算符 {predicate.Op.Name()}"));
            return;
        }

        var values = predicate.Values;
        var valuesPath = predicate.Op.TakesList() ? $"{path}.values" : $"{path}.value";
        var expected = predicate.Op switch
        {
            Op.Between => "恰好两个值（下限和上限）",
            _ when predicate.Op.TakesList() => "至少一个值",
            _ => "恰好一个值",
        };
        var countOk = predicate.Op switch
        {
            Op.Between => values.Count == 2,
            _ when predicate.Op.TakesList() => values.Count >= 1,
            _ => values.Count == 1,
        };
        if (!countOk)
        {
            errors.Add(new(valuesPath, "criteria.operand_count", $"运算符 {predicate.Op.Name()} 需要{expected}"));
            return;
        }

        var before = errors.Count;
        for (var i = 0; i < values.Count; i++)
        {
            var valuePath = predicate.Op.TakesList() ? $"{valuesPath}[{i}]" : valuesPath;
            var error = CheckOperand(field, predicate.Op, values[i]);
            if (error is not null)
            {
                errors.Add(new(valuePath, error.Value.Code, error.Value.Message));
            }
        }

        if (predicate.Op == Op.Between && errors.Count == before && Compare(values[0], values[1]) > 0)
        {
            errors.Add(new(valuesPath, "criteria.between_order", "between 的下限不能大于上限"));
        }
    }

    private static (string Code, string Message)? CheckOperand(FieldDef field, Op op, Operand operand)
    {
        var wrongType = ("criteria.operand_type", $"字段“{field.Label}”的取值应为{TypeName(field.Type)}");
        switch (field.Type)
        {
            case FieldType.Code:
            case FieldType.Text:
            case FieldType.Set:
                if (operand is not TextOperand { Value: var text })
                {
                    return wrongType;
                }

                if (field.Name == FieldCatalog.Region && !Codes.IsRegionCode(text))
                {
                    return ("criteria.operand_value", $"“{text}”不是6位行政区划代码");
                }

                if (field.Name == FieldCatalog.Industry && !Codes.IsIndustryCode(text))
                {
                    return ("criteria.operand_value", $"“{text}”不是国民经济行业分类代码（如 C27、C2710）");
                }

                if (field.AllowedValues is { } allowed && !allowed.ContainsKey(text))
                {
                    return ("criteria.operand_value", $"“{text}”不是“{field.Label}”的取值，可选：{string.Join("、", allowed.Keys)}");
                }

                if (text.Length == 0)
                {
                    return ("criteria.operand_value", "取值不能为空");
                }

                return null;
            case FieldType.Integer:
            case FieldType.Money:
                return operand is IntegerOperand ? null : wrongType;
            case FieldType.Date:
                return operand is DateOperand ? null : wrongType;
            case FieldType.Bool:
                return operand is BoolOperand ? null : wrongType;
            default:
                return wrongType;
        }
    }

    private static void ValidateCert(CertPredicate cert, string path, List<CriteriaError> errors)
    {
        if (!Codes.CertificationKinds.ContainsKey(cert.Kind ?? ""))
        {
            errors.Add(new($"{path}.kind", "criteria.cert_kind", $"未知资质类型“{cert.Kind}”，可选：{string.Join("、", Codes.CertificationKinds.Keys)}"));
        }

        if (cert.Level is not null && !Codes.CertificationLevels.ContainsKey(cert.Level))
        {
            errors.Add(new($"{path}.level", "criteria.cert_level", $"未知资质级别“{cert.Level}”，可选：{string.Join("、", Codes.CertificationLevels.Keys)}"));
        }

        if (cert.ObtainedWithinMonths is < 1 or > 1200)
        {
            errors.Add(new($"{path}.obtainedWithinMonths", "criteria.cert_months", "obtainedWithinMonths 应为 1 到 1200 之间的整数"));
        }
    }

    private static int Compare(Operand a, Operand b) => (a, b) switch
    {
        (IntegerOperand x, IntegerOperand y) => x.Value.CompareTo(y.Value),
        (DateOperand x, DateOperand y) => x.Value.CompareTo(y.Value),
        _ => 0,
    };

    private static string TypeName(FieldType type) => type switch
    {
        FieldType.Integer => "整数",
        FieldType.Money => "金额（整数，单位：分）",
        FieldType.Date => "日期（YYYY-MM-DD）",
        FieldType.Bool => "true 或 false",
        _ => "文本",
    };
}
