using Google.Protobuf.WellKnownTypes;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Serialization;
using Huiqi.Domain.Text;
using Huiqi.Storage.Store;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Backend.Mapping;

/// <summary>Policies, criteria, benefits and answers between the wire and the domain.</summary>
public static class PolicyMapping
{
    /// <summary>
    /// A stored version as the catalogue serves it: mapped (and its ETag hashed) once per record, then shared by every
    /// read — the catalogue keeps the same record until policies change. The message must not be changed by callers.
    /// </summary>
    public static V1.Policy Cached(PolicyRecord record) => Mapped.GetValue(record, ToProto);

    /// <summary>
    /// The same for a list: without <c>document_json</c>, which only a full view needs (it would double every list's
    /// size on the wire; a list item is a summary to the JSON face).
    /// </summary>
    public static V1.Policy CachedListItem(PolicyRecord record) => Listed.GetValue(record, r =>
    {
        var item = Cached(r).Clone();
        item.DocumentJson = "";
        return item;
    });

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PolicyRecord, V1.Policy> Mapped = new(), Listed = new();

    public static V1.Policy ToProto(PolicyRecord record)
    {
        var policy = record.Policy;
        var proto = ToProto(record.Document);
        proto.Version = policy.Version;
        proto.Status = policy.Status switch
        {
            PolicyStatus.Draft => V1.PolicyStatus.Draft,
            PolicyStatus.Published => V1.PolicyStatus.Published,
            _ => V1.PolicyStatus.Retired,
        };
        proto.CreatedAt = Timestamp.FromDateTimeOffset(record.CreatedAt);
        proto.CreatedBy = record.CreatedBy;
        proto.DocumentJson = PolicyJson.Serialize(record.Document);
        proto.Etag = Application.Policies.PolicyEtags.Of(record, proto.DocumentJson);
        if (record.PublishedAt is { } published) { proto.PublishedAt = Timestamp.FromDateTimeOffset(published); }
        if (record.RetiredAt is { } retired) { proto.RetiredAt = Timestamp.FromDateTimeOffset(retired); }
        return proto;
    }

    /// <summary>A policy's definition and texts on the wire (what a client sends to create or change one).</summary>
    public static V1.Policy ToProto(PolicyJson.Document document)
    {
        var policy = document.Policy;
        var proto = new V1.Policy
        {
            Id = policy.Id,
            Title = policy.Title,
            Issuer = policy.Issuer,
            Jurisdiction = policy.Jurisdiction,
            Criteria = ToProto(policy.Criteria),
            Benefit = ToProto(policy.Benefit),
            OncePerEnterprise = policy.OncePerEnterprise,
            Recurrence = policy.Recurrence == Recurrence.Yearly ? V1.Recurrence.Yearly : V1.Recurrence.OncePerVersion,
            Summary = document.Summary,
            SourceUrl = document.SourceUrl ?? "",
            CriteriaText = CriteriaText.Print(policy.Criteria),
            CriteriaDescription = ConditionText.DescribeCriteria(policy.Criteria),
        };
        proto.Clauses.AddRange(document.Clauses);
        if (policy.EffectiveFrom is { } from) { proto.EffectiveFrom = Dates.Format(from); }
        if (policy.EffectiveTo is { } to) { proto.EffectiveTo = Dates.Format(to); }
        if (policy.ExclusionGroup is { } group) { proto.ExclusionGroup = group; }
        if (policy.BudgetFen is { } budget) { proto.BudgetFen = budget; }
        foreach (var example in policy.Examples)
        {
            var item = new V1.PolicyExample { Name = example.Name, Profile = ProfileMapping.ToProto(example.Profile), AsOf = Dates.Format(example.AsOf), Expect = ToProto(example.Expect) };
            if (example.AmountFen is { } amount) { item.AmountFen = amount; }
            proto.Examples.Add(item);
        }

        return proto;
    }

