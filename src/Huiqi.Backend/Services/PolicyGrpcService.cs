using System.Text;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Application.Policies;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Common;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Store;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.PolicyService. Who may call (API.md): reads — any role (a partner needs policies:read); drafts are
/// seen, and every write is made, only by staff whose jurisdiction covers the policy's, and by admin.
/// </summary>
public sealed class PolicyGrpcService(PolicyWorkflow workflow, PolicyCatalog catalog, PolicyReview review, TimeProvider clock) : PolicyService.PolicyServiceBase
{
    private const int DefaultPageSize = 50, MaxPageSize = 500;

    public override async Task<Policy> CreateDraft(CreateDraftRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        PolicyWorkflow.RequireWriter(caller); // before the document is read: others learn nothing about it
        var document = request.PolicyJson.Length > 0 ? PolicyDocuments.Parse(request.PolicyJson, id: null) : Read(request.Policy);
        return PolicyMapping.ToProto(await Run(() => workflow.CreateDraftAsync(caller, document, context.CancellationToken)));
    }

    public override async Task<Policy> UpdateDraft(UpdateDraftRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        PolicyWorkflow.RequireWriter(caller);
        var document = request.PolicyJson.Length > 0 ? PolicyDocuments.Parse(request.PolicyJson, request.PolicyId) : Read(request.Policy);
        return PolicyMapping.ToProto(await Run(() => workflow.UpdateDraftAsync(caller, document, request.ExpectedEtag, context.CancellationToken)));
    }

    /// <summary>Published with the static checks as warnings: an officer sees them, nothing is refused for them.</summary>
    public override async Task<Policy> Publish(PublishRequest request, ServerCallContext context)
    {
        var record = await Run(() => workflow.PublishAsync(RpcCaller.Of(context), request.PolicyId, request.Version == 0 ? null : request.Version, context.CancellationToken));
        var published = PolicyMapping.ToProto(record);
        published.Warnings.AddRange(review.Findings(record.Policy, Dates.TodayInChina(clock)).Select(Finding));
        return published;
    }

    public override Task<CheckPolicyResponse> Check(CheckPolicyRequest request, ServerCallContext context) =>
        Task.FromResult(new CheckPolicyResponse
        {
            Findings = { review.Check(RpcCaller.Of(context), request.PolicyJson, request.AsOf.Length == 0 ? null : AsOf(request.AsOf, "as_of")).Select(Finding) },
        });

    private static PolicyFinding Finding(Domain.Policies.PolicyFinding f) => new() { Code = f.Code, Path = f.Path, Message = f.Message };

    public override async Task<Policy> Retire(RetireRequest request, ServerCallContext context) =>
        PolicyMapping.ToProto(await Run(() => workflow.RetireAsync(RpcCaller.Of(context), request.PolicyId, context.CancellationToken)));

    public override async Task<Policy> GetPolicy(GetPolicyRequest request, ServerCallContext context) =>
        PolicyMapping.ToProto(await catalog.GetAsync(RpcCaller.Of(context), request.PolicyId, request.Version, context.CancellationToken));

    public override async Task<ListVersionsResponse> ListVersions(ListVersionsRequest request, ServerCallContext context)
    {
        var visible = await catalog.VersionsAsync(RpcCaller.Of(context), request.PolicyId, context.CancellationToken);
        var (page, next) = Page(visible, r => r.Policy.Version.ToString("D9", System.Globalization.CultureInfo.InvariantCulture), request.PageSize, request.PageToken);
        return new ListVersionsResponse { Versions = { page.Select(PolicyMapping.ToProto) }, NextPageToken = next };
    }

    public override async Task<ListPoliciesResponse> ListPolicies(ListPoliciesRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        PolicyCatalog.RequireReader(caller);
        var asOf = AsOf(request.AsOf, "as_of");
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw RpcErrors.InvalidArgument([new("page_size", "page_size.range", $"page_size 应在 0 到 {MaxPageSize} 之间")]);
        }

        var query = new PolicyQuery(asOf, request.Status switch
            {
                Contracts.V1.PolicyStatus.Draft => PolicyListStatus.Draft,
                Contracts.V1.PolicyStatus.Published => PolicyListStatus.Published,
                Contracts.V1.PolicyStatus.Retired => PolicyListStatus.Retired,
                _ => PolicyListStatus.InForce,
            },
            request.Jurisdiction, request.Region, request.Industry,
            request.TechDomain == TechDomain.Unspecified ? "" : ProfileMapping.CodeOf(request.TechDomain), request.Query);
        var matching = await catalog.ListAsync(caller, query, context.CancellationToken);
        var (page, next) = Page(matching, r => r.Policy.Id, request.PageSize, request.PageToken);
        return new ListPoliciesResponse { Policies = { page.Select(PolicyMapping.CachedListItem) }, NextPageToken = next };
    }

    private static PolicyJson.Document Read(Policy? proto)
    {
        if (proto is null)
        {
            throw RpcErrors.InvalidArgument([new FieldError("policy", "policy.missing", "缺少政策")]);
        }

        var errors = new List<FieldError>();
        var document = PolicyMapping.FromProto(proto, "policy.", errors);
        return errors.Count > 0 ? throw RpcErrors.InvalidArgument(errors) : document;
    }

    private static async Task<PolicyRecord> Run(Func<Task<PolicyRecord>> command)
    {
        try
        {
            return await command();
        }
        catch (PolicyRefusedException ex)
        {
            throw ex.Code switch
            {
                "policy.exists" => RpcErrors.Status(Code.AlreadyExists, ex.Code, ex.Message),
                "policy.not_found" => RpcErrors.NotFound("政策"),
                "policy.examples_failed" => RpcErrors.Status(Code.FailedPrecondition, ex.Code, ex.Message, new PreconditionFailure
                {
                    Violations = { ex.Failures.Select(f => new PreconditionFailure.Types.Violation { Type = "example", Subject = $"examples[{f.Index}]", Description = f.Message }) },
                }),
                _ => RpcErrors.Status(Code.FailedPrecondition, ex.Code, ex.Message),
            };
        }
        catch (PublishedVersionImmutableException)
        {
            throw RpcErrors.Status(Code.FailedPrecondition, "policy.version_immutable", "已发布的版本不能修改");
        }
    }

    private DateOnly AsOf(string text, string field) =>
        text.Length == 0 ? Dates.TodayInChina(clock)
        : Dates.TryParse(text, out var date) ? date
        : throw RpcErrors.InvalidArgument([new FieldError(field, "date.invalid", "应为有效日期（YYYY-MM-DD）")]);

    /// <summary>Keyset paging: the token is the opaque, encoded key of the last item returned.</summary>
    internal static (IReadOnlyList<T> Page, string Next) Page<T>(IReadOnlyList<T> ordered, Func<T, string> key, int pageSize, string pageToken)
    {
        var size = pageSize <= 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);
        string? after = null;
        if (pageToken.Length > 0)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(pageToken));
            }
            catch (FormatException)
            {
                throw RpcErrors.InvalidArgument([new FieldError("page_token", "page_token.invalid", "分页标记无效")]);
            }
        }

        var rest = after is null ? ordered : ordered.Where(item => string.CompareOrdinal(key(item), after) > 0).ToList();
        var page = rest.Take(size).ToList();
        var next = rest.Count > size ? Convert.ToBase64String(Encoding.UTF8.GetBytes(key(page[^1]))) : "";
        return (page, next);
    }
}
