using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;

namespace Huiqi.Storage.Store;

/// <summary>Where a field's value came from.</summary>
public enum ProfileSource
{
    PartnerFeed,
    SelfDeclared,
    Staff,
}

/// <summary>The source of one field's current value and when it last changed.</summary>
public sealed record FieldProvenance(ProfileSource Source, string By, DateTimeOffset ChangedAt);

/// <summary>A profile as stored: the facts, each field's provenance, a content fingerprint and its place in the change feed.</summary>
public sealed record StoredProfile(
    EnterpriseProfile Profile,
    IReadOnlyDictionary<string, FieldProvenance> Provenance,
    string Fingerprint,
    DateTimeOffset UpdatedAt,
    long ChangeSeq = 0)
{
    /// <summary>The profile's JSON when the writer already has it (it is what the fingerprint was taken of).</summary>
    public string? Json { get; init; }

    public string ProfileJsonText => Json ?? ProfileJson.Serialize(Profile);
}

/// <summary>One version of a policy. Published versions are never changed; a change makes the next version.</summary>
public sealed record PolicyRecord(
    PolicyJson.Document Document,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? PublishedAt = null,
    DateTimeOffset? RetiredAt = null)
{
    public Policy Policy => Document.Policy;
}

public enum EntitlementStatus
{
    Matched,
    Publicized,
    Confirmed,
    Objected,
    Approved,
    Disbursed,
    Revoked,
}

/// <summary>One entitlement: unique per enterprise × policy × period.</summary>
public sealed record EntitlementRecord(
    string Id,
    string Uscc,
    string PolicyId,
    int PolicyVersion,
    string Period,
    EntitlementStatus Status,
    long? AmountFen,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record NotificationRecord(
    string Id,
    string Uscc,
    string Kind,
    string Title,
    string Body,
    string? PolicyId,
    bool Read,
    DateTimeOffset CreatedAt);

/// <summary>What an audited action says; the store adds its place in the hash chain.</summary>
public sealed record AuditEntry(string Who, string Role, string What, string? PolicyId, int? PolicyVersion, string? Subject, string? SnapshotHash);

/// <summary>An audit record as stored: the entry, when, and the chain (hash = SHA-256 over the previous hash and the record).</summary>
public sealed record AuditRecord(long Seq, AuditEntry Entry, DateTimeOffset At, string PreviousHash, string Hash);

/// <summary>A write refused because a published policy version is immutable.</summary>
public sealed class PublishedVersionImmutableException(string policyId, int version)
    : InvalidOperationException($"policy {policyId} version {version} is published and cannot change");
