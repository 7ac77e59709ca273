using System.Text;
using Grpc.Core;
using Huiqi.Backend.Auth;
using Huiqi.Backend.Errors;
using Huiqi.Backend.Mapping;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Common;
using Huiqi.Application.Policies;
using Huiqi.Domain.Serialization;
using Huiqi.Application.Eligibility;

namespace Huiqi.Backend.Services;

/// <summary>
/// huiqi.v1.EligibilityService, answered from this instance's matching index. Who may call (API.md):
/// Compare — staff governing the policy, admin;
/// MatchEnterprise / Explain / WhatIf — the enterprise itself, staff in jurisdiction, partner eligibility:read, admin;
/// MatchPolicy — staff (enterprises under its jurisdiction only), admin; DryRun — staff governing the draft's
/// jurisdiction, admin.
/// </summary>
public sealed class EligibilityGrpcService(EnterpriseAnswers answers, PolicyReach reach, TimeProvider clock) : EligibilityService.EligibilityServiceBase
{
    /// <summary>The trailer of a MatchPolicy call whose policy is not in force on as_of (its value is that date); the stream is empty.</summary>
    public const string NotInForceTrailer = "huiqi-not-in-force";

    public override async Task<MatchEnterpriseResponse> MatchEnterprise(MatchEnterpriseRequest request, ServerCallContext context)
    {
        var answer = await answers.AnswerAsync(RpcCaller.Of(context), request.Uscc, AsOf(request.AsOf), request.IncludeConditions, context.CancellationToken,
            request.Offset, request.Limit);
        return Response(answer);
    }

    private static MatchEnterpriseResponse Response(EnterpriseAnswer answer)
    {
        var response = new MatchEnterpriseResponse
        {
            Uscc = answer.Uscc, AsOf = Dates.Format(answer.AsOf), EligibleTotalFen = answer.EligibleTotalFen, TotalCount = answer.TotalCount,
        };
        var sources = answer.Provenance is { } provenance ? new ConditionSources(provenance) : null;
        response.Answers.Capacity = answer.Answers.Count;
        foreach (var a in answer.Answers)
        {
            response.Answers.Add(PolicyMapping.ToProto(a.Answer, a.Policy, sources));
        }

        return response;
    }

    public override async Task<MatchEnterpriseResponse> WhatIf(WhatIfRequest request, ServerCallContext context)
    {
        var answer = await answers.WhatIfAsync(RpcCaller.Of(context), request.Uscc, request.ProfileJson, AsOf(request.AsOf), context.CancellationToken,
            request.Offset, request.Limit);
        return Response(answer);
    }

    public override async Task<PolicyAnswer> Explain(ExplainRequest request, ServerCallContext context)
    {
        var (answer, provenance) = await answers.ExplainAsync(RpcCaller.Of(context), request.Uscc, request.PolicyId, AsOf(request.AsOf), context.CancellationToken);
        return PolicyMapping.ToProto(answer.Answer, answer.Policy, provenance is null ? null : new ConditionSources(provenance));
    }

    public override async Task MatchPolicy(MatchPolicyRequest request, IServerStreamWriter<PolicyMatch> responseStream, ServerCallContext context)
    {
        var asOf = AsOf(request.AsOf);
        var (startStatus, afterSlot) = Resume(request.PageToken);
        var matches = reach.Matches(RpcCaller.Of(context), request.PolicyId, asOf, request.Region,
            [.. request.Statuses.Select(PolicyMapping.FromProto)], startStatus, afterSlot, context.CancellationToken);
        if (matches is null)
        {
            // ELIGIBILITY.md §6: not in force on that date (not yet, no longer, or retired) — it matches no enterprise, and says so.
            context.ResponseTrailers.Add(NotInForceTrailer, Dates.Format(asOf));
            return;
        }

        var limit = request.PageSize <= 0 ? long.MaxValue : request.PageSize;
        long sent = 0;
        await foreach (var (status, slot, outcome) in matches)
        {
            var match = new PolicyMatch
            {
                Uscc = outcome.Uscc,
                Name = outcome.Name ?? "",
                Region = outcome.Region ?? "",
                Status = PolicyMapping.ToProto(status),
                PageToken = Token((int)status, slot),
                Basis = EligibilityMapping.ToProto(outcome.Basis),
            };
            if (outcome.AmountFen is { } amount) { match.AmountFen = amount; }
            if (outcome.ExcludedBy is { } winner) { match.ExcludedBy = winner; }
            match.MissingFields.AddRange(outcome.MissingFields);
            await responseStream.WriteAsync(match, context.CancellationToken);
            if (++sent >= limit)
            {
                break;
            }
        }
    }