    /// <summary>A policy document from the wire, validated like its JSON form; errors are named under <paramref name="prefix"/>.</summary>
    public static PolicyJson.Document FromProto(V1.Policy proto, string prefix, List<FieldError> errors)
    {
        var start = errors.Count;
        var criteria = proto.Criteria is null ? null : FromProto(proto.Criteria, "criteria", errors);
        var benefit = proto.Benefit is null ? null : FromProto(proto.Benefit, "benefit", errors);
        var examples = proto.Examples.Select((e, i) =>
        {
            var path = $"examples[{i}]";
            var profileErrors = new List<FieldError>();
            var profile = e.Profile is null ? null : ProfileMapping.FromProto(WithExampleUscc(e.Profile), "", profileErrors);
            errors.AddRange(profileErrors.Select(x => x with { Field = $"{path}.profile.{x.Field}" }));
            if (!Dates.TryParse(e.AsOf, out var asOf)) { errors.Add(new($"{path}.as_of", "date.invalid", "应为有效日期（YYYY-MM-DD）")); }
            if (e.Expect == V1.EligibilityStatus.Unspecified) { errors.Add(new($"{path}.expect", "example.expect", "expect 未指定")); }
            if (profile is null) { errors.Add(new($"{path}.profile", "example.incomplete", "示例需要企业画像")); }
            return new PolicyExample(e.Name, profile ?? new Domain.Profiles.EnterpriseProfile { Uscc = ProfileJson.ExampleUscc }, asOf, FromProto(e.Expect), e.HasAmountFen ? e.AmountFen : null);
        }).ToList();
        DateOnly? from = null, to = null;
        if (proto.HasEffectiveFrom) { from = Dates.TryParse(proto.EffectiveFrom, out var f) ? f : Fail(errors, "effective_from"); }
        if (proto.HasEffectiveTo) { to = Dates.TryParse(proto.EffectiveTo, out var t) ? t : Fail(errors, "effective_to"); }
        if (string.IsNullOrWhiteSpace(proto.Title)) { errors.Add(new("title", "policy.title_missing", "缺少政策标题")); }
        if (!Domain.Profiles.Codes.IsRegionCode(proto.Jurisdiction)) { errors.Add(new("jurisdiction", "policy.jurisdiction", "管辖地区应为6位行政区划代码")); }
        if (proto.Id.Length > 0 && !PolicyJson.IsPolicyId(proto.Id)) { errors.Add(new("id", "policy.id", "政策编号只能包含小写字母、数字和连字符，长度2到64")); }
        if (from is { } a && to is { } b && b < a) { errors.Add(new("effective_to", "policy.dates", "截止日期不能早于生效日期")); }
        if (proto.HasBudgetFen && proto.BudgetFen < 0) { errors.Add(new("budget_fen", "policy.budget", "预算不能为负数")); }
        if (!System.Enum.IsDefined(proto.Recurrence)) { errors.Add(new("recurrence", "policy.recurrence", "发放周期应为 RECURRENCE_ONCE_PER_VERSION 或 RECURRENCE_YEARLY")); }
        if (criteria is null && !errors.Skip(start).Any(e => e.Field.StartsWith("criteria", StringComparison.Ordinal))) { errors.Add(new("criteria", "criteria.missing", "缺少申报条件")); }
        if (benefit is null && !errors.Skip(start).Any(e => e.Field.StartsWith("benefit", StringComparison.Ordinal))) { errors.Add(new("benefit", "benefit.missing", "缺少补贴金额规则")); }
        if (criteria is not null) { errors.AddRange(CriteriaValidator.Validate(criteria).Select(e => new FieldError(e.Path, e.Code, e.Message))); }
        if (benefit is not null) { errors.AddRange(BenefitValidator.Validate(benefit).Select(e => new FieldError(e.Path, e.Code, e.Message))); }
        for (var i = start; i < errors.Count; i++)
        {
            errors[i] = errors[i] with { Field = prefix + errors[i].Field };
        }

        var policy = new Policy
        {
            Id = proto.Id,
            Title = proto.Title,
            Issuer = proto.Issuer,
            Jurisdiction = proto.Jurisdiction,
            EffectiveFrom = from,
            EffectiveTo = to,
            Criteria = criteria ?? new AllOf(),
            Benefit = benefit ?? new FixedBenefit(0),
            ExclusionGroup = proto.HasExclusionGroup ? proto.ExclusionGroup : null,
            OncePerEnterprise = proto.OncePerEnterprise,
            Recurrence = proto.Recurrence == V1.Recurrence.Yearly ? Recurrence.Yearly : Recurrence.OncePerVersion,
            BudgetFen = proto.HasBudgetFen ? proto.BudgetFen : null,
            Examples = examples.ToEquatableArray(),
        };
        return new PolicyJson.Document(policy, proto.Summary, [.. proto.Clauses], string.IsNullOrEmpty(proto.SourceUrl) ? null : proto.SourceUrl);
    }

