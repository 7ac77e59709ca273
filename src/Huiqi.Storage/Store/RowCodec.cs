using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Serialization;

namespace Huiqi.Storage.Store;

/// <summary>How rows are written and read back, shared by both providers.</summary>
internal static class RowCodec
{
    public static long ToMillis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMillis(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(millis);

    public static string ProvenanceJson(IReadOnlyDictionary<string, FieldProvenance> provenance)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, ProfileJson.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (field, p) in provenance.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(field);
                writer.WriteString("source", SourceName(p.Source));
                writer.WriteString("by", p.By);
                writer.WriteNumber("at", ToMillis(p.ChangedAt));
                if (p.Reference is { } reference)
                {
                    writer.WriteString("reference", reference);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static Dictionary<string, FieldProvenance> ReadProvenance(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = new Dictionary<string, FieldProvenance>(StringComparer.Ordinal);
        foreach (var field in document.RootElement.EnumerateObject())
        {
            result[field.Name] = new FieldProvenance(
                ParseSource(field.Value.GetProperty("source").GetString()),
                field.Value.GetProperty("by").GetString() ?? "",
                FromMillis(field.Value.GetProperty("at").GetInt64()),
                field.Value.TryGetProperty("reference", out var reference) ? reference.GetString() : null);
        }

        return result;
    }

    public static string SourceName(ProfileSource source) => source.Name();

    public static ProfileSource ParseSource(string? name) => name switch
    {
        "partner_feed" => ProfileSource.PartnerFeed,
        "self_declared" => ProfileSource.SelfDeclared,
        _ => ProfileSource.Staff,
    };

    public static StoredProfile Profile(string profileJson, string provenanceJson, string fingerprint, long updatedAt, long changeSeq) =>
        new(ProfileJson.Parse(profileJson), ReadProvenance(provenanceJson), fingerprint, FromMillis(updatedAt), changeSeq);

    public static string StatusName(PolicyStatus status) => status switch
    {
        PolicyStatus.Draft => "draft",
        PolicyStatus.Published => "published",
        _ => "retired",
    };

    public static PolicyStatus ParseStatus(string name) => name switch
    {
        "published" => PolicyStatus.Published,
        "retired" => PolicyStatus.Retired,
        _ => PolicyStatus.Draft,
    };

    public static PolicyRecord Policy(string policyId, int version, string status, string document, long createdAt, string createdBy, long? publishedAt, long? retiredAt)
    {
        var parsed = PolicyJson.Parse(document);
        var policy = parsed.Policy with { Id = policyId, Version = version, Status = ParseStatus(status) };
        return new PolicyRecord(parsed with { Policy = policy }, FromMillis(createdAt), createdBy,
            publishedAt is { } p ? FromMillis(p) : null, retiredAt is { } r ? FromMillis(r) : null);
    }

    /// <summary>SHA-256 over the previous hash and every field of the record, in a fixed layout.</summary>
    public static string AuditHash(string previousHash, long seq, AuditEntry entry, long at)
    {
        var canonical = string.Join('\u001f',
            previousHash, seq.ToString(CultureInfo.InvariantCulture), entry.Who, entry.Role, entry.What, entry.PolicyId ?? "",
            entry.PolicyVersion?.ToString(CultureInfo.InvariantCulture) ?? "", entry.Subject ?? "", entry.SnapshotHash ?? "",
            at.ToString(CultureInfo.InvariantCulture));
        if (entry.Detail is { } detail)
        {
            canonical += '\u001f' + detail; // records written before details existed keep their hashes
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static string EntitlementStatusName(EntitlementStatus status) => status.Name();

    public static EntitlementStatus ParseEntitlementStatus(string name) =>
        name == "awaiting_verification" ? EntitlementStatus.AwaitingVerification : Enum.Parse<EntitlementStatus>(name, ignoreCase: true);

    public static string CorrectionStatusName(CorrectionStatus status) => status.ToString().ToLowerInvariant();

    public static CorrectionStatus ParseCorrectionStatus(string name) => Enum.Parse<CorrectionStatus>(name, ignoreCase: true);

    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
}
