using System.Text;
using System.Text.Json;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;

namespace Huiqi.Domain.Serialization;

/// <summary>
/// The canonical JSON of criteria (§2), benefits (§3) and policies (§4). Reading validates: a bad node is an
/// error naming its path (<c>criteria.all[2].op</c>, <c>benefit.rate.bp</c>, <c>examples[1].expect</c>).
/// </summary>
public static class PolicyJson
{
    /// <summary>A policy's definition plus the texts people read: what staff write and what is stored.</summary>
    public sealed record Document(Policy Policy, string Summary, IReadOnlyList<string> Clauses, string? SourceUrl);

    public static string Serialize(Document document)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, ProfileJson.WriterOptions))
        {
            Write(writer, document);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, Document document)
    {
        var policy = document.Policy;
        writer.WriteStartObject();
        writer.WriteString("id", policy.Id);
        writer.WriteString("title", policy.Title);
        writer.WriteString("issuer", policy.Issuer);
        writer.WriteString("jurisdiction", policy.Jurisdiction);
        if (policy.EffectiveFrom is { } from)
        {
            writer.WriteString("effectiveFrom", Dates.Format(from));
        }

        if (policy.EffectiveTo is { } to)
        {
            writer.WriteString("effectiveTo", Dates.Format(to));
        }

        writer.WritePropertyName("criteria");
        WriteCriterion(writer, policy.Criteria);
        writer.WritePropertyName("benefit");
        WriteBenefit(writer, policy.Benefit);
        if (policy.ExclusionGroup is { } group)
        {
            writer.WriteString("exclusionGroup", group);
        }

        writer.WriteBoolean("oncePerEnterprise", policy.OncePerEnterprise);
        if (policy.Recurrence != Recurrence.OncePerVersion)
        {
            // Written only when not the default, so the documents (and fingerprints) of existing policies stay as they were.
            writer.WriteString("recurrence", RecurrenceName(policy.Recurrence));
        }
        if (policy.BudgetFen is { } budget)
        {
            writer.WriteNumber("budgetFen", budget);
        }

        writer.WriteString("summary", document.Summary);
        writer.WriteStartArray("clauses");
        foreach (var clause in document.Clauses)
        {
            writer.WriteStringValue(clause);
        }

        writer.WriteEndArray();
        if (document.SourceUrl is { } url)
        {
            writer.WriteString("sourceUrl", url);
        }

        writer.WriteStartArray("examples");
        foreach (var example in policy.Examples)
        {
            writer.WriteStartObject();
            writer.WriteString("name", example.Name);
            writer.WritePropertyName("profile");
            ProfileJson.Write(writer, example.Profile);
            writer.WriteString("asOf", Dates.Format(example.AsOf));
            writer.WriteString("expect", example.Expect.Name());
            if (example.AmountFen is { } amount)
            {
                writer.WriteNumber("amountFen", amount);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCriterion(Utf8JsonWriter writer, Criterion criterion)
    {
        writer.WriteStartObject();
        switch (criterion)
        {
            case AllOf all:
                writer.WriteStartArray("all");
                foreach (var child in all.Children) { WriteCriterion(writer, child); }
                writer.WriteEndArray();
                break;
            case AnyOf any:
                writer.WriteStartArray("any");
                foreach (var child in any.Children) { WriteCriterion(writer, child); }
                writer.WriteEndArray();
                break;
            case Not not:
                writer.WritePropertyName("not");
                WriteCriterion(writer, not.Child);
                break;
            case Predicate predicate:
                writer.WriteString("field", predicate.Field);
                writer.WriteString("op", predicate.Op.Name());
                if (predicate.Op.TakesList())
                {
                    writer.WriteStartArray("values");
                    foreach (var value in predicate.Values) { WriteOperand(writer, value); }
                    writer.WriteEndArray();
                }
                else
                {
                    writer.WritePropertyName("value");
                    WriteOperand(writer, predicate.Values[0]);
                }

                break;
            case CertPredicate cert:
                writer.WriteStartObject("cert");
                writer.WriteString("kind", cert.Kind);
                if (cert.Level is not null) { writer.WriteString("level", cert.Level); }
                if (cert.ObtainedWithinMonths is { } months) { writer.WriteNumber("obtainedWithinMonths", months); }
                writer.WriteEndObject();
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteOperand(Utf8JsonWriter writer, Operand operand)
    {
        switch (operand)
        {
            case TextOperand t: writer.WriteStringValue(t.Value); break;
            case IntegerOperand n: writer.WriteNumberValue(n.Value); break;
            case BoolOperand b: writer.WriteBooleanValue(b.Value); break;
            case DateOperand d: writer.WriteStringValue(Dates.Format(d.Value)); break;
        }
    }

    public static void WriteBenefit(Utf8JsonWriter writer, Benefit benefit)
    {
        writer.WriteStartObject();
        switch (benefit)
        {
            case FixedBenefit f:
                writer.WriteNumber("fixedFen", f.AmountFen);
                break;
            case RateBenefit r:
                writer.WriteStartObject("rate");
                writer.WriteString("field", r.RateField);
                writer.WriteNumber("bp", r.Bp);
                if (r.CapFen is { } cap) { writer.WriteNumber("capFen", cap); }
                writer.WriteEndObject();
                break;
            case TierBenefit t:
                writer.WriteStartObject("tiers");
                writer.WriteString("field", t.TierField);
                writer.WriteStartArray("steps");
                foreach (var step in t.Steps)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("atLeast", step.AtLeast);
                    writer.WriteNumber("amountFen", step.AmountFen);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads and validates a policy document (criteria, benefit, dates, examples).</summary>
    public static Document Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError("$", "json.malformed", $"JSON 格式错误：{ex.Message}")]);
        }
    }

    public static Document Read(JsonElement root)
    {
        var errors = new List<FieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException([new FieldError("$", "json.type", "政策应为 JSON 对象")]);
        }

        string id = "", title = "", issuer = "", jurisdiction = "", summary = "";
        string? group = null, sourceUrl = null;
        DateOnly? from = null, to = null;
        Criterion? criteria = null;
        Benefit? benefit = null;
        var once = false;
        var recurrence = Recurrence.OncePerVersion;
        long? budget = null;
        var clauses = new List<string>();
        var examples = new List<PolicyExample>();
        foreach (var member in root.EnumerateObject())
        {
            var v = member.Value;
            switch (member.Name)
            {
                case "id": id = String(v, "id", errors) ?? ""; break;
                case "title": title = String(v, "title", errors) ?? ""; break;
                case "issuer": issuer = String(v, "issuer", errors) ?? ""; break;
                case "jurisdiction": jurisdiction = String(v, "jurisdiction", errors) ?? ""; break;
                case "summary": summary = String(v, "summary", errors) ?? ""; break;
                case "sourceUrl": sourceUrl = v.ValueKind == JsonValueKind.Null ? null : String(v, "sourceUrl", errors); break;
                case "effectiveFrom": from = OptionalDate(v, "effectiveFrom", errors); break;
                case "effectiveTo": to = OptionalDate(v, "effectiveTo", errors); break;
                case "criteria": criteria = ReadCriterion(v, "criteria", errors); break;
                case "benefit": benefit = ReadBenefit(v, "benefit", errors); break;
                case "exclusionGroup": group = v.ValueKind == JsonValueKind.Null ? null : String(v, "exclusionGroup", errors); break;
                case "oncePerEnterprise": once = v.ValueKind == JsonValueKind.True || (v.ValueKind != JsonValueKind.False && Fail(errors, "oncePerEnterprise", "json.type", "应为 true 或 false")); break;
                case "recurrence": recurrence = ReadRecurrence(v, errors); break;
                case "budgetFen": budget = v.ValueKind == JsonValueKind.Null ? null : Long(v, "budgetFen", errors); break;
                case "clauses":
                    if (v.ValueKind == JsonValueKind.Array)
                    {
                        var i = 0;
                        foreach (var clause in v.EnumerateArray()) { if (String(clause, $"clauses[{i++}]", errors) is { } c) { clauses.Add(c); } }
                    }
                    else { Fail(errors, "clauses", "json.type", "应为字符串数组"); }

                    break;
                case "examples":
                    if (v.ValueKind == JsonValueKind.Array)
                    {
                        var i = 0;
                        foreach (var example in v.EnumerateArray()) { if (ReadExample(example, $"examples[{i++}]", errors) is { } e) { examples.Add(e); } }
                    }
                    else { Fail(errors, "examples", "json.type", "应为数组"); }

                    break;
                default:
                    errors.Add(new(member.Name, "json.unknown_member", $"未知字段“{member.Name}”"));
                    break;
            }
        }

        if (title.Length == 0) { errors.Add(new("title", "policy.title_missing", "缺少政策标题")); }
        if (!Profiles.Codes.IsRegionCode(jurisdiction)) { errors.Add(new("jurisdiction", "policy.jurisdiction", "管辖地区应为6位行政区划代码")); }
        if (id.Length > 0 && !IsPolicyId(id)) { errors.Add(new("id", "policy.id", "政策编号只能包含小写字母、数字和连字符，长度2到64")); }
        if (from is { } f && to is { } t && t < f) { errors.Add(new("effectiveTo", "policy.dates", "截止日期不能早于生效日期")); }
        if (budget is < 0) { errors.Add(new("budgetFen", "policy.budget", "预算不能为负数")); }
        if (criteria is null && !errors.Any(e => e.Field.StartsWith("criteria", StringComparison.Ordinal))) { errors.Add(new("criteria", "criteria.missing", "缺少申报条件")); }
        if (benefit is null && !errors.Any(e => e.Field.StartsWith("benefit", StringComparison.Ordinal))) { errors.Add(new("benefit", "benefit.missing", "缺少补贴金额规则")); }
        if (criteria is not null) { errors.AddRange(CriteriaValidator.Validate(criteria).Select(e => new FieldError(e.Path, e.Code, e.Message))); }
        if (benefit is not null) { errors.AddRange(BenefitValidator.Validate(benefit).Select(e => new FieldError(e.Path, e.Code, e.Message))); }
        if (errors.Count > 0)
        {
            throw new InvalidInputException(errors);
        }

        var policy = new Policy
        {
            Id = id,
            Title = title,
            Issuer = issuer,
            Jurisdiction = jurisdiction,
            EffectiveFrom = from,
            EffectiveTo = to,
            Criteria = criteria!,
            Benefit = benefit!,
            ExclusionGroup = group,
            OncePerEnterprise = once,
            Recurrence = recurrence,
            BudgetFen = budget,
            Examples = examples.ToEquatableArray(),
        };
        return new Document(policy, summary, clauses, sourceUrl);
    }

    public static string RecurrenceName(Recurrence recurrence) => recurrence == Recurrence.Yearly ? "yearly" : "oncePerVersion";

    private static Recurrence ReadRecurrence(JsonElement v, List<FieldError> errors)
    {
        switch (v.ValueKind == JsonValueKind.String ? v.GetString() : null)
        {
            case "oncePerVersion": return Recurrence.OncePerVersion;
            case "yearly": return Recurrence.Yearly;
            default:
                errors.Add(new("recurrence", "policy.recurrence", "发放周期应为 oncePerVersion（每个版本一次）或 yearly（每年一次）"));
                return Recurrence.OncePerVersion;
        }
    }

    public static bool IsPolicyId(string id) =>
        id.Length is >= 2 and <= 64 && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && id[0] != '-';

    public static Criterion? ReadCriterion(JsonElement element, string path, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "criteria.type", "条件应为 JSON 对象"));
            return null;
        }

        var members = element.EnumerateObject().ToList();
        if (members.Count == 1 && members[0].Name is "all" or "any")
        {
            var name = members[0].Name;
            if (members[0].Value.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new($"{path}.{name}", "criteria.type", "应为条件数组"));
                return null;
            }

            var children = members[0].Value.EnumerateArray().Select((c, i) => ReadCriterion(c, $"{path}.{name}[{i}]", errors)).ToList();
            if (children.Any(c => c is null)) { return null; }
            var array = children.Select(c => c!).ToEquatableArray();
            return name == "all" ? new AllOf(array) : new AnyOf(array);
        }

        if (members.Count == 1 && members[0].Name == "not")
        {
            return ReadCriterion(members[0].Value, $"{path}.not", errors) is { } child ? new Not(child) : null;
        }

        if (members.Count == 1 && members[0].Name == "cert")
        {
            return ReadCert(members[0].Value, $"{path}.cert", errors);
        }

        if (element.TryGetProperty("field", out var fieldElement))
        {
            return ReadPredicate(element, fieldElement, path, errors);
        }

        errors.Add(new(path, "criteria.node", "条件应为 all、any、not、cert 之一或带 field 的谓词"));
        return null;
    }

    private static Predicate? ReadPredicate(JsonElement element, JsonElement fieldElement, string path, List<FieldError> errors)
    {
        var before = errors.Count;
        var field = String(fieldElement, $"{path}.field", errors);
        string? opName = null;
        JsonElement? value = null, values = null;
        foreach (var member in element.EnumerateObject())
        {
            switch (member.Name)
            {
                case "field": break;
                case "op": opName = String(member.Value, $"{path}.op", errors); break;
                case "value": value = member.Value; break;
                case "values": values = member.Value; break;
                default: errors.Add(new($"{path}.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
            }
        }

        if (field is null || errors.Count > before) { return null; }
        if (!FieldCatalog.TryGet(field, out var def)) { errors.Add(new($"{path}.field", "criteria.unknown_field", $"未知字段“{field}”")); return null; }
        if (!OpNames.TryParse(opName, out var op)) { errors.Add(new($"{path}.op", "criteria.unknown_op", $"未知运算符“{opName}”")); return null; }
        if (op.TakesList() ? values is null || value is not null : value is null || values is not null)
        {
            errors.Add(new(op.TakesList() ? $"{path}.values" : $"{path}.value", "criteria.operand_count",
                op.TakesList() ? $"运算符 {op.Name()} 需要 values 数组" : $"运算符 {op.Name()} 需要一个 value"));
            return null;
        }

        var operands = new List<Operand>();
        if (op.TakesList())
        {
            if (values!.Value.ValueKind != JsonValueKind.Array) { errors.Add(new($"{path}.values", "criteria.operand_type", "values 应为数组")); return null; }
            var i = 0;
            foreach (var item in values.Value.EnumerateArray())
            {
                if (ReadOperand(item, def, $"{path}.values[{i++}]", errors) is { } operand) { operands.Add(operand); }
            }
        }
        else if (ReadOperand(value!.Value, def, $"{path}.value", errors) is { } operand)
        {
            operands.Add(operand);
        }

        return errors.Count > before ? null : new Predicate(def.Name, op, operands.ToEquatableArray());
    }

    /// <summary>A JSON operand read as the field's type needs: dates are strings, money and counts integers.</summary>
    private static Operand? ReadOperand(JsonElement element, FieldDef field, string path, List<FieldError> errors)
    {
        switch (field.Type)
        {
            case FieldType.Integer or FieldType.Money when element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var n):
                return new IntegerOperand(n);
            case FieldType.Date when element.ValueKind == JsonValueKind.String && Dates.TryParse(element.GetString(), out var d):
                return new DateOperand(d);
            case FieldType.Bool when element.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return new BoolOperand(element.GetBoolean());
            case FieldType.Code or FieldType.Text or FieldType.Set when element.ValueKind == JsonValueKind.String:
                return new TextOperand(element.GetString()!);
            default:
                errors.Add(new(path, "criteria.operand_type", $"字段“{field.Label}”的取值类型不正确"));
                return null;
        }
    }

    private static CertPredicate? ReadCert(JsonElement element, string path, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object) { errors.Add(new(path, "criteria.type", "cert 应为对象")); return null; }
        string? kind = null, level = null;
        int? months = null;
        var before = errors.Count;
        foreach (var member in element.EnumerateObject())
        {
            switch (member.Name)
            {
                case "kind": kind = String(member.Value, $"{path}.kind", errors); break;
                case "level": level = member.Value.ValueKind == JsonValueKind.Null ? null : String(member.Value, $"{path}.level", errors); break;
                case "obtainedWithinMonths":
                    if (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt32(out var m)) { months = m; }
                    else if (member.Value.ValueKind != JsonValueKind.Null) { errors.Add(new($"{path}.obtainedWithinMonths", "criteria.operand_type", "应为整数月数")); }
                    break;
                default: errors.Add(new($"{path}.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
            }
        }

        if (kind is null && errors.Count == before) { errors.Add(new($"{path}.kind", "criteria.cert_kind", "缺少资质类型")); }
        return errors.Count > before ? null : new CertPredicate(kind!, level, months);
    }

    public static Benefit? ReadBenefit(JsonElement element, string path, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object) { errors.Add(new(path, "benefit.type", "应为对象")); return null; }
        var members = element.EnumerateObject().ToList();
        if (members.Count != 1) { errors.Add(new(path, "benefit.kind", "应为 fixedFen、rate、tiers 之一")); return null; }
        var (name, v) = (members[0].Name, members[0].Value);
        var before = errors.Count;
        switch (name)
        {
            case "fixedFen":
                return Long(v, $"{path}.fixedFen", errors) is { } amount ? new FixedBenefit(amount) : null;
            case "rate":
            {
                string? field = null;
                long? bp = null, cap = null;
                foreach (var member in v.ValueKind == JsonValueKind.Object ? v.EnumerateObject() : default)
                {
                    switch (member.Name)
                    {
                        case "field": field = String(member.Value, $"{path}.rate.field", errors); break;
                        case "bp": bp = Long(member.Value, $"{path}.rate.bp", errors); break;
                        case "capFen": cap = member.Value.ValueKind == JsonValueKind.Null ? null : Long(member.Value, $"{path}.rate.capFen", errors); break;
                        default: errors.Add(new($"{path}.rate.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
                    }
                }

                if ((field is null || bp is null) && errors.Count == before) { errors.Add(new($"{path}.rate", "benefit.incomplete", "rate 需要 field 和 bp")); }
                return errors.Count > before ? null : new RateBenefit(field!, bp!.Value, cap);
            }

            case "tiers":
            {
                string? field = null;
                var steps = new List<TierStep>();
                foreach (var member in v.ValueKind == JsonValueKind.Object ? v.EnumerateObject() : default)
                {
                    switch (member.Name)
                    {
                        case "field": field = String(member.Value, $"{path}.tiers.field", errors); break;
                        case "steps":
                            var i = 0;
                            foreach (var step in member.Value.ValueKind == JsonValueKind.Array ? member.Value.EnumerateArray() : default)
                            {
                                var stepPath = $"{path}.tiers.steps[{i++}]";
                                long? atLeast = step.ValueKind == JsonValueKind.Object && step.TryGetProperty("atLeast", out var a) ? Long(a, $"{stepPath}.atLeast", errors) : null;
                                long? stepAmount = step.ValueKind == JsonValueKind.Object && step.TryGetProperty("amountFen", out var b) ? Long(b, $"{stepPath}.amountFen", errors) : null;
                                if (atLeast is null || stepAmount is null) { errors.Add(new(stepPath, "benefit.incomplete", "每档需要 atLeast 和 amountFen")); continue; }
                                steps.Add(new TierStep(atLeast.Value, stepAmount.Value));
                            }

                            break;
                        default: errors.Add(new($"{path}.tiers.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
                    }
                }

                if (field is null && errors.Count == before) { errors.Add(new($"{path}.tiers.field", "benefit.incomplete", "tiers 需要 field")); }
                return errors.Count > before ? null : new TierBenefit(field!, steps.ToEquatableArray());
            }

            default:
                errors.Add(new($"{path}.{name}", "benefit.kind", "应为 fixedFen、rate、tiers 之一"));
                return null;
        }
    }

    private static PolicyExample? ReadExample(JsonElement element, string path, List<FieldError> errors)
    {
        if (element.ValueKind != JsonValueKind.Object) { errors.Add(new(path, "json.type", "应为对象")); return null; }
        var before = errors.Count;
        string name = "";
        Profiles.EnterpriseProfile? profile = null;
        DateOnly? asOf = null;
        EligibilityStatus? expect = null;
        long? amount = null;
        foreach (var member in element.EnumerateObject())
        {
            switch (member.Name)
            {
                case "name": name = String(member.Value, $"{path}.name", errors) ?? ""; break;
                case "profile":
                    try
                    {
                        var withUscc = member.Value.ValueKind == JsonValueKind.Object && member.Value.TryGetProperty("uscc", out _);
                        profile = ProfileJson.Read(member.Value, withUscc ? null : ProfileJson.ExampleUscc);
                    }
                    catch (InvalidInputException ex)
                    {
                        errors.AddRange(ex.Errors.Select(e => e with { Field = $"{path}.profile.{e.Field}" }));
                    }

                    break;
                case "asOf": asOf = OptionalDate(member.Value, $"{path}.asOf", errors); break;
                case "expect":
                    if (EligibilityStatusNames.TryParse(member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null, out var status)) { expect = status; }
                    else { errors.Add(new($"{path}.expect", "example.expect", "expect 应为 eligible、ineligible、unknown 或 excluded")); }
                    break;
                case "amountFen": amount = member.Value.ValueKind == JsonValueKind.Null ? null : Long(member.Value, $"{path}.amountFen", errors); break;
                default: errors.Add(new($"{path}.{member.Name}", "json.unknown_member", $"未知字段“{member.Name}”")); break;
            }
        }

        if (errors.Count == before && (profile is null || asOf is null || expect is null))
        {
            errors.Add(new(path, "example.incomplete", "示例需要 profile、asOf 和 expect"));
        }

        return errors.Count > before ? null : new PolicyExample(name, profile!, asOf!.Value, expect!.Value, amount);
    }

    private static string? String(JsonElement v, string path, List<FieldError> errors)
    {
        if (v.ValueKind == JsonValueKind.String) { return v.GetString(); }
        errors.Add(new(path, "json.type", "应为字符串"));
        return null;
    }

    private static long? Long(JsonElement v, string path, List<FieldError> errors)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) { return n; }
        errors.Add(new(path, "json.type", "应为整数"));
        return null;
    }

    private static DateOnly? OptionalDate(JsonElement v, string path, List<FieldError> errors)
    {
        if (v.ValueKind == JsonValueKind.Null) { return null; }
        if (v.ValueKind == JsonValueKind.String && Dates.TryParse(v.GetString(), out var d)) { return d; }
        errors.Add(new(path, "date.invalid", "应为有效日期（YYYY-MM-DD）"));
        return null;
    }

    private static bool Fail(List<FieldError> errors, string path, string code, string message)
    {
        errors.Add(new(path, code, message));
        return false;
    }
}
