using Huiqi.Application.Callers;
using Huiqi.Domain.Common;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Cache;
using Huiqi.Storage.Store;

namespace Huiqi.Application.Eligibility;

/// <summary>One answer of an enterprise's list, with the policy version it answers.</summary>
public sealed record AnsweredPolicy(PolicyAnswer Answer, Policy Policy);

/// <summary>
/// What an enterprise is entitled to on a date (ELIGIBILITY.md §5): every policy in force, eligible first, then excluded,
/// unknown and ineligible, larger amounts first within each, then by policy id; the eligible total; and, when the
/// conditions are explained, where each fact came from (TRUST.md §1).
/// </summary>
public sealed record EnterpriseAnswer(string Uscc, DateOnly AsOf, IReadOnlyList<AnsweredPolicy> Answers, long EligibleTotalFen,
    IReadOnlyDictionary<string, FieldProvenance>? Provenance);

/// <summary>
/// The enterprise's answers, once for both faces. Who may ask (API.md): the enterprise itself, staff whose
/// jurisdiction covers it, a partner with <c>eligibility:read</c>, admin; anyone else learns nothing (not even whether
/// the enterprise is known).
/// </summary>
public sealed class EnterpriseAnswers(EligibilityIndex index, ProfileCache profiles)
{
    public async Task<EnterpriseAnswer> AnswerAsync(Caller caller, string uscc, DateOnly asOf, bool explain, CancellationToken cancellationToken)
    {
        Authorize(caller, uscc);
        var answers = index.MatchEnterprise(uscc, asOf, explain) ?? throw new NotFoundException("企业画像");
        var policies = index.PolicyById;
        var ordered = new List<AnsweredPolicy>(answers.Count);
        foreach (var a in answers)
        {
            if (policies.TryGetValue(a.PolicyId, out var policy)) // one retired between the match and this read is left out
            {
                ordered.Add(new AnsweredPolicy(a, policy));
            }
        }

        ordered.Sort(static (x, y) =>
        {
            var (a, b) = (x.Answer, y.Answer);
            var c = Rank(a.Status).CompareTo(Rank(b.Status));
            if (c == 0) { c = (b.AmountFen ?? 0).CompareTo(a.AmountFen ?? 0); }
            return c != 0 ? c : string.CompareOrdinal(a.PolicyId, b.PolicyId);
        });
        var total = ordered.Where(a => a.Answer.Status == EligibilityStatus.Eligible).Sum(a => a.Answer.AmountFen ?? 0);
        // Explained conditions name where each actual value came from; only then is the stored provenance read.
        var provenance = explain ? await ProvenanceAsync(uscc, cancellationToken) : null;
        return new EnterpriseAnswer(uscc, asOf, ordered, total, provenance);
    }

    /// <summary>One policy's answer with every condition explained; statuses (exclusion groups included) as in the list.</summary>
    public async Task<(AnsweredPolicy Answer, IReadOnlyDictionary<string, FieldProvenance>? Provenance)> ExplainAsync(
        Caller caller, string uscc, string policyId, DateOnly asOf, CancellationToken cancellationToken)
    {
        Authorize(caller, uscc);
        var answer = index.MatchEnterprise(uscc, asOf, explain: true) is { } answers
            ? answers.FirstOrDefault(a => a.PolicyId == policyId)
            : throw new NotFoundException("企业画像");
        var policy = index.PolicyById.GetValueOrDefault(policyId);
        if (answer is null || policy is null)
        {
            throw new RefusedException(RefusalKind.NotFound, "policy.not_in_force", "该政策在此日期不在执行期内或不存在");
        }

        return (new AnsweredPolicy(answer, policy), await ProvenanceAsync(uscc, cancellationToken));
    }

    /// <summary>The enterprise itself, staff whose jurisdiction covers it, a partner with eligibility:read, or admin.</summary>
    public void Authorize(Caller caller, string uscc)
    {
        if (!Uscc.IsValid(uscc))
        {
            throw new InvalidInputException([new FieldError("uscc", "uscc.invalid", "统一社会信用代码格式或校验位不正确")]);
        }

        var allowed = caller.IsAdmin || caller.Is(uscc) || caller.HasScope(Scopes.EligibilityRead)
            || (caller.IsStaff && caller.Covers(index.GetProfile(uscc)?.Region));
        if (!allowed)
        {
            throw new AccessDeniedException();
        }
    }

    private static int Rank(EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => 0,
        EligibilityStatus.Excluded => 1,
        EligibilityStatus.Unknown => 2,
        _ => 3,
    };

    private async Task<IReadOnlyDictionary<string, FieldProvenance>?> ProvenanceAsync(string uscc, CancellationToken cancellationToken) =>
        (await profiles.GetAsync(uscc, cancellationToken))?.Provenance;
}
