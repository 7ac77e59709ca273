using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Huiqi.Testing;

/// <summary>
/// Seeded hostile requests over every route of an OpenAPI document: odd path values, query values, headers, tokens and
/// bodies (wrong types, unknown members, deep nesting, huge numbers, invalid UTF-8, lone surrogates, truncated JSON,
/// wrong content types). The same seed gives the same requests, so a failure can be replayed. Used by the test suite
/// (a few thousand) and by the bench (a hundred thousand and more).
/// </summary>
public sealed class HostileRequests
{
    private readonly Random _random;
    private readonly List<(string Method, string Path, JsonObject Operation)> _operations = [];
    private readonly IReadOnlyList<string?> _tokens;
    private readonly IReadOnlyList<string> _ids;

    /// <param name="openApi">The document (<c>/openapi/v1.json</c>).</param>
    /// <param name="tokens">Callers to try (null: none); forged and malformed ones are added here.</param>
    /// <param name="ids">Real identifiers (USCCs, policy and entitlement ids) to put in paths now and then, so requests reach handlers.</param>
    public HostileRequests(string openApi, int seed, IReadOnlyList<string?> tokens, IReadOnlyList<string> ids)
    {
        _random = new Random(seed);
        var document = JsonNode.Parse(openApi)!.AsObject();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is "get" or "post" or "put" or "patch" or "delete" && path.StartsWith("/v1/", StringComparison.Ordinal) && !path.EndsWith("/stream", StringComparison.Ordinal))
                {
                    _operations.Add((method.ToUpperInvariant(), path, operation!.AsObject()));
                }
            }
        }

        _tokens = [.. tokens, null, "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.", tokens.FirstOrDefault(t => t is not null) is { } t ? t[..^3] + "abc" : "x.y.z"];
        _ids = ids;
    }

    public IReadOnlyList<(string Method, string Path)> Routes => [.. _operations.Select(o => (o.Method, o.Path))];

    /// <summary>The next request and a one-line description of it (for a failure message).</summary>
    public (HttpRequestMessage Request, string Description) Next()
    {
        var (method, template, operation) = _operations[_random.Next(_operations.Count)];
        var path = System.Text.RegularExpressions.Regex.Replace(template, "{[^}]+}", _ => Uri.EscapeDataString(PathValue()));
        var query = new List<string>();
        foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
        {
            if (parameter?["in"]?.GetValue<string>() == "query" && _random.Next(3) > 0)
            {
                query.Add($"{parameter["name"]!.GetValue<string>()}={Uri.EscapeDataString(QueryValue())}");
            }
        }

        if (_random.Next(10) == 0)
        {
            query.Add($"{Word()}={Uri.EscapeDataString(QueryValue())}");
        }

        var uri = query.Count > 0 ? $"{path}?{string.Join('&', query)}" : path;
        var request = new HttpRequestMessage(new HttpMethod(method), uri);
        var token = _tokens[_random.Next(_tokens.Count)];
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _random.Next(20) == 0 ? $"Basic {token}" : $"Bearer {token}");
        }

        var description = $"{method} {uri}";
        if (method is "POST" or "PUT" or "PATCH")
        {
            var (body, contentType, shown) = Body(operation);
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            description += $" {contentType} {shown}";
        }

        foreach (var (name, value) in Headers())
        {
            request.Headers.TryAddWithoutValidation(name, value);
            description += $" [{name}: {value}]";
        }

        return (request, description);
    }

    private string PathValue() => _random.Next(8) switch
    {
        0 or 1 or 2 => _ids[_random.Next(_ids.Count)],
        3 => new string('9', _random.Next(1, 300)),
        4 => "..%2F..%2Fetc%2Fpasswd",
        5 => "\u0000\u0001",
        6 => "甲乙丙" + Word(),
        _ => Word(),
    };

    private string QueryValue() => _random.Next(12) switch
    {
        0 => "",
        1 => "-1",
        2 => "99999999999999999999999",
        3 => "2026-02-30",
        4 => "NaN",
        5 => new string('a', _random.Next(100, 5000)),
        6 => "eligible,unknown,bogus",
        7 => "%zz",
        8 => "true",
        9 => "\ud800",
        10 => _ids[_random.Next(_ids.Count)],
        _ => Word(),
    };

    private IEnumerable<(string, string)> Headers()
    {
        if (_random.Next(6) == 0) { yield return ("Request-Timeout", new[] { "1e20", "0", "-1", "Infinity", "abc", "30", "1e-9" }[_random.Next(7)]); }
        if (_random.Next(8) == 0) { yield return ("Accept", new[] { "application/xml", "text/event-stream", "*/*", "text/html;q=0.1", "garbage" }[_random.Next(5)]); }
        if (_random.Next(10) == 0) { yield return ("If-None-Match", new[] { "\"x\"", "*", "W/\"\"", new string('"', 50) }[_random.Next(4)]); }
        if (_random.Next(10) == 0) { yield return ("If-Match", new[] { "\"x\"", "*", "nonsense" }[_random.Next(3)]); }
    }

    private (byte[] Body, string? ContentType, string Shown) Body(JsonObject operation)
    {
        var contentType = _random.Next(10) switch
        {
            0 => "text/plain",
            1 => null,
            2 => "application/json; charset=latin1",
            _ => "application/json",
        };
        switch (_random.Next(10))
        {
            case 0:
                return ([], contentType, "(empty)");
            case 1:
                var utf8 = Encoding.UTF8.GetBytes("{\"name\": \"");
                return ([.. utf8, 0xC3, 0x28, 0xFF, .. "\"}"u8.ToArray()], contentType, "(invalid UTF-8)");
            case 2:
                var truncated = Json(operation).ToJsonString();
                return (Encoding.UTF8.GetBytes(truncated[..Math.Max(1, truncated.Length / 2)]), contentType, "(truncated)");
            case 3:
                var deep = string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100));
                return (Encoding.UTF8.GetBytes(deep), contentType, "(100 levels deep)");
            case 4:
                var lone = "{\"reason\": \"\\ud800\", \"name\": \"\\udc00x\"}";
                return (Encoding.UTF8.GetBytes(lone), contentType, lone);
            default:
                var json = Json(operation).ToJsonString();
                return (Encoding.UTF8.GetBytes(json), contentType, json.Length > 200 ? json[..200] + "…" : json);
        }
    }

    /// <summary>An object with the operation's own members (as the document names them) given odd values, and some strangers.</summary>
    private JsonNode Json(JsonObject operation)
    {
        var members = new List<string>();
        var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
        CollectMembers(schema, members, 0);
        var body = new JsonObject();
        foreach (var member in members.Distinct())
        {
            if (_random.Next(4) > 0)
            {
                body[member] = Value(0);
            }
        }

        if (_random.Next(5) == 0)
        {
            body[Word()] = Value(0);
        }

        return _random.Next(15) == 0 ? new JsonArray(body) : body;
    }

    private static void CollectMembers(JsonNode? schema, List<string> members, int depth)
    {
        if (schema is not JsonObject s || depth > 3)
        {
            return;
        }

        if (s["properties"] is JsonObject properties)
        {
            members.AddRange(properties.Select(p => p.Key));
        }

        // A reference to components is not resolved here: its members are guessed from the common ones below.
        if (s["$ref"] is not null)
        {
            members.AddRange(["name", "reason", "field", "value", "policyId", "entitlementIds", "payments", "evidenceReference", "role", "uscc", "jurisdiction",
                "annualRevenue", "certifications", "region", "dishonest", "criteria", "benefit", "id", "title", "receivingAccount", "paymentReference"]);
        }
    }

    private JsonNode? Value(int depth) => _random.Next(depth > 2 ? 9 : 12) switch
    {
        0 => null,
        1 => JsonValue.Create(_random.Next(2) == 0),
        2 => JsonValue.Create(long.MaxValue),
        3 => JsonValue.Create(-1),
        4 => JsonValue.Create(1.5e300),
        5 => JsonValue.Create(new string('长', _random.Next(1, 2000))),
        6 => JsonValue.Create(_ids[_random.Next(_ids.Count)]),
        7 => JsonValue.Create("2026-02-30"),
        8 => JsonValue.Create(Word()),
        9 => new JsonArray([.. Enumerable.Range(0, _random.Next(0, 5)).Select(_ => Value(depth + 1))]),
        10 => new JsonObject { [Word()] = Value(depth + 1), ["kind"] = Value(depth + 1) },
        _ => new JsonArray(JsonValue.Create("x"), Value(depth + 1)),
    };

    private string Word() => new[] { "x", "admin", "__proto__", "constructor", "null", "' OR 1=1 --", "<script>", "%", "政策", "a.b", "$where" }[_random.Next(11)];
}
