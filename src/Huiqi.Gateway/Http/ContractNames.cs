namespace Huiqi.Gateway.Http;

/// <summary>
/// The contract's field names as this face's JSON names them: snake_case becomes camelCase, and a profile's money
/// fields lose the <c>_fen</c> the contract spells out (<c>annual_revenue_fen</c> → <c>annualRevenue</c>; a JSON
/// profile is in fen throughout). One place, owned by the face.
/// </summary>
public static class ContractNames
{
    /// <summary>A backend field path (<c>profile.annual_revenue_fen</c>, <c>policy.criteria.all[1].op</c>, <c>as_of</c>) as the JSON path the caller sent.</summary>
    public static string JsonPathOf(string path)
    {
        switch (path)
        {
            case "page_token": return "cursor";
            case "page_size": return "limit";
            case "as_of": return "asOf";
        }

        var profile = path.StartsWith("profile.", StringComparison.Ordinal);
        foreach (var prefix in (string[])["profile.", "policy."])
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                path = path[prefix.Length..];
                break;
            }
        }

        if (profile && path is "annual_revenue_fen" or "rd_expense_fen")
        {
            path = path[..^"_fen".Length];
        }

        // criteria paths stay as they are: field names inside criteria are data (ELIGIBILITY.md §2).
        return path.StartsWith("criteria", StringComparison.Ordinal) ? path : Camel(path);
    }

    public static string Camel(string snake)
    {
        var parts = snake.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
