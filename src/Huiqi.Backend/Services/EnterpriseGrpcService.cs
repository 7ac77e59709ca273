using Grpc.Core;
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
/// Who may call (API.md) is enforced by the authentication of step 4 (not built yet): until then the backend
/// listens on loopback only by default.
/// </summary>
public sealed class EnterpriseGrpcService(ProfileCache profiles, ProfileWriter writer, ProfileImporter importer) : EnterpriseService.EnterpriseServiceBase
{
    public override async Task<Contracts.V1.EnterpriseProfile> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        if (!Domain.Profiles.Uscc.IsValid(request.Uscc))
        {
            throw RpcErrors.InvalidArgument([new FieldError("uscc", "uscc.invalid", "统一社会信用代码格式或校验位不正确")]);
        }

        var stored = await profiles.GetAsync(request.Uscc, context.CancellationToken) ?? throw RpcErrors.NotFound("企业画像");
        return ProfileMapping.ToProto(stored);
    }

    public override async Task<Contracts.V1.EnterpriseProfile> UpsertProfile(UpsertProfileRequest request, ServerCallContext context)
    {
        var errors = new List<FieldError>();
        var profile = request.Profile is null
            ? null
            : ProfileMapping.FromProto(request.Profile, "profile.", errors);
        if (profile is null)
        {
            errors.Add(new FieldError("profile", "profile.missing", "缺少企业画像"));
        }

        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        await writer.WriteAsync([new ProfileChange(profile!)], ProfileSource.PartnerFeed, Caller(context), context.CancellationToken);
        return ProfileMapping.ToProto((await profiles.GetAsync(profile!.Uscc, context.CancellationToken))!);
    }

    public override async Task<Contracts.V1.EnterpriseProfile> PatchProfile(PatchProfileRequest request, ServerCallContext context)
    {
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

        var patch = ProfileMapping.FromProto(request.Profile, "profile.", errors);
        if (errors.Count > 0)
        {
            throw RpcErrors.InvalidArgument(errors);
        }

        if (await profiles.GetAsync(patch.Uscc, context.CancellationToken) is null)
        {
            throw RpcErrors.NotFound("企业画像");
        }

        await writer.WriteAsync([new ProfileChange(patch, fields)], ProfileSource.PartnerFeed, Caller(context), context.CancellationToken);
        return ProfileMapping.ToProto((await profiles.GetAsync(patch.Uscc, context.CancellationToken))!);
    }

    public override async Task<ImportProfilesResponse> ImportProfiles(IAsyncStreamReader<ImportProfilesRequest> requestStream, ServerCallContext context)
    {
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

                yield return new ImportRow(line, errors.Count == 0 ? profile : null, errors);
            }
        }

        var summary = await importer.ImportAsync(Rows(), ProfileSource.PartnerFeed, Caller(context), cancellationToken: context.CancellationToken);
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

    /// <summary>Who wrote: the authenticated caller once authentication exists; the peer until then.</summary>
    private static string Caller(ServerCallContext context) => context.GetHttpContext().User.Identity?.Name ?? $"peer:{context.Peer}";
}
