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
/// Writes profiles: merges patches into what is stored, records each changed field's source and time, skips
/// profiles whose content did not change (so writing the same data twice changes nothing), commits a batch
/// atomically, then tells the listeners.
/// </summary>
public sealed class ProfileWriter(IStore store, TimeProvider clock, IEnumerable<IProfileChangeListener> listeners)
{
    /// <summary>Profiles must be valid (<see cref="ProfileValidator"/>); in a batch, a later change of the same enterprise wins.</summary>
    public async Task<ProfileWriteResult> WriteAsync(IReadOnlyList<ProfileChange> changes, ProfileSource source, string by, CancellationToken cancellationToken)
    {
        var existing = await store.GetProfilesAsync([.. changes.Select(c => c.Profile.Uscc).Distinct(StringComparer.Ordinal)], cancellationToken);
        var now = clock.GetUtcNow();
        var pending = new Dictionary<string, StoredProfile>(StringComparer.Ordinal);
        int inserted = 0, updated = 0, unchanged = 0;
        foreach (var change in changes)
        {
            var uscc = change.Profile.Uscc;
            var before = pending.TryGetValue(uscc, out var earlier) ? earlier : existing.GetValueOrDefault(uscc);
            var merged = change.Fields is null
                ? change.Profile
                : change.Fields.Aggregate(before?.Profile ?? new EnterpriseProfile { Uscc = uscc }, (p, field) => ProfileFields.Copy(p, change.Profile, field));
            merged = ProfileJson.Normalize(merged);
            var json = ProfileJson.Serialize(merged);
            var fingerprint = ProfileJson.FingerprintOf(json);
            if (before?.Fingerprint == fingerprint)
            {
                if (!pending.ContainsKey(uscc))
                {
                    unchanged++;
                }

                continue;
            }

            var provenance = new Dictionary<string, FieldProvenance>(before?.Provenance ?? new Dictionary<string, FieldProvenance>(), StringComparer.Ordinal);
            foreach (var field in ProfileFields.All)
            {
                var value = ProfileFields.Get(merged, field);
                if (value is null)
                {
                    provenance.Remove(field);
                }
                else if (before is null || !Equals(value, ProfileFields.Get(before.Profile, field)))
                {
                    provenance[field] = new FieldProvenance(source, by, now);
                }
            }

            if (!pending.ContainsKey(uscc))
            {
                if (existing.ContainsKey(uscc)) { updated++; } else { inserted++; }
            }

            pending[uscc] = new StoredProfile(merged, provenance, fingerprint, now) { Json = json };
        }

        var written = pending.Values.ToList();
        if (written.Count > 0)
        {
            var seq = await store.PutProfilesAsync(written, cancellationToken);
            written = [.. written.Select(w => w with { ChangeSeq = seq })];
            foreach (var listener in listeners)
            {
                await listener.ProfilesChangedAsync(written, cancellationToken);
            }
        }

        return new ProfileWriteResult(inserted, updated, unchanged, written);
    }
}