    private static V1.EnterpriseProfile WithExampleUscc(V1.EnterpriseProfile profile) =>
        profile.Uscc.Length > 0 ? profile : new V1.EnterpriseProfile(profile) { Uscc = ProfileJson.ExampleUscc };

    private static DateOnly? Fail(List<FieldError> errors, string field)
    {
        errors.Add(new(field, "date.invalid", "应为有效日期（YYYY-MM-DD）"));
        return null;
    }

    public static Criterion? FromProto(V1.Criterion proto, string path, List<FieldError> errors)
    {
        switch (proto.NodeCase)
        {
            case V1.Criterion.NodeOneofCase.All:
            case V1.Criterion.NodeOneofCase.Any:
            {
                var isAll = proto.NodeCase == V1.Criterion.NodeOneofCase.All;
                var group = isAll ? proto.All : proto.Any;
                var name = isAll ? "all" : "any";
                var children = group.Children.Select((c, i) => FromProto(c, $"{path}.{name}[{i}]", errors)).ToList();
                if (children.Any(c => c is null)) { return null; }
                var array = children.Select(c => c!).ToEquatableArray();
                return isAll ? new AllOf(array) : new AnyOf(array);
            }

            case V1.Criterion.NodeOneofCase.Not:
                return FromProto(proto.Not, $"{path}.not", errors) is { } child ? new Not(child) : null;
            case V1.Criterion.NodeOneofCase.Cert:
                return new CertPredicate(proto.Cert.Kind, proto.Cert.HasLevel ? proto.Cert.Level : null, proto.Cert.HasObtainedWithinMonths ? proto.Cert.ObtainedWithinMonths : null);
            case V1.Criterion.NodeOneofCase.Predicate:
            {
                var p = proto.Predicate;
                if (p.Op == V1.Operator.Unspecified || !System.Enum.IsDefined(p.Op))
                {
                    errors.Add(new($"{path}.op", "criteria.unknown_op", "运算符未指定或无效"));
                    return null;
                }

                var op = (Op)((int)p.Op - 1);
                var wireValues = p.OperandCase == V1.Predicate.OperandOneofCase.Values ? p.Values.Items.ToList() : p.OperandCase == V1.Predicate.OperandOneofCase.Value ? [p.Value] : [];
                if (op.TakesList() != (p.OperandCase == V1.Predicate.OperandOneofCase.Values))
                {
                    errors.Add(new(op.TakesList() ? $"{path}.values" : $"{path}.value", "criteria.operand_count", op.TakesList() ? $"运算符 {op.Name()} 需要 values" : $"运算符 {op.Name()} 需要一个 value"));
                    return null;
                }

                var before = errors.Count;
                var operands = wireValues.Select((v, i) => FromProto(v, op.TakesList() ? $"{path}.values[{i}]" : $"{path}.value", errors)).ToList();
                return errors.Count > before ? null : new Predicate(p.Field, op, operands.Select(o => o!).ToEquatableArray());
            }

            default:
                errors.Add(new(path, "criteria.missing", "缺少条件"));
                return null;
        }
    }

    private static Operand? FromProto(V1.Value value, string path, List<FieldError> errors) => value.KindCase switch
    {
        V1.Value.KindOneofCase.Text => new TextOperand(value.Text),
        V1.Value.KindOneofCase.Integer => new IntegerOperand(value.Integer),
        V1.Value.KindOneofCase.Boolean => new BoolOperand(value.Boolean),
        V1.Value.KindOneofCase.Date when Dates.TryParse(value.Date, out var date) => new DateOperand(date),
        _ => Invalid(path, errors),
    };

