using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Huiqi.Gateway.Http;

/// <summary>Conditional GET: an unchanged policy or list answers 304 with no body, saving a phone the download.</summary>
public static class ETags
{
    /// <summary>An entity tag over several parts (a list: its items' tags and its cursor).</summary>
    public static string Of(IEnumerable<string> parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)));
        return $"\"{Convert.ToHexStringLower(hash.AsSpan(0, 12))}\"";
    }

    /// <summary>Sets <c>ETag</c>; true when the caller's <c>If-None-Match</c> already holds it (answer 304).</summary>
    public static bool NotModified(HttpContext http, string etag)
    {
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "private, no-cache"; // per caller (it carries a token), always revalidated
        var ifNoneMatch = http.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count == 0)
        {
            return false;
        }

        return EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
            && tags.Any(t => t.Tag == "*" || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));
    }
}
