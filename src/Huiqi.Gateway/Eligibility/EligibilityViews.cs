using System.Text.Json;
using System.Text.Json.Serialization;
using Huiqi.Domain.Explanation;
using Huiqi.Gateway.Policies;
using V1 = Huiqi.Contracts.V1;

namespace Huiqi.Gateway.Eligibility;

/// <summary>
/// One leaf condition explained: <c>expected</c> is the operand as in the criteria's JSON (a value, a list, or the
/// cert object), <c>actual</c> the enterprise's value (absent when unknown), <c>result</c> true / false / unknown,
/// <c>source</c> where the actual value came from (<c>partner_feed</c>, <c>staff</c>, <c>self_declared</c>; TRUST.md §3) and <c>sourceBy</c> who sent it.
/// </summary>
public sealed record ConditionView(string Path, string Field, string Op, ExpectedOperands? Expected, string? Actual, string Result, string Text, string? Source, string? SourceBy);

/// <summary>
/// A condition's operand(s) as the criteria's JSON writes them — a value, a list (<paramref name="AsList"/>), or the
/// cert object — written straight from the contract's message by <see cref="ExpectedOperandsConverter"/>, with no
/// intermediate JSON tree per condition.
/// </summary>
[JsonConverter(typeof(ExpectedOperandsConverter))]
public sealed record ExpectedOperands(V1.ValueList? Values, V1.CertPredicate? Cert, bool AsList);

public sealed class ExpectedOperandsConverter : JsonConverter<ExpectedOperands>
{
    public override ExpectedOperands Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a view is only written");

    public override void Write(Utf8JsonWriter writer, ExpectedOperands value, JsonSerializerOptions options)
    {
        if (value.Cert is { } cert)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", cert.Kind);
            if (cert.HasLevel) { writer.WriteString("level", cert.Level); }
            if (cert.HasObtainedWithinMonths) { writer.WriteNumber("obtainedWithinMonths", cert.ObtainedWithinMonths); }
            writer.WriteEndObject();
            return;
        }

        var items = value.Values?.Items;
        if (value.AsList)
        {
            writer.WriteStartArray();
            foreach (var item in items ?? [])
            {
                WriteValue(writer, item);
            }

            writer.WriteEndArray();
        }
        else if (items is [var single, ..])
        {
            WriteValue(writer, single);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, V1.Value v)
    {
        switch (v.KindCase)
        {
            case V1.Value.KindOneofCase.Text: writer.WriteStringValue(v.Text); break;
            case V1.Value.KindOneofCase.Integer: writer.WriteNumberValue(v.Integer); break;
            case V1.Value.KindOneofCase.Boolean: writer.WriteBooleanValue(v.Boolean); break;
            case V1.Value.KindOneofCase.Date: writer.WriteStringValue(v.Date); break;
            default: writer.WriteNullValue(); break;
        }
    }
}

/// <summary>
/// The answer for one enterprise and one policy (ELIGIBILITY.md §5, API.md's eligibility answer item).
/// <c>amountMissingFields</c>: eligible but the amount cannot be computed yet — the figure to ask the enterprise for.
/// <c>basis</c> (TRUST.md §3): <c>verified</c>, or <c>self_declared</c> when the outcome rests on the enterprise's own
/// claims — then <c>claims</c> names them and <c>basisText</c> says so for people.
/// </summary>
public sealed record AnswerView(
    string PolicyId, int Version, string Title, string Status, long? AmountFen, string? AmountText, string? ExcludedBy,
    IReadOnlyList<string> MissingFields, IReadOnlyList<string> AmountMissingFields, ConditionViews Conditions,
    string Basis, IReadOnlyList<string> Claims, string? BasisText);

public sealed record EligibilityView(string Uscc, string AsOf, long EligibleTotalFen, string EligibleTotalText, IReadOnlyList<AnswerView> Items, string? NextCursor);

/// <summary>
/// The contract's answers as views: one mapping per answer; lists of names are the message's own (read-only once
/// mapped), not copies.
/// </summary>
public static class EligibilityViews
{
    public static AnswerView Answer(V1.PolicyAnswer a) => new(
        a.PolicyId, a.Version, a.Title, PolicyViews.StatusOf(a.Status), a.HasAmountFen ? a.AmountFen : null,
        a.HasAmountFen ? (a.AmountText.Length > 0 ? a.AmountText : Money.Format(a.AmountFen)) : null,
        a.HasExcludedBy ? a.ExcludedBy : null, a.MissingFields, a.AmountMissingFields, new ConditionViews(a.Conditions),
        BasisOf(a.Basis), a.Claims, a.Basis == V1.Basis.SelfDeclared ? ClaimsText(a.Claims) : null);

    public static string BasisOf(V1.Basis basis) => basis == V1.Basis.SelfDeclared ? "self_declared" : "verified";

    /// <summary>For people: 依据自报信息（研发费用、资质认定），待核验.</summary>
    public static string ClaimsText(IEnumerable<string> claims) =>
        $"依据自报信息（{string.Join("、", claims.Select(Domain.Criteria.FieldCatalog.LabelOf))}），待核验";

    public static string? SourceOf(V1.ProfileSource source) => source switch
    {
        V1.ProfileSource.PartnerFeed => "partner_feed",
        V1.ProfileSource.SelfDeclared => "self_declared",
        V1.ProfileSource.Staff => "staff",
        _ => null,
    };

    public static ConditionView Condition(V1.ConditionExplanation c)
    {
        var op = c.Cert is not null && c.Op == V1.Operator.Unspecified ? "cert" : OpName(c.Op);
        ExpectedOperands? expected = op switch
        {
            "cert" => new ExpectedOperands(null, c.Cert, AsList: false),
            "in" or "not_in" or "between" or "has_any" or "has_all" or "has_none" => new ExpectedOperands(c.Expected, null, AsList: true),
            _ => c.Expected is { Items.Count: > 0 } ? new ExpectedOperands(c.Expected, null, AsList: false) : null,
        };
        var result = c.Result switch { V1.Truth.True => "true", V1.Truth.False => "false", _ => "unknown" };
        return new ConditionView(c.Path, c.Field, op, expected, c.HasActual ? c.Actual : null, result, c.Text, SourceOf(c.Source), c.SourceBy.Length > 0 ? c.SourceBy : null);
    }

    private static string OpName(V1.Operator op) => op switch
    {
        V1.Operator.Eq => "eq", V1.Operator.Ne => "ne", V1.Operator.In => "in", V1.Operator.NotIn => "not_in",
        V1.Operator.Under => "under", V1.Operator.Lt => "lt", V1.Operator.Le => "le", V1.Operator.Gt => "gt",
        V1.Operator.Ge => "ge", V1.Operator.Between => "between", V1.Operator.HasAny => "has_any",
        V1.Operator.HasAll => "has_all", V1.Operator.HasNone => "has_none", _ => "unspecified",
    };
}
