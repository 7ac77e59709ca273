using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Evaluation;

/// <summary>One enterprise × one policy: status, amount, missing fields and, on request, every leaf explained.</summary>
public static class PolicyEvaluator
{
    public static PolicyAnswer Evaluate(Policy policy, EnterpriseProfile profile, DateOnly asOf, bool explain = false)
    {
        var truth = CriteriaEvaluator.Evaluate(policy.Criteria, profile, asOf);
        var status = EligibilityStatusNames.FromTruth(truth);
        var amount = status == EligibilityStatus.Eligible ? policy.Benefit.AmountFor(profile, asOf) : null;
        var missing = status == EligibilityStatus.Unknown ? MissingFields(policy.Criteria, profile, asOf) : EquatableArray<string>.Empty;
        var conditions = explain ? Explain(policy.Criteria, profile, asOf) : EquatableArray<ConditionResult>.Empty;
        return new PolicyAnswer(policy.Id, policy.Version, status, amount, null, missing, conditions);
    }

    /// <summary>
    /// ELIGIBILITY.md §5.4: the sorted, de-duplicated fields of the unknown leaves whose every ancestor is unknown
    /// too. A cert leaf names <c>certifications</c>; a derived field names the stored fields it needs.
    /// </summary>
    public static EquatableArray<string> MissingFields(Criterion criterion, EnterpriseProfile profile, DateOnly asOf)
    {
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        Collect(criterion);
        return fields.ToEquatableArray();

        void Collect(Criterion node)
        {
            if (CriteriaEvaluator.Evaluate(node, profile, asOf) != Truth.Unknown)
            {
                return; // decided: nothing below it is missing
            }

            switch (node)
            {
                case AllOf all:
                    foreach (var child in all.Children) { Collect(child); }
                    break;
                case AnyOf any:
                    foreach (var child in any.Children) { Collect(child); }
                    break;
                case Not not:
                    Collect(not.Child);
                    break;
                case Predicate predicate:
                    fields.UnionWith(FieldValue.MissingSources(profile, FieldCatalog.Get(predicate.Field)));
                    break;
                case CertPredicate:
                    fields.Add(FieldCatalog.Certifications);
                    break;
            }
        }
    }

    /// <summary>Every leaf in document order, with its path, actual value, result and zh-CN sentence.</summary>
    public static EquatableArray<ConditionResult> Explain(Criterion criterion, EnterpriseProfile profile, DateOnly asOf)
    {
        var results = new List<ConditionResult>();
        Visit(criterion, "criteria");
        return results.ToEquatableArray();

        void Visit(Criterion node, string path)
        {
            switch (node)
            {
                case AllOf all:
                    for (var i = 0; i < all.Children.Count; i++) { Visit(all.Children[i], $"{path}.all[{i}]"); }
                    break;
                case AnyOf any:
                    for (var i = 0; i < any.Children.Count; i++) { Visit(any.Children[i], $"{path}.any[{i}]"); }
                    break;
                case Not not:
                    Visit(not.Child, $"{path}.not");
                    break;
                case Predicate predicate:
                {
                    var result = CriteriaEvaluator.EvaluatePredicate(predicate, profile, asOf);
                    var actual = ConditionText.ActualValue(predicate.Field, profile, asOf);
                    results.Add(new ConditionResult(path, predicate.Field, predicate.Op, predicate.Values, null, actual, result,
                        ConditionText.Describe(predicate, profile, asOf, result)));
                    break;
                }

                case CertPredicate cert:
                {
                    var result = CriteriaEvaluator.EvaluateCert(cert, profile, asOf);
                    results.Add(new ConditionResult($"{path}.cert", FieldCatalog.Certifications, null, EquatableArray<Operand>.Empty, cert,
                        ConditionText.ActualCertifications(cert, profile), result, ConditionText.Describe(cert, profile, asOf, result)));
                    break;
                }
            }
        }
    }
}
