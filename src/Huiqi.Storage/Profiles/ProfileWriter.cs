using Huiqi.Domain.Criteria;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;

namespace Huiqi.Storage.Profiles;

/// <summary>A profile to write: the whole profile, or only the named fields (a patch; a named field absent in <see cref="Profile"/> becomes absent).</summary>
public sealed record ProfileChange(EnterpriseProfile Profile, IReadOnlyCollection<string>? Fields = null);

public sealed record ProfileWriteResult(int Inserted, int Updated, int Unchanged, IReadOnlyList<StoredProfile> Written);

/// <summary>Told after profiles were committed: the matching index, the cache.</summary>
public interface IProfileChangeListener
{
    Task ProfilesChangedAsync(IReadOnlyList<StoredProfile> written, CancellationToken cancellationToken);
}

/// <summary>
/// Writes profiles: merges patches into what is stored under the overwrite rules of TRUST.md §2 (<see cref="FactAuthority"/>),
/// records each changed field's provenance, keeps every replaced value in the audit trail, skips profiles whose content
/// and provenance did not change (so writing the same data twice changes nothing), commits a batch atomically, then
/// tells the listeners.
/// </summary>
public sealed class ProfileWriter(IStore store, TimeProvider clock, IEnumerable<IProfileChangeListener> listeners, FactAuthority authority)
{
    /// <summary>
    /// Profiles must be valid (<see cref="ProfileValidator"/>); in a batch, a later change of the same enterprise wins.
    /// <paramref name="reference"/>: the evidence a staff fact rests on. A write that TRUST.md §2 refuses throws
    /// <see cref="FactRefusedException"/> and writes nothing.
    /// </summary>
    public async Task<ProfileWriteResult> WriteAsync(IReadOnlyList<ProfileChange> changes, ProfileSource source, string by, CancellationToken cancellationToken, string? reference = null)
    {
        var existing = await store.GetProfilesAsync([.. changes.Select(c => c.Profile.Uscc).Distinct(StringComparer.Ordinal)], cancellationToken);
        var now = clock.GetUtcNow();
        var pending = new Dictionary<string, StoredProfile>(StringComparer.Ordinal);
        int inserted = 0, updated = 0, unchanged = 0;
        foreach (var change in changes)
        {
            var uscc = change.Profile.Uscc;
            var before = pending.TryGetValue(uscc, out var earlier) ? earlier : existing.GetValueOrDefault(uscc);
            var (merged, offered) = Merge(before, change, source, by);
            merged = ProfileJson.Normalize(merged);
            var json = ProfileJson.Serialize(merged);
            var fingerprint = ProfileJson.FingerprintOf(json);

            var provenance = new Dictionary<string, FieldProvenance>(before?.Provenance ?? new Dictionary<string, FieldProvenance>(), StringComparer.Ordinal);
            var provenanceChanged = false;
            foreach (var field in ProfileFields.All)
            {
                var value = ProfileFields.Get(merged, field);
                var was = provenance.GetValueOrDefault(field);
                if (value is null)
                {
                    provenanceChanged |= provenance.Remove(field);
                }
                else if (before is null || !Equals(value, ProfileFields.Get(before.Profile, field))
                    // The same value from a better source: a claim confirmed by its owner's feed, or verified by staff.
                    || (offered.Contains(field) && was is not null && authority.Rank(field, source, by) > authority.Rank(field, was.Source, was.By)))
                {
                    provenance[field] = new FieldProvenance(source, by, now, source == ProfileSource.Staff ? reference : null);
                    provenanceChanged = true;
                }
            }

            if (before?.Fingerprint == fingerprint && !provenanceChanged)
            {
                if (!pending.ContainsKey(uscc))
                {
                    unchanged++;
                }

                continue;
            }

            if (!pending.ContainsKey(uscc))
            {
                if (existing.ContainsKey(uscc)) { updated++; } else { inserted++; }
            }

            pending[uscc] = new StoredProfile(merged, provenance, fingerprint, now) { Json = json };
        }

        var written = pending.Values.ToList();
        // TRUST.md §2.4: every stored fact this batch replaces, and who had written it, stays in the hash-chained audit trail.
        var audits = new List<AuditEntry>();
        foreach (var after in written)
        {
            if (existing.GetValueOrDefault(after.Profile.Uscc) is not { } stored)
            {
                continue;
            }

            var replaced = stored.Provenance.Where(p => !Equals(p.Value, after.Provenance.GetValueOrDefault(p.Key))).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            if (replaced.Count > 0)
            {
                audits.Add(new AuditEntry(by, RowCodec.SourceName(source), "profile.write", null, null, after.Profile.Uscc, after.Fingerprint)
                {
                    Detail = ReplacedDetail(stored.Profile, after.Profile, replaced, source, reference),
                });
            }
        }

        if (written.Count > 0)
        {
            var seq = await store.PutProfilesAsync(written, cancellationToken, audits);
            written = [.. written.Select(w => w with { ChangeSeq = seq })];
            foreach (var listener in listeners)
            {
                await listener.ProfilesChangedAsync(written, cancellationToken);
            }
        }

        return new ProfileWriteResult(inserted, updated, unchanged, written);
    }

