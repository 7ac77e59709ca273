using System.Text;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Application.Callers;
using Huiqi.Application.Callers.Tokens;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Matching;
using Huiqi.Application.Policies;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Application.Eligibility;
using DomainStatus = Huiqi.Domain.Evaluation.EligibilityStatus;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EligibilityService, answered from this instance's matching index. Who may call (API.md):
/// MatchEnterprise / Explain — the enterprise itself, staff in jurisdiction, partner eligibility:read, admin;
/// MatchPolicy — staff (enterprises under its jurisdiction only), admin; DryRun — staff governing the draft's
/// jurisdiction, admin.
/// </summary>
public sealed class EligibilityGrpcService(EligibilityIndex index, EnterpriseAnswers answers, TimeProvider clock) : EligibilityService.EligibilityServiceBase
{
    /// <summary>The trailer of a MatchPolicy call whose policy is not in force on as_of (its value is that date); the stream is empty.</summary>
    public const string NotInForceTrailer = "huiqi-not-in-force";

    public override async Task<MatchEnterpriseResponse> MatchEnterprise(MatchEnterpriseRequest request, ServerCallContext context)
    {
        var answer = await answers.AnswerAsync(RpcCaller.Of(context), request.Uscc, AsOf(request.AsOf), request.IncludeConditions, context.CancellationToken,
            request.Offset, request.Limit);
        return new MatchEnterpriseResponse
        {
            Uscc = answer.Uscc,
            AsOf = Dates.Format(answer.AsOf),
            Answers = { answer.Answers.Select(a => PolicyMapping.ToProto(a.Answer, a.Policy, answer.Provenance)) },
            EligibleTotalFen = answer.EligibleTotalFen,
            TotalCount = answer.TotalCount,
        };
    }

    public override async Task<PolicyAnswer> Explain(ExplainRequest request, ServerCallContext context)
    {
        var (answer, provenance) = await answers.ExplainAsync(RpcCaller.Of(context), request.Uscc, request.PolicyId, AsOf(request.AsOf), context.CancellationToken);
        return PolicyMapping.ToProto(answer.Answer, answer.Policy, provenance);
    }

    public override async Task MatchPolicy(MatchPolicyRequest request, IServerStreamWriter<PolicyMatch> responseStream, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw RpcErrors.PermissionDenied();
        }

        var asOf = AsOf(request.AsOf);
        if (request.Region.Length > 0 && !Codes.IsRegionCode(request.Region))
        {
            throw RpcErrors.InvalidArgument([new FieldError("region", "region.invalid", "应为6位行政区划代码")]);
        }

        // Staff see the enterprises under their jurisdiction only, whatever region they ask for.
        var region = caller.IsStaff ? caller.Jurisdiction! : request.Region;
        if (caller.IsStaff && request.Region.Length > 0)
        {
            region = caller.Covers(request.Region) ? request.Region : throw RpcErrors.PermissionDenied();
        }

        var policy = index.Policies.FirstOrDefault(p => p.Id == request.PolicyId) ?? throw RpcErrors.NotFound("政策");
        if (!policy.IsInForce(asOf))
        {
            // ELIGIBILITY.md §6: not in force on that date (not yet, no longer, or retired) — it matches no enterprise, and says so.
            context.ResponseTrailers.Add(NotInForceTrailer, Dates.Format(asOf));
            return;
        }

