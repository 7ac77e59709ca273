using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>What an answer rests on (TRUST.md §3).</summary>
public enum Basis : byte
{
    /// <summary>The status (and an eligible answer's amount) would be the same with every self-declared fact absent.</summary>
    Verified,

    /// <summary>The outcome rests on at least one claim not yet verified.</summary>
    SelfDeclared,
}

/// <summary>
/// TRUST.md §3 by its definition: answer again with every self-declared fact treated as absent and compare. Matching
/// itself is unchanged (statuses come from all facts); this only says whether the outcome would survive without the
/// claims, and which claims the policy reads.
/// </summary>
public static class AnswerBasis
{
    public static string Name(this Basis basis) => basis == Basis.Verified ? "verified" : "self_declared";

    /// <summary>The profile with the claimed stored fields absent.</summary>
    public static EnterpriseProfile WithoutClaims(EnterpriseProfile profile, IEnumerable<string> claims)
    {
        var empty = new EnterpriseProfile { Uscc = profile.Uscc };
        foreach (var field in claims)
        {
            profile = ProfileFields.Copy(profile, empty, field);
        }

        return profile;
    }

    /// <summary>Same status, and for an eligible answer the same amount.</summary>
    public static bool SameOutcome(EligibilityStatus status, long? amount, EligibilityStatus without, long? amountWithout) =>
        status == without && (status != EligibilityStatus.Eligible || amount == amountWithout);

    // Policies are immutable records, read again and again: their fields are worked out once per instance.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Policy, IReadOnlySet<string>> Read = [];

    /// <summary>The stored fields a policy reads: its leaves (a derived field's sources, <c>certifications</c> for a cert leaf) and its benefit's figure.</summary>
    public static IReadOnlySet<string> FieldsRead(Policy policy) => Read.GetValue(policy, Collect);

    private static IReadOnlySet<string> Collect(Policy policy)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        Visit(policy.Criteria);
        if (policy.Benefit.Field is { } figure)
        {
            AddField(figure);
        }

        return fields;

        void Visit(Criterion node)
        {
            switch (node)
            {
                case AllOf all:
                    foreach (var child in all.Children) { Visit(child); }
                    break;
                case AnyOf any:
                    foreach (var child in any.Children) { Visit(child); }
                    break;
                case Not not:
                    Visit(not.Child);
                    break;
                case Predicate predicate:
                    AddField(predicate.Field);
                    break;
                case CertPredicate:
                    fields.Add(FieldCatalog.Certifications);
                    break;
            }
        }

        void AddField(string name)
        {
            if (FieldCatalog.TryGet(name, out var def) && def.Sources is { } sources)
            {
                fields.UnionWith(sources);
            }
            else
            {
                fields.Add(name);
            }
        }
    }

    /// <summary>
    /// The claims an answer for <paramref name="policy"/> can rest on: the claimed fields that it, or a rival of its
    /// exclusion group (which can take its place), reads. Sorted.
    /// </summary>
    public static EquatableArray<string> ClaimsRead(Policy policy, IEnumerable<Policy> rivals, IReadOnlyCollection<string> claims)
    {
        // Claims are few (a handful of fields), so each is looked up rather than the policies' fields merged.
        var read = new List<string>(claims.Count);
        foreach (var claim in claims)
        {
            if (!read.Contains(claim) && (FieldsRead(policy).Contains(claim) || rivals.Any(r => FieldsRead(r).Contains(claim))))
            {
                read.Add(claim);
            }
        }

        read.Sort(StringComparer.Ordinal);
        return new EquatableArray<string>([.. read]);
    }

    /// <summary>
    /// Each answer with its basis: <see cref="Basis.SelfDeclared"/> and the claims it reads where the answer without
    /// claims (<paramref name="withoutClaims"/>, same policies) differs. <paramref name="policies"/> are the in-force policies answered.
    /// </summary>
    /// <remarks>Both answer lists come from the same policies in the same order (one evaluator, two profiles).</remarks>
    public static IReadOnlyList<PolicyAnswer> Apply(IReadOnlyList<PolicyAnswer> answers, IReadOnlyList<PolicyAnswer> withoutClaims, IReadOnlyList<Policy> policies, IReadOnlyCollection<string> claims)
    {
        Dictionary<string, Policy>? byId = null;
        ILookup<string?, Policy>? groups = null;
        var result = new PolicyAnswer[answers.Count];
        for (var i = 0; i < answers.Count; i++)
        {
            var answer = answers[i];
            var other = withoutClaims[i];
            if (other.PolicyId != answer.PolicyId)
            {
                throw new ArgumentException("the answers without claims are not for the same policies", nameof(withoutClaims));
            }

            if (SameOutcome(answer.Status, answer.AmountFen, other.Status, other.AmountFen))
            {
                result[i] = answer;
                continue;
            }

            byId ??= policies.ToDictionary(p => p.Id, StringComparer.Ordinal);
            var policy = byId[answer.PolicyId];
            IEnumerable<Policy> rivals = [];
            if (policy.ExclusionGroup is { } group)
            {
                groups ??= policies.ToLookup(p => p.ExclusionGroup, StringComparer.Ordinal);
                rivals = groups[group].Where(p => p.Id != policy.Id);
            }

            result[i] = answer with { Basis = Basis.SelfDeclared, Claims = ClaimsRead(policy, rivals, claims) };
        }

        return result;
    }
}
