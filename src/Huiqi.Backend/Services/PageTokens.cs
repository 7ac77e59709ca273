using System.Text;
using Huiqi.Backend.Errors;
using Huiqi.Domain.Serialization;

namespace Huiqi.Backend.Services;

/// <summary>Opaque page tokens for keyset paging: the last key of a page, base64; a token that does not decode is INVALID_ARGUMENT.</summary>
internal static class PageTokens
{
    public static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    public static string Decode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw RpcErrors.InvalidArgument([new FieldError("page_token", "page_token.invalid", "分页标记无效")]);
        }
    }
}