        var statuses = request.Statuses.Count == 0
            ? Enum.GetValues<DomainStatus>()
            : [.. request.Statuses.Distinct().Select(PolicyMapping.FromProto)];
        var (startStatus, afterSlot) = Resume(request.PageToken);
        var limit = request.PageSize <= 0 ? long.MaxValue : request.PageSize;
        using var result = index.MatchPolicy(policy, asOf, withMissingFields: true);
        long sent = 0;
        foreach (var status in statuses.Order().Where(s => (int)s >= startStatus))
        {
            var after = (int)status == startStatus ? afterSlot : -1;
            while (sent < limit)
            {
                context.CancellationToken.ThrowIfCancellationRequested(); // the client went away: stop working
                IReadOnlyList<(int Slot, EnterpriseOutcome Outcome)> chunk;
                try
                {
                    chunk = index.Outcomes(result, policy, asOf, status, after, 1000);
                }
                catch (InvalidOperationException)
                {
                    throw RpcErrors.Status(Code.Aborted, "index.changed", "数据在查询期间发生变化，请用最后的 page_token 继续");
                }

                if (chunk.Count == 0)
                {
                    break;
                }

                foreach (var (slot, outcome) in chunk)
                {
                    after = slot;
                    if (region.Length > 0 && (outcome.Region is null || !Domain.Evaluation.CriteriaEvaluator.IsUnder(FieldCatalog.Region, outcome.Region, region)))
                    {
                        continue;
                    }

                    var match = new PolicyMatch
                    {
                        Uscc = outcome.Uscc,
                        Name = outcome.Name ?? "",
                        Region = outcome.Region ?? "",
                        Status = PolicyMapping.ToProto(status),
                        PageToken = Token((int)status, slot),
                    };
                    if (outcome.AmountFen is { } amount) { match.AmountFen = amount; }
                    if (outcome.ExcludedBy is { } winner) { match.ExcludedBy = winner; }
                    match.MissingFields.AddRange(outcome.MissingFields);
                    match.Basis = EligibilityMapping.ToProto(outcome.Basis);
                    await responseStream.WriteAsync(match, context.CancellationToken);
                    if (++sent >= limit)
                    {
                        break;
                    }
                }
            }
        }
    }

    public override Task<DryRunResponse> DryRun(DryRunRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw RpcErrors.PermissionDenied();
        }

        PolicyJson.Document document;
        if (request.PolicyJson.Length > 0)
        {
            document = PolicyDocuments.Parse(request.PolicyJson, id: null);
        }
        else
        {
            if (request.Policy is null)
            {
                throw RpcErrors.InvalidArgument([new FieldError("policy", "policy.missing", "缺少政策")]);
            }

            var errors = new List<FieldError>();
            document = PolicyMapping.FromProto(request.Policy, "policy.", errors);
            if (errors.Count > 0)
            {
                throw RpcErrors.InvalidArgument(errors);
            }
        }

        if (!caller.Governs(document.Policy.Jurisdiction))
        {
            throw RpcErrors.PermissionDenied();
        }

        // ELIGIBILITY.md §6: as if in force on as_of — by default today, or the day it takes effect when that is later.
        var asOf = request.AsOf.Length == 0 && document.Policy.EffectiveFrom is { } from && from > Dates.TodayInChina(clock) ? from : AsOf(request.AsOf);
        var policy = document.Policy with { Id = document.Policy.Id.Length > 0 ? document.Policy.Id : "dry-run", Status = Huiqi.Domain.Policies.PolicyStatus.Published };
        using var result = index.MatchPolicy(policy, asOf);
        var response = new DryRunResponse
        {
            Counts = new StatusCounts { Eligible = result.EligibleCount, Ineligible = result.IneligibleCount, Unknown = result.UnknownCount, Excluded = result.ExcludedCount },
            TotalAmountFen = result.TotalAmountFen,
            UnknownAmountCount = result.UnknownAmountCount,
            Population = result.EligibleCount + result.IneligibleCount + result.UnknownCount + result.ExcludedCount,
            ExampleFailures =
            {
                PolicyExamples.Run(policy).Select(f =>
                {
                    var failure = new Contracts.V1.ExampleFailure { Name = f.Name, Expected = PolicyMapping.ToProto(f.Expected), Actual = PolicyMapping.ToProto(f.Actual) };
                    if (f.ExpectedAmountFen is { } e) { failure.ExpectedAmountFen = e; }
                    if (f.ActualAmountFen is { } a) { failure.ActualAmountFen = a; }
                    return failure;
                }),
            },
        };
        try
        {
            response.ByRegion.AddRange(index.Breakdown(result, policy, asOf, FieldCatalog.Region)
                .Where(r => !caller.IsStaff || caller.Covers(r.Value))
                .OrderBy(r => r.Value, StringComparer.Ordinal)
                .Select(r => Row(r, Codes.RegionName(r.Value))));
            response.ByTechDomain.AddRange(index.Breakdown(result, policy, asOf, FieldCatalog.TechDomains)
                .OrderBy(r => r.Value, StringComparer.Ordinal)
                .Select(r => Row(r, Codes.TechDomains.GetValueOrDefault(r.Value, r.Value))));
        }
        catch (InvalidOperationException)
        {
            throw RpcErrors.Status(Code.Aborted, "index.changed", "数据在试算期间发生变化，请重试");
        }

        return Task.FromResult(response);
    }

    private static Breakdown Row(BreakdownRow row, string label) => new()
    {
        Key = row.Value,
        Label = label,
        Counts = new StatusCounts { Eligible = row.Eligible, Ineligible = row.Ineligible, Unknown = row.Unknown, Excluded = row.Excluded },
        AmountFen = row.AmountFen,
    };

    private DateOnly AsOf(string text) =>
        text.Length == 0 ? Dates.TodayInChina(clock)
        : Dates.TryParse(text, out var date) ? date
        : throw RpcErrors.InvalidArgument([new FieldError("as_of", "date.invalid", "应为有效日期（YYYY-MM-DD）")]);

    private static string Token(int status, int slot) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{status}:{slot}"));

    private static (int Status, int Slot) Resume(string token)
    {
        if (token.Length == 0)
        {
            return (0, -1);
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
            return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw RpcErrors.InvalidArgument([new FieldError("page_token", "page_token.invalid", "分页标记无效")]);
        }
    }
}