    public override Task<DryRunResponse> DryRun(DryRunRequest request, ServerCallContext context)
    {
        var caller = RpcCaller.Of(context);
        if (!(caller.IsAdmin || caller.IsStaff))
        {
            throw RpcErrors.PermissionDenied(); // before the document is read: others learn nothing about it
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

        var outcome = reach.DryRun(caller, document, request.AsOf.Length == 0 ? null : AsOf(request.AsOf));
        return Task.FromResult(new DryRunResponse
        {
            Counts = new StatusCounts { Eligible = outcome.Eligible, Ineligible = outcome.Ineligible, Unknown = outcome.Unknown, Excluded = outcome.Excluded },
            TotalAmountFen = outcome.TotalAmountFen,
            UnknownAmountCount = outcome.UnknownAmountCount,
            Population = outcome.Population,
            ExampleFailures =
            {
                outcome.ExampleFailures.Select(f =>
                {
                    var failure = new Contracts.V1.ExampleFailure { Name = f.Name, Expected = PolicyMapping.ToProto(f.Expected), Actual = PolicyMapping.ToProto(f.Actual) };
                    if (f.ExpectedAmountFen is { } e) { failure.ExpectedAmountFen = e; }
                    if (f.ActualAmountFen is { } a) { failure.ActualAmountFen = a; }
                    return failure;
                }),
            },
            ByRegion = { outcome.ByRegion.Select(Row) },
            ByTechDomain = { outcome.ByTechDomain.Select(Row) },
        });
    }

    public override Task<ComparePolicyResponse> Compare(ComparePolicyRequest request, ServerCallContext context)
    {
        var c = reach.Compare(RpcCaller.Of(context), request.PolicyId, request.PolicyJson, request.AsOf.Length == 0 ? null : AsOf(request.AsOf));
        var f = c.Figures;
        var response = new ComparePolicyResponse
        {
            PolicyId = c.Current.Id, VersionInForce = c.Current.Version, AsOf = Dates.Format(c.AsOf), Population = f.Population,
            EligibleBefore = f.EligibleBefore, EligibleAfter = f.EligibleAfter, Gained = f.Gained, Lost = f.Lost, AmountChanged = f.AmountChanged,
            TotalBeforeFen = f.TotalBeforeFen, TotalAfterFen = f.TotalAfterFen, PayableBeforeBp = c.PayableBeforeBp, PayableAfterBp = c.PayableAfterBp,
            ByRegion = { c.ByRegion.Select(r => Row(r.Row, r.Label)) },
            ByTechDomain = { c.ByTechDomain.Select(r => Row(r.Row, r.Label)) },
        };
        if (c.Proposed.BudgetFen is { } budget) { response.BudgetFen = budget; }
        return Task.FromResult(response);
    }

    private static ComparisonRow Row(Domain.Matching.ComparisonRow row, string label) => new()
    {
        Value = row.Value, Label = label, Gained = row.Gained, Lost = row.Lost, AmountChanged = row.AmountChanged,
        TotalBeforeFen = row.TotalBeforeFen, TotalAfterFen = row.TotalAfterFen,
    };

    private static Breakdown Row(LabelledBreakdown row) => new()
    {
        Key = row.Row.Value,
        Label = row.Label,
        Counts = new StatusCounts { Eligible = row.Row.Eligible, Ineligible = row.Row.Ineligible, Unknown = row.Row.Unknown, Excluded = row.Row.Excluded },
        AmountFen = row.Row.AmountFen,
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
