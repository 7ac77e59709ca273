using System.Globalization;
using Huiqi.Domain.Common;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>Query parameters read as text and checked here, so a bad one is a 400 naming it (not a binder's English).</summary>
public static class QueryValues
{
    public const int DefaultLimit = 20, MaxLimit = 200;

    public static int Limit(string? raw, int @default = DefaultLimit, int max = MaxLimit)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return @default;
        }

        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 && limit <= max
            ? limit
            : throw new InvalidInputException([new FieldError("limit", "limit.range", $"limit 应为 1 到 {max} 之间的整数")]);
    }

    /// <summary>A date parameter (YYYY-MM-DD) passed on as text; empty = the backend's today (China Standard Time).</summary>
    public static string Date(string? raw, string name) =>
        string.IsNullOrEmpty(raw) || Dates.TryParse(raw, out _)
            ? raw ?? ""
            : throw new InvalidInputException([new FieldError(name, "date.invalid", "应为有效日期（YYYY-MM-DD）")]);

    /// <summary>A wire enum from its §1 code (electronic_info → TECH_DOMAIN_ELECTRONIC_INFO).</summary>
    public static TEnum? Code<TEnum>(string? raw, string name, IEnumerable<string> allowed) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        var pascal = string.Concat(raw.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
        return allowed.Contains(raw, StringComparer.Ordinal) && Enum.TryParse<TEnum>(pascal, ignoreCase: true, out var value)
            ? value
            : throw new InvalidInputException([new FieldError(name, $"{name}.invalid", $"无效取值“{raw}”，可选：{string.Join("、", allowed)}")]);
    }
}
