using Huiqi.Application.Enterprises;
using Grpc.Core;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Import;
using Huiqi.Storage.Profiles;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EnterpriseService: read and write enterprise profiles, and bulk import from partner systems.
/// Who may call (API.md): GetProfile — the enterprise itself, staff in jurisdiction, partner profiles:read, admin;
/// UpsertProfile / ImportProfiles — partner profiles:write, staff in jurisdiction, admin; PatchProfile — the
/// enterprise itself (self-declared), partner profiles:write, staff in jurisdiction, admin. A refusal says
/// nothing about whether the enterprise exists.
/// </summary>
public sealed class EnterpriseGrpcService(EnterpriseProfiles enterprises, ProfileImporter importer, FactAuthority authority) : EnterpriseService.EnterpriseServiceBase
{
    public override async Task<Contracts.V1.EnterpriseProfile> GetProfile(GetProfileRequest request, ServerCallContext context) =>
        ProfileMapping.ToProto(await enterprises.GetAsync(RpcCaller.Of(context), request.Uscc, context.CancellationToken), authority);

    public override async Task<Contracts.V1.EnterpriseProfile> UpsertProfile(UpsertProfileRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        Domain.Profiles.EnterpriseProfile profile;
        if (request.ProfileJson.Length > 0)
        {
            EnterpriseProfiles.RequireWriter(caller); // before the document is read
            profile = ProfileDocuments.Parse(request.ProfileJson, request.Uscc);
        }
        else
        {
            var errors = new List<FieldError>();
            var fromProto = request.Profile is null ? null : ProfileMapping.FromProto(request.Profile, "profile.", errors);
            if (fromProto is null)
            {
                errors.Add(new FieldError("profile", "profile.missing", "缺少企业画像"));
            }

            EnterpriseProfiles.RequireWriter(caller);
            profile = errors.Count > 0 ? throw RpcErrors.InvalidArgument(errors) : fromProto!;
        }

        return ProfileMapping.ToProto(await enterprises.UpsertAsync(caller, profile, context.CancellationToken), authority);
    }

    public override async Task<Contracts.V1.EnterpriseProfile> PatchProfile(PatchProfileRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        if (request.ProfileJson.Length > 0)
        {
            EnterpriseProfiles.RequirePatcher(caller, request.Uscc); // before the document is read
            var (document, changed) = ProfileDocuments.ParsePatch(request.ProfileJson, request.Uscc);
            return ProfileMapping.ToProto(await enterprises.PatchAsync(caller, document, changed, context.CancellationToken), authority);
        }

        if (request.Profile is null)
        {
            throw RpcErrors.InvalidArgument([new FieldError("profile", "profile.missing", "缺少企业画像")]);
        }

        var errors = new List<FieldError>();
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

        EnterpriseProfiles.RequirePatcher(caller, request.Profile.Uscc);
        var patch = ProfileMapping.FromProto(request.Profile, "profile.", errors);
        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        return ProfileMapping.ToProto(await enterprises.PatchAsync(caller, patch, fields, context.CancellationToken), authority);
    }

    public override async Task<ImportProfilesResponse> ImportProfiles(IAsyncStreamReader<ImportProfilesRequest> requestStream, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        EnterpriseProfiles.RequireWriter(caller);

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

        var summary = await importer.ImportAsync(Rows(), EnterpriseProfiles.SourceOf(caller), caller.Name, cancellationToken: context.CancellationToken);
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
}
