using System.Globalization;
using Huiqi.Domain.Common;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// Query parameters read as text and checked here, so bad ones are a 400 naming each of them (not a binder's
/// English, not only the first): read them all, then <see cref="ThrowIfAny"/>.
/// </summary>
public sealed class QueryValues
{
    public const int DefaultLimit = 20, MaxLimit = 200;

    private readonly List<FieldError> _errors = [];

    public int Limit(string? raw, int @default = DefaultLimit, int max = MaxLimit)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return @default;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 && limit <= max)
        {
            return limit;
        }

        _errors.Add(new FieldError("limit", "limit.range", $"limit 应为 1 到 {max} 之间的整数"));
        return @default;
    }

    /// <summary>A date parameter (YYYY-MM-DD) passed on as text; empty = the backend's today (China Standard Time).</summary>
    public string Date(string? raw, string name)
    {
        if (string.IsNullOrEmpty(raw) || Dates.TryParse(raw, out _))
        {
            return raw ?? "";
        }

        _errors.Add(new FieldError(name, "date.invalid", "应为有效日期（YYYY-MM-DD）"));
        return "";
    }

    /// <summary>A wire enum from its §1 code (electronic_info → TECH_DOMAIN_ELECTRONIC_INFO); null when absent or invalid.</summary>
    public TEnum? Code<TEnum>(string? raw, string name, IEnumerable<string> allowed) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        var pascal = string.Concat(raw.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
        if (allowed.Contains(raw, StringComparer.Ordinal) && Enum.TryParse<TEnum>(pascal, ignoreCase: true, out var value))
        {
            return value;
        }

        _errors.Add(new FieldError(name, $"{name}.invalid", $"无效取值“{raw}”，可选：{string.Join("、", allowed)}"));
        return null;
    }

    /// <summary>Comma-separated codes (<c>status=eligible,unknown</c>).</summary>
    public List<TEnum> Codes<TEnum>(string? raw, string name, IEnumerable<string> allowed) where TEnum : struct, Enum =>
        [.. (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(code => Code<TEnum>(code, name, allowed)).OfType<TEnum>()];

    public int Version(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return 0;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1)
        {
            return version;
        }

        _errors.Add(new FieldError("version", "version.invalid", "版本应为正整数"));
        return 0;
    }

    public void Add(FieldError error) => _errors.Add(error);

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw new InvalidInputException([.. _errors]);
        }
    }
}
