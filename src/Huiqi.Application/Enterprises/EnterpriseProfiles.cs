using Huiqi.Application.Callers;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;

namespace Huiqi.Application.Enterprises;

/// <summary>
/// Enterprise profiles, read and written under API.md's rules and TRUST.md's: reading — the enterprise itself, staff
/// in jurisdiction, a partner with <c>profiles:read</c>, admin; writing a whole profile — a partner with
/// <c>profiles:write</c>, staff in jurisdiction, admin; a patch — those and the enterprise itself (its facts then
/// self-declared). A refusal says nothing about whether the enterprise exists. Each write goes through
/// <see cref="ProfileWriter"/> (who may overwrite what; <see cref="FactRefusedException"/> naming each refused field).
/// </summary>
public sealed class EnterpriseProfiles(ProfileCache profiles, ProfileWriter writer)
{
    public async Task<StoredProfile> GetAsync(Caller caller, string uscc, CancellationToken cancellationToken)
    {
        if (!Uscc.IsValid(uscc))
        {
            throw new InvalidInputException([new FieldError("uscc", "uscc.invalid", "统一社会信用代码格式或校验位不正确")]);
        }

        if (!(caller.IsAdmin || caller.IsStaff || caller.Is(uscc) || caller.HasScope(Scopes.ProfilesRead)))
        {
            throw new AccessDeniedException();
        }

        var stored = await profiles.GetAsync(uscc, cancellationToken);
        if (caller.IsStaff && !caller.Covers(stored?.Profile.Region))
        {
            throw new AccessDeniedException(); // outside the jurisdiction, or not there: the same answer
        }

        return stored ?? throw new NotFoundException("企业画像");
    }

    /// <summary>Who may write whole profiles (and import them); checked before a document is read.</summary>
    public static void RequireWriter(Caller caller)
    {
        if (!(caller.IsAdmin || caller.IsStaff || caller.HasScope(Scopes.ProfilesWrite)))
        {
            throw new AccessDeniedException();
        }
    }

    /// <summary>Who may patch this enterprise's profile; checked before a document is read.</summary>
    public static void RequirePatcher(Caller caller, string uscc)
    {
        if (!(caller.IsAdmin || caller.IsStaff || caller.Is(uscc) || caller.HasScope(Scopes.ProfilesWrite)))
        {
            throw new AccessDeniedException();
        }
    }

    public async Task<StoredProfile> UpsertAsync(Caller caller, EnterpriseProfile profile, CancellationToken cancellationToken)
    {
        RequireWriter(caller);
        if (caller.IsStaff && (!caller.Covers(profile.Region) || (await profiles.GetAsync(profile.Uscc, cancellationToken)) is { } existing && !caller.Covers(existing.Profile.Region)))
        {
            throw new AccessDeniedException();
        }

        await writer.WriteAsync([new ProfileChange(profile)], SourceOf(caller), caller.Name, cancellationToken);
        return (await profiles.GetAsync(profile.Uscc, cancellationToken))!;
    }

    /// <param name="fields">The fields the patch changes (§1 names); the rest of the profile stays as it is.</param>
    public async Task<StoredProfile> PatchAsync(Caller caller, EnterpriseProfile patch, IReadOnlyList<string> fields, CancellationToken cancellationToken)
    {
        RequirePatcher(caller, patch.Uscc);
        var existing = await profiles.GetAsync(patch.Uscc, cancellationToken);
        if (caller.IsStaff && (!caller.Covers(existing?.Profile.Region) || (fields.Contains("region") && !caller.Covers(patch.Region))))
        {
            throw new AccessDeniedException();
        }

        if (existing is null)
        {
            throw new NotFoundException("企业画像");
        }

        await writer.WriteAsync([new ProfileChange(patch, fields)], SourceOf(caller), caller.Name, cancellationToken);
        return (await profiles.GetAsync(patch.Uscc, cancellationToken))!;
    }

    /// <summary>Where the facts came from, by who wrote them (TRUST.md §1).</summary>
    public static ProfileSource SourceOf(Caller caller) => caller switch
    {
        { IsPartner: true } => ProfileSource.PartnerFeed,
        { IsEnterprise: true } => ProfileSource.SelfDeclared,
        _ => ProfileSource.Staff,
    };
}