    /// <summary>The profile after the write, field by field under TRUST.md §2, and the fields whose new value was taken.</summary>
    private (EnterpriseProfile Merged, HashSet<string> Offered) Merge(StoredProfile? before, ProfileChange change, ProfileSource source, string by)
    {
        var fields = change.Fields ?? ProfileFields.All;
        if (before is null && source != ProfileSource.SelfDeclared && change.Fields is null)
        {
            return (change.Profile, [.. fields]); // a new profile from a feed or staff: nothing to protect (the bulk import's path)
        }

        var merged = before?.Profile ?? new EnterpriseProfile { Uscc = change.Profile.Uscc };
        var offered = new HashSet<string>(StringComparer.Ordinal);
        var refusals = new List<FactRefusal>();
        foreach (var field in fields)
        {
            var held = before?.Provenance.GetValueOrDefault(field);
            switch (authority.Decide(field, before is null ? null : ProfileFields.Get(before.Profile, field), held, ProfileFields.Get(change.Profile, field), source, by))
            {
                case FactDecision.Write:
                    merged = ProfileFields.Copy(merged, change.Profile, field);
                    offered.Add(field);
                    break;
                case FactDecision.RefuseAuthoritative:
                    refusals.Add(new FactRefusal(field, FactRefusal.Authoritative,
                        $"“{FieldCatalog.LabelOf(field)}”已有{SourceLabel(held!)}，不能由企业自报覆盖；如有异议，请提交更正申请", held));
                    break;
                case FactDecision.RefuseNotDeclarable:
                    refusals.Add(new FactRefusal(field, FactRefusal.NotDeclarable, $"“{FieldCatalog.LabelOf(field)}”只能由主管部门提供，不能自报"));
                    break;
            }
        }

        if (refusals.Count > 0)
        {
            throw new FactRefusedException(refusals);
        }

        return (merged, offered);
    }

    private static string ReplacedDetail(EnterpriseProfile before, EnterpriseProfile after, List<KeyValuePair<string, FieldProvenance>> replaced, ProfileSource source, string? reference)
    {
        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream, ProfileJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("source", RowCodec.SourceName(source));
            if (reference is not null)
            {
                writer.WriteString("reference", reference);
            }

            writer.WriteStartArray("replaced");
            foreach (var (field, was) in replaced)
            {
                writer.WriteStartObject();
                writer.WriteString("field", field);
                WriteValue("before", ProfileJson.FieldValueJson(before, field));
                writer.WriteString("beforeSource", RowCodec.SourceName(was.Source));
                writer.WriteString("beforeBy", was.By);
                writer.WriteNumber("beforeAt", was.ChangedAt.ToUnixTimeMilliseconds());
                if (was.Reference is not null)
                {
                    writer.WriteString("beforeReference", was.Reference);
                }

                WriteValue("after", ProfileJson.FieldValueJson(after, field));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();

            void WriteValue(string name, string? json)
            {
                writer.WritePropertyName(name);
                if (json is null) { writer.WriteNullValue(); } else { writer.WriteRawValue(json); }
            }
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>zh-CN: where a fact came from, e.g. 税务部门（tax-bureau）提供的数据.</summary>
    public static string SourceLabel(FieldProvenance provenance) => provenance.Source switch
    {
        ProfileSource.Staff => $"工作人员核实的数据（{provenance.By}）",
        ProfileSource.PartnerFeed => $"部门推送的数据（{provenance.By}）",
        _ => "企业自报的数据",
    };
}