    private static Operand? Invalid(string path, List<FieldError> errors)
    {
        errors.Add(new(path, "criteria.operand_type", "取值缺失或格式不正确"));
        return null;
    }

    public static V1.Criterion ToProto(Criterion criterion) => criterion switch
    {
        AllOf all => new V1.Criterion { All = new V1.CriterionGroup { Children = { all.Children.Select(ToProto) } } },
        AnyOf any => new V1.Criterion { Any = new V1.CriterionGroup { Children = { any.Children.Select(ToProto) } } },
        Not not => new V1.Criterion { Not = ToProto(not.Child) },
        CertPredicate cert => new V1.Criterion { Cert = Cert(cert) },
        Predicate p => new V1.Criterion { Predicate = Predicate(p) },
        _ => throw new ArgumentOutOfRangeException(nameof(criterion)),
    };

    public static V1.CertPredicate Cert(CertPredicate cert)
    {
        var proto = new V1.CertPredicate { Kind = cert.Kind };
        if (cert.Level is { } level) { proto.Level = level; }
        if (cert.ObtainedWithinMonths is { } months) { proto.ObtainedWithinMonths = months; }
        return proto;
    }

    private static V1.Predicate Predicate(Predicate p)
    {
        var proto = new V1.Predicate { Field = p.Field, Op = (V1.Operator)((int)p.Op + 1) };
        if (p.Op.TakesList())
        {
            proto.Values = new V1.ValueList { Items = { p.Values.Select(ToProto) } };
        }
        else
        {
            proto.Value = ToProto(p.Values[0]);
        }

        return proto;
    }

    public static V1.Value ToProto(Operand operand) => operand switch
    {
        TextOperand t => new V1.Value { Text = t.Value },
        IntegerOperand n => new V1.Value { Integer = n.Value },
        BoolOperand b => new V1.Value { Boolean = b.Value },
        DateOperand d => new V1.Value { Date = Dates.Format(d.Value) },
        _ => throw new ArgumentOutOfRangeException(nameof(operand)),
    };

    public static V1.Benefit ToProto(Benefit benefit) => benefit switch
    {
        FixedBenefit f => new V1.Benefit { FixedFen = f.AmountFen },
        RateBenefit r => new V1.Benefit { Rate = r.CapFen is { } cap ? new V1.RateBenefit { Field = r.RateField, Bp = r.Bp, CapFen = cap } : new V1.RateBenefit { Field = r.RateField, Bp = r.Bp } },
        TierBenefit t => new V1.Benefit { Tiers = new V1.TierBenefit { Field = t.TierField, Steps = { t.Steps.Select(s => new V1.TierStep { AtLeast = s.AtLeast, AmountFen = s.AmountFen }) } } },
        _ => throw new ArgumentOutOfRangeException(nameof(benefit)),
    };

    public static Benefit? FromProto(V1.Benefit proto, string path, List<FieldError> errors) => proto.KindCase switch
    {
        V1.Benefit.KindOneofCase.FixedFen => new FixedBenefit(proto.FixedFen),
        V1.Benefit.KindOneofCase.Rate => new RateBenefit(proto.Rate.Field, proto.Rate.Bp, proto.Rate.HasCapFen ? proto.Rate.CapFen : null),
        V1.Benefit.KindOneofCase.Tiers => new TierBenefit(proto.Tiers.Field, proto.Tiers.Steps.Select(s => new TierStep(s.AtLeast, s.AmountFen)).ToEquatableArray()),
        _ => InvalidBenefit(path, errors),
    };

    private static Benefit? InvalidBenefit(string path, List<FieldError> errors)
    {
        errors.Add(new(path, "benefit.missing", "缺少补贴金额规则"));
        return null;
    }

    public static V1.EligibilityStatus ToProto(EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => V1.EligibilityStatus.Eligible,
        EligibilityStatus.Ineligible => V1.EligibilityStatus.Ineligible,
        EligibilityStatus.Unknown => V1.EligibilityStatus.Unknown,
        _ => V1.EligibilityStatus.Excluded,
    };

