using Huiqi.Application.Enterprises;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using ProfileSource = Huiqi.Storage.Store.ProfileSource;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EnterpriseService: read and write enterprise profiles, and bulk import from partner systems.
/// Who may call (API.md): GetProfile — the enterprise itself, staff in jurisdiction, partner profiles:read, admin;
/// UpsertProfile / ImportProfiles — partner profiles:write, staff in jurisdiction, admin; PatchProfile — the
/// enterprise itself (self-declared), partner profiles:write, staff in jurisdiction, admin. A refusal says
/// nothing about whether the enterprise exists.
/// </summary>
public sealed class EnterpriseGrpcService(ProfileCache profiles, ProfileWriter writer, ProfileImporter importer, FactAuthority authority) : EnterpriseService.EnterpriseServiceBase
{
    public override async Task<Contracts.V1.EnterpriseProfile> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        if (!Domain.Profiles.Uscc.IsValid(request.Uscc))
        {
            throw RpcErrors.InvalidArgument([new FieldError("uscc", "uscc.invalid", "统一社会信用代码格式或校验位不正确")]);
        }

        var caller = CallerOf(context);
        if (!(caller.IsAdmin || caller.IsStaff || caller.Is(request.Uscc) || caller.HasScope(Scopes.ProfilesRead)))
        {
            throw RpcErrors.PermissionDenied();
        }

        var stored = await profiles.GetAsync(request.Uscc, context.CancellationToken);
        if (caller.IsStaff && !caller.Covers(stored?.Profile.Region))
        {
            throw RpcErrors.PermissionDenied(); // outside the jurisdiction, or not there: the same answer
        }

