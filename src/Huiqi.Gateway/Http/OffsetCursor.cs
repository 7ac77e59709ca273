using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Huiqi.Domain.Common;
using Huiqi.Domain.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// An opaque cursor over an answer the backend computes whole (one enterprise's eligibility): the date it was
/// computed for and where the next page starts, so every page of one listing answers for the same day.
/// </summary>
public readonly record struct OffsetCursor(string AsOf, int Offset)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"o1|{AsOf}|{Offset.ToString(CultureInfo.InvariantCulture)}"));

    public static OffsetCursor? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            if (parts is ["o1", var asOf, var offset] && Dates.TryParse(asOf, out _)
                && int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return new OffsetCursor(asOf, start);
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidInputException([new FieldError("cursor", "cursor.invalid", "无效的分页游标")]);
    }
}
