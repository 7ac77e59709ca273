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
/// What an enterprise is entitled to on a date (ELIGIBILITY.md §5): every policy in force, ranked as
/// <see cref="RankedAnswers"/> says (eligible first, then excluded, unknown and ineligible); the eligible total; and, when the
/// conditions are explained, where each fact came from (TRUST.md §1). Statuses, order and total are always the whole
/// list's; only the page returned is explained, so a page of 50 costs 50 explanations whatever the catalogue's size.
/// </summary>
/// <param name="Answers">The page asked for (all by default).</param>
/// <param name="TotalCount">Answers in the whole list.</param>
public sealed record EnterpriseAnswer(string Uscc, DateOnly AsOf, IReadOnlyList<AnsweredPolicy> Answers, long EligibleTotalFen,
    IReadOnlyDictionary<string, FieldProvenance>? Provenance, int TotalCount);

/// <summary>
/// The enterprise's answers, once for both faces. Who may ask (API.md): the enterprise itself, staff whose
/// jurisdiction covers it, a partner with <c>eligibility:read</c>, admin; anyone else learns nothing (not even whether
/// the enterprise is known).
/// </summary>
public sealed class EnterpriseAnswers(EligibilityIndex index, ProfileCache profiles)
{
    /// <param name="offset">Answers of the ordered list to skip.</param>
    /// <param name="limit">At most this many answers; 0: all.</param>
    public async Task<EnterpriseAnswer> AnswerAsync(Caller caller, string uscc, DateOnly asOf, bool explain, CancellationToken cancellationToken, int offset = 0, int limit = 0)
    {
        Authorize(caller, uscc);
        if (offset < 0 || limit < 0)
        {
            throw new InvalidInputException([new FieldError(offset < 0 ? "offset" : "limit", "page.range", "分页参数不能为负数")]);
        }

        var ranked = index.AnswerEnterprise(uscc, asOf) ?? throw new NotFoundException("企业画像");
        var page = ranked.Page(offset, limit).Select(a => new AnsweredPolicy(a.Answer, a.Policy)).ToList();
        var (total, count) = (ranked.EligibleTotalFen, ranked.Count);
        if (!explain)
        {
            return new EnterpriseAnswer(uscc, asOf, page, total, null, count);
        }

        // Explained conditions name where each actual value came from; only then is the stored provenance read.
        return new EnterpriseAnswer(uscc, asOf, Explained(uscc, asOf, page), total, await ProvenanceAsync(uscc, cancellationToken), count);
    }

    /// <summary>
    /// 政策计算器 (what-if, API.md): the answer the enterprise would get with some of its facts replaced by
    /// <paramref name="hypotheticalJson"/> (members as in a profile patch; null clears one). Nothing is stored, nothing
    /// is triggered. The page is explained over the hypothetical facts; a hypothetical value has no source, and an
    /// answer rests on claims only through the enterprise's real claims on fields it did not replace.
    /// Who may ask: as <see cref="AnswerAsync"/>.
    /// </summary>
    public async Task<EnterpriseAnswer> WhatIfAsync(Caller caller, string uscc, string hypotheticalJson, DateOnly asOf, CancellationToken cancellationToken, int offset = 0, int limit = 0)
    {
        Authorize(caller, uscc);
        var (patch, fields) = Enterprises.ProfileDocuments.ParsePatch(hypotheticalJson, uscc);
        if (offset < 0 || limit < 0)
        {
            throw new InvalidInputException([new FieldError(offset < 0 ? "offset" : "limit", "page.range", "分页参数不能为负数")]);
        }

        var current = index.GetProfile(uscc) ?? throw new NotFoundException("企业画像");
        var hypothetical = fields.Aggregate(current, (profile, field) => ProfileFields.Copy(profile, patch, field));
        if (ProfileValidator.Validate(hypothetical) is { Count: > 0 } errors)
        {
            throw new InvalidInputException([.. errors.Select(e => e with { Field = ProfileJsonMember(e.Field) })]);
        }

        var claims = index.ClaimsOf(uscc).Except(fields, StringComparer.Ordinal).ToArray();
        var ranked = index.AnswerProfile(hypothetical, claims, asOf);
        var page = ranked.Page(offset, limit).Select(a => new AnsweredPolicy(a.Answer, a.Policy)).ToList();
        var items = WithConditions(page, index.ExplainProfile(hypothetical, asOf, page.Select(a => a.Policy.Id)));
        var provenance = (await profiles.GetAsync(uscc, cancellationToken))?.Provenance
            .Where(p => !fields.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new EnterpriseAnswer(uscc, asOf, items, ranked.EligibleTotalFen, provenance, ranked.Count);
    }

    private static string ProfileJsonMember(string field) => ProfileJson.MemberOfField(field) ?? field;

    /// <summary>One policy's answer with every condition explained; statuses (exclusion groups included) as in the list.</summary>
    public async Task<(AnsweredPolicy Answer, IReadOnlyDictionary<string, FieldProvenance>? Provenance)> ExplainAsync(
        Caller caller, string uscc, string policyId, DateOnly asOf, CancellationToken cancellationToken)
    {
        Authorize(caller, uscc);
        var answer = index.MatchEnterprise(uscc, asOf) is { } answers
            ? answers.FirstOrDefault(a => a.PolicyId == policyId)
            : throw new NotFoundException("企业画像");
        if (answer is null || index.PolicyById.GetValueOrDefault(policyId) is not { } policy)
        {
            throw new RefusedException(RefusalKind.NotFound, "policy.not_in_force", "该政策在此日期不在执行期内或不存在");
        }

        return (Explained(uscc, asOf, [new AnsweredPolicy(answer, policy)])[0], await ProvenanceAsync(uscc, cancellationToken));
    }

    /// <summary>The page's answers with their conditions; the policy set changing in between is a retry, not a mixed answer.</summary>
    private List<AnsweredPolicy> Explained(string uscc, DateOnly asOf, IReadOnlyList<AnsweredPolicy> page) =>
        WithConditions(page, index.Explain(uscc, asOf, page.Select(a => a.Policy.Id)) ?? throw new NotFoundException("企业画像"));

    private static List<AnsweredPolicy> WithConditions(IReadOnlyList<AnsweredPolicy> page,
        IReadOnlyDictionary<string, (Policy Policy, EquatableArray<ConditionResult> Conditions)> explained)
    {
        var result = new List<AnsweredPolicy>(page.Count);
        foreach (var item in page)
        {
            if (!explained.TryGetValue(item.Policy.Id, out var e) || !ReferenceEquals(e.Policy, item.Policy))
            {
                throw new RefusedException(RefusalKind.Aborted, "index.changed", "政策在查询期间发生变化，请重试");
            }

            result.Add(item with { Answer = item.Answer with { Conditions = e.Conditions } });
        }

        return result;
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

    private async Task<IReadOnlyDictionary<string, FieldProvenance>?> ProvenanceAsync(string uscc, CancellationToken cancellationToken) =>
        (await profiles.GetAsync(uscc, cancellationToken))?.Provenance;
}