        return ProfileMapping.ToProto(stored ?? throw RpcErrors.NotFound("企业画像"), authority);
    }

    public override async Task<Contracts.V1.EnterpriseProfile> UpsertProfile(UpsertProfileRequest request, ServerCallContext context)
    {
        if (request.ProfileJson.Length > 0)
        {
            var writerCaller = CallerOf(context);
            if (!(writerCaller.IsAdmin || writerCaller.IsStaff || writerCaller.HasScope(Scopes.ProfilesWrite)))
            {
                throw RpcErrors.PermissionDenied();
            }

            return await UpsertAsync(ProfileDocuments.Parse(request.ProfileJson, request.Uscc), writerCaller, context);
        }

        var errors = new List<FieldError>();
        var profile = request.Profile is null
            ? null
            : ProfileMapping.FromProto(request.Profile, "profile.", errors);
        if (profile is null)
        {
            errors.Add(new FieldError("profile", "profile.missing", "缺少企业画像"));
        }

        var caller = CallerOf(context);
        if (!(caller.IsAdmin || caller.IsStaff || caller.HasScope(Scopes.ProfilesWrite)))
        {
            throw RpcErrors.PermissionDenied();
        }

        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        return await UpsertAsync(profile!, caller, context);
    }

    private async Task<Contracts.V1.EnterpriseProfile> UpsertAsync(Domain.Profiles.EnterpriseProfile profile, Caller caller, ServerCallContext context)
    {
        if (caller.IsStaff && (!caller.Covers(profile.Region) || (await profiles.GetAsync(profile.Uscc, context.CancellationToken)) is { } existing && !caller.Covers(existing.Profile.Region)))
        {
            throw RpcErrors.PermissionDenied();
        }

        await WriteAsync(new ProfileChange(profile), caller, context.CancellationToken);
        return ProfileMapping.ToProto((await profiles.GetAsync(profile.Uscc, context.CancellationToken))!, authority);
    }

    public override async Task<Contracts.V1.EnterpriseProfile> PatchProfile(PatchProfileRequest request, ServerCallContext context)
    {
        if (request.ProfileJson.Length > 0)
        {
            var patcher = CallerOf(context);
            if (!(patcher.IsAdmin || patcher.IsStaff || patcher.Is(request.Uscc) || patcher.HasScope(Scopes.ProfilesWrite)))
            {
                throw RpcErrors.PermissionDenied();
            }

            var (document, changed) = ProfileDocuments.ParsePatch(request.ProfileJson, request.Uscc);
            return await PatchAsync(document, changed, patcher, context);
        }

        var errors = new List<FieldError>();
        if (request.Profile is null)
        {
            throw RpcErrors.InvalidArgument([new FieldError("profile", "profile.missing", "缺少企业画像")]);
        }

        if (request.UpdateMask is null || request.UpdateMask.Paths.Count == 0)
        {
            errors.Add(new FieldError("update_mask", "update_mask.empty", "update_mask 至少要列出一个字段"));
        }

        var fields = new List<string>();
        foreach (var (path, i) in (request.UpdateMask?.Paths ?? []).Select((p, i) => (p, i)))
        {
            if (ProfileMapping.FieldOfProto(path) is { } field)
            {
                fields.Add(field);
            }
            else
            {
                errors.Add(new FieldError($"update_mask.paths[{i}]", "update_mask.unknown_field", $"“{path}”不是可修改的画像字段"));
            }
        }

        var caller = CallerOf(context);
        if (!(caller.IsAdmin || caller.IsStaff || caller.Is(request.Profile.Uscc) || caller.HasScope(Scopes.ProfilesWrite)))
        {
            throw RpcErrors.PermissionDenied();
        }

        var patch = ProfileMapping.FromProto(request.Profile, "profile.", errors);
        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        return await PatchAsync(patch, fields, caller, context);
    }

    private async Task<Contracts.V1.EnterpriseProfile> PatchAsync(Domain.Profiles.EnterpriseProfile patch, IReadOnlyList<string> fields, Caller caller, ServerCallContext context)
    {
        var existing = await profiles.GetAsync(patch.Uscc, context.CancellationToken);
        if (caller.IsStaff && (!caller.Covers(existing?.Profile.Region) || (fields.Contains("region") && !caller.Covers(patch.Region))))
        {
            throw RpcErrors.PermissionDenied();
        }

        if (existing is null)
        {
            throw RpcErrors.NotFound("企业画像");
        }

        await WriteAsync(new ProfileChange(patch, fields), caller, context.CancellationToken);
        return ProfileMapping.ToProto((await profiles.GetAsync(patch.Uscc, context.CancellationToken))!, authority);
    }

    public override async Task<ImportProfilesResponse> ImportProfiles(IAsyncStreamReader<ImportProfilesRequest> requestStream, ServerCallContext context)
    {
        var caller = CallerOf(context);
        if (!(caller.IsAdmin || caller.IsStaff || caller.HasScope(Scopes.ProfilesWrite)))
        {
            throw RpcErrors.PermissionDenied();
        }

        long ordinal = 0;
        async IAsyncEnumerable<ImportRow> Rows()
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                ordinal++;
                var line = request.Line > 0 ? request.Line : ordinal;
                var errors = new List<FieldError>();
                var profile = request.Profile is null ? null : ProfileMapping.FromProto(request.Profile, "", errors);
                if (profile is null)
                {
                    errors.Add(new FieldError("profile", "profile.missing", "缺少企业画像"));
                }
                else if (errors.Count == 0 && caller.IsStaff && !caller.Covers(profile.Region))
                {
                    errors.Add(new FieldError("region", "auth.jurisdiction", "该企业不在您的管辖范围内"));
                }

                yield return new ImportRow(line, errors.Count == 0 ? profile : null, errors);
            }
        }

        var summary = await importer.ImportAsync(Rows(), SourceOf(caller), caller.Name, cancellationToken: context.CancellationToken);
        return new ImportProfilesResponse
        {
            Received = summary.Received,
            Inserted = summary.Inserted,
            Updated = summary.Updated,
            Unchanged = summary.Unchanged,
            Rejected = summary.Rejected,
            Errors = { summary.Errors.Select(e => new Contracts.V1.ImportRowError { Line = e.Line, Field = e.Field, Code = e.Code, Reason = e.Reason }) },
        };
    }

    /// <summary>One profile write under TRUST.md §2; a refusal names each field (409 <c>fact.authoritative</c>, 400 <c>fact.not_declarable</c>).</summary>
    private async Task WriteAsync(ProfileChange change, Caller caller, CancellationToken cancellationToken)
    {
        try
        {
            await writer.WriteAsync([change], SourceOf(caller), caller.Name, cancellationToken);
        }
        catch (FactRefusedException refused)
        {
            throw FactErrors.ToRpc(refused);
        }
    }

    private static Caller CallerOf(ServerCallContext context) => RpcCaller.Of(context);

    /// <summary>Where the facts came from, by who wrote them.</summary>
    private static ProfileSource SourceOf(Caller caller) => caller switch
    {
        { IsPartner: true } => ProfileSource.PartnerFeed,
        { IsEnterprise: true } => ProfileSource.SelfDeclared,
        _ => ProfileSource.Staff,
    };
}
