using Huiqi.Domain.Evaluation;
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

public static class EntitlementStatusNames
{
    /// <summary>As stored and shown: <c>matched</c>, …, <c>awaiting_verification</c>.</summary>
    public static string Name(this EntitlementStatus status) =>
        status == EntitlementStatus.AwaitingVerification ? "awaiting_verification" : status.ToString().ToLowerInvariant();
}

public static class ProfileSourceNames
{
    /// <summary>As stored and shown: <c>partner_feed</c>, <c>self_declared</c>, <c>staff</c>.</summary>
    public static string Name(this ProfileSource source) => source switch
    {
        ProfileSource.PartnerFeed => "partner_feed",
        ProfileSource.SelfDeclared => "self_declared",
        _ => "staff",
    };
}

/// <summary>
/// The source of one field's current value (TRUST.md §1): who wrote it (<c>partner:tax-bureau</c>, <c>staff:officer-7</c>,
/// <c>enterprise:USCC</c>), when it last changed, and the evidence reference given with a staff fact.
/// </summary>
public sealed record FieldProvenance(ProfileSource Source, string By, DateTimeOffset ChangedAt, string? Reference = null);

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

    /// <summary>待核验: the answer rests on self-declared facts (TRUST.md §4); it enters 公示 once they are verified.</summary>
    AwaitingVerification,
}

/// <summary>
/// One entitlement: unique per enterprise × policy × period (<c>""</c> for a once-per-enterprise policy, <c>v{version}</c>
/// otherwise). Region, tech domains and name are the enterprise's when it was matched, for statistics and lists.
/// </summary>
public sealed record EntitlementRecord(
    string Id,
    string Uscc,
    string PolicyId,
    int PolicyVersion,
    string Period,
    EntitlementStatus Status,
    long? AmountFen,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Region = null,
    string? TechDomains = null,
    string? EnterpriseName = null,
    long? ApprovedAmountFen = null,
    DateOnly? PublicityEndsOn = null,
    string? ObjectionReason = null,
    string? Resolution = null,
    string? ReceivingAccount = null,
    string? PaymentReference = null)
{
    /// <summary>What it rests on (TRUST.md §3); approval and disbursement need <see cref="Basis.Verified"/>.</summary>
    public Basis Basis { get; init; }

    /// <summary>With <see cref="Basis.SelfDeclared"/>: the self-declared fields it rests on, sorted.</summary>
    public IReadOnlyList<string> Claims { get; init; } = [];
}

/// <summary>One inbox message. Its id is derived from what it is about, so the same message is never stored twice.</summary>
public sealed record NotificationRecord(
    string Id,
    string Uscc,
    string Kind,
    string Title,
    string Body,
    string? PolicyId,
    bool Read,
    DateTimeOffset CreatedAt,
    string? EntitlementId = null,
    IReadOnlyList<string>? MissingFields = null);

/// <summary>
/// One step of the 免申即享 workflow, applied all-or-nothing with others in one transaction: create an entitlement
/// (if it does not exist yet), or move one from one of <see cref="EntitlementTransition.From"/> to a new state (if
/// it is still in one of them), or only send a message (if not sent yet). The notification and the audit record
/// are written only when the step itself applies — so a step repeated after a crash does nothing twice.
/// </summary>
public sealed record WorkflowChange(
    EntitlementRecord? Create = null,
    EntitlementTransition? Transition = null,
    NotificationRecord? Notification = null,
    AuditEntry? Audit = null);

/// <summary>
/// Sets every mutable column of <see cref="To"/> on entitlement <see cref="To"/>.Id when its status is one of <see cref="From"/>
/// (and, with <see cref="IfAmount"/>, its amount is still the one the step was computed from).
/// </summary>
public sealed record EntitlementTransition(IReadOnlyCollection<EntitlementStatus> From, EntitlementRecord To, AmountCheck? IfAmount = null);

/// <summary>The amount a step was computed from (null: unknown); the step applies only while the row still has it.</summary>
public sealed record AmountCheck(long? AmountFen);

/// <summary>Checked inside the transaction that approves: the approved total of the policy may not exceed its budget.</summary>
public sealed record BudgetGuard(string PolicyId, long BudgetFen);

/// <summary>The approvals would have taken the policy over its budget (another approval got there first); nothing was written.</summary>
public sealed class BudgetExceededException(string policyId) : InvalidOperationException($"approvals would exceed the budget of policy {policyId}");

public sealed record EntitlementQuery(
    string? Uscc = null,
    string? PolicyId = null,
    IReadOnlyCollection<EntitlementStatus>? Statuses = null,
    string? RegionPrefix = null,
    string? AfterId = null,
    int Limit = int.MaxValue);

/// <summary>How audit details are written: JSON with Chinese kept readable (the chain hashes exactly this text).</summary>
public static class AuditDetail
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Of<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, Options);
}

/// <summary>What an audited action says; the store adds its place in the hash chain.</summary>
public sealed record AuditEntry(string Who, string Role, string What, string? PolicyId, int? PolicyVersion, string? Subject, string? SnapshotHash)
{
    /// <summary>JSON of what the action saw and changed: previous values and their provenance, the claims verified, a reason.</summary>
    public string? Detail { get; init; }
}

/// <summary>An audit record as stored: the entry, when, and the chain (hash = SHA-256 over the previous hash and the record).</summary>
public sealed record AuditRecord(long Seq, AuditEntry Entry, DateTimeOffset At, string PreviousHash, string Hash);

/// <summary>A write refused because a published policy version is immutable.</summary>
public sealed class PublishedVersionImmutableException(string policyId, int version)
    : InvalidOperationException($"policy {policyId} version {version} is published and cannot change");

public enum CorrectionStatus
{
    Pending,
    Accepted,
    Refused,
}

/// <summary>
/// A correction request (异议, TRUST.md §2.1): the enterprise contests a fact it may not overwrite, staff accept it
/// (the proposed value becomes a staff fact) or refuse it, with a reason. Values are canonical JSON; null: absent.
/// </summary>
public sealed record CorrectionRecord(
    string Id,
    string Uscc,
    string? Region,
    string Field,
    string? CurrentJson,
    FieldProvenance? Current,
    string? ProposedJson,
    string Reason,
    CorrectionStatus Status,
    DateTimeOffset CreatedAt,
    string? DecidedBy = null,
    string? Decision = null,
    string? EvidenceReference = null,
    DateTimeOffset? DecidedAt = null);

/// <summary>A correction written only if it is still in <see cref="From"/> (null: only if it does not exist yet), with its message and audit record.</summary>
public sealed record CorrectionChange(CorrectionRecord Correction, CorrectionStatus? From, NotificationRecord? Notification, AuditEntry Audit);

public sealed record CorrectionQuery(CorrectionStatus? Status = null, string? Uscc = null, string? RegionPrefix = null, string? AfterId = null, int Limit = int.MaxValue);