    public static EligibilityStatus FromProto(V1.EligibilityStatus status) => status switch
    {
        V1.EligibilityStatus.Eligible => EligibilityStatus.Eligible,
        V1.EligibilityStatus.Ineligible => EligibilityStatus.Ineligible,
        V1.EligibilityStatus.Excluded => EligibilityStatus.Excluded,
        _ => EligibilityStatus.Unknown,
    };

    /// <param name="sources">Where the enterprise's values came from: each explained condition names the source of its actual value (TRUST.md §3).</param>
    public static V1.PolicyAnswer ToProto(PolicyAnswer answer, Policy policy, ConditionSources? sources = null)
    {
        var proto = new V1.PolicyAnswer
        {
            PolicyId = answer.PolicyId, Version = answer.Version, Title = policy.Title, Status = ToProto(answer.Status),
            Basis = EligibilityMapping.ToProto(answer.Basis), Claims = { answer.Claims },
        };
        if (answer.AmountFen is { } amount)
        {
            proto.AmountFen = amount;
            proto.AmountText = Money.Format(amount);
        }
        else if (answer.Status is EligibilityStatus.Eligible or EligibilityStatus.Excluded && policy.Benefit.Field is { } figure)
        {
            // The amount is unknown only when the benefit's figure is absent (ELIGIBILITY.md §3): name it, so the app can ask for it.
            proto.AmountMissingFields.Add(figure);
        }

        if (answer.ExcludedBy is { } winner) { proto.ExcludedBy = winner; }
        proto.MissingFields.AddRange(answer.MissingFields);
        var operands = answer.Conditions.Count > 0 ? OperandsOf(policy) : null;
        proto.Conditions.Capacity = answer.Conditions.Count; // one array, not one per doubling
        foreach (var c in answer.Conditions)
        {
            proto.Conditions.Add(ToProto(c, c.Actual is not null ? sources?.Of(c.Field) : null, operands!));
        }

        return proto;
    }

    private static V1.ConditionExplanation ToProto(ConditionResult c, FieldProvenance? source, Dictionary<string, (V1.ValueList, V1.CertPredicate?)> operands)
    {
        var (expected, certProto) = operands.TryGetValue(c.Path, out var known) ? known : Operands(c.Expected, c.Cert);
        var condition = new V1.ConditionExplanation
        {
            Path = c.Path,
            Field = c.Field,
            Op = c.Op is { } op ? (V1.Operator)((int)op + 1) : V1.Operator.Unspecified,
            Expected = expected,
            Result = c.Result switch { Truth.True => V1.Truth.True, Truth.False => V1.Truth.False, _ => V1.Truth.Unknown },
            Text = c.Text,
        };
        if (c.Actual is { } actual) { condition.Actual = actual; }
        if (certProto is not null) { condition.Cert = certProto; }
        if (source is not null)
        {
            condition.Source = ProfileMapping.ToProto(source.Source);
            condition.SourceBy = source.By;
        }

        return condition;
    }

    /// <summary>
    /// Each leaf's operands as protobuf, by path, built once per policy version: the static half of an explanation,
    /// shared by every answer (messages that are only read may be shared; the wire and the in-process path only read them).
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Policy, Dictionary<string, (V1.ValueList, V1.CertPredicate?)>> Leaves = new();

    private static Dictionary<string, (V1.ValueList, V1.CertPredicate?)> OperandsOf(Policy policy) => Leaves.GetValue(policy, p =>
        PolicyEvaluator.Explain(p.Criteria, new Domain.Profiles.EnterpriseProfile { Uscc = "" }, DateOnly.MinValue)
            .ToDictionary(c => c.Path, c => Operands(c.Expected, c.Cert), StringComparer.Ordinal));

    private static (V1.ValueList, V1.CertPredicate?) Operands(IEnumerable<Operand> expected, CertPredicate? cert) =>
        (new V1.ValueList { Items = { expected.Select(ToProto) } }, cert is null ? null : Cert(cert));
}
