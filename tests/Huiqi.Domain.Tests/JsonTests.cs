using Huiqi.Domain.Criteria;
using Huiqi.Domain.Population;
using Huiqi.Domain.Serialization;

namespace Huiqi.Domain.Tests;

public sealed class JsonTests
{
    [Fact]
    public void Profiles_round_trip_through_json()
    {
        foreach (var profile in new PopulationGenerator(31).Generate(500))
        {
            Assert.Equal(profile, ProfileJson.Parse(ProfileJson.Serialize(profile)));
        }
    }

    [Fact]
    public void Policies_round_trip_through_canonical_json()
    {
        var generator = new PolicyGenerator(44);
        for (var i = 0; i < 500; i++)
        {
            var policy = generator.Next($"p-{i}") with { Status = Policies.PolicyStatus.Draft, EffectiveFrom = new DateOnly(2026, 1, 1), BudgetFen = 100, OncePerEnterprise = i % 2 == 0, ExclusionGroup = i % 3 == 0 ? "g" : null, Recurrence = i % 5 == 0 ? Policies.Recurrence.Yearly : Policies.Recurrence.OncePerVersion };
            var document = new PolicyJson.Document(policy, "摘要", ["第一条", "第二条"], null);
            var back = PolicyJson.Parse(PolicyJson.Serialize(document));
            Assert.Equal(policy, back.Policy);
            Assert.Equal(["第一条", "第二条"], back.Clauses);
        }
    }

    [Fact]
    public void Bad_profiles_name_every_bad_member()
    {
        var error = Assert.Throws<InvalidInputException>(() => ProfileJson.Parse(
            """{"uscc":"91350100M000100Y44","annualRevenue":-5,"scale":"huge","establishedOn":"2026-02-30","employees":"many","colour":"red"}"""));
        Assert.Equal(
            new[] { "colour", "employees", "established_on" },
            error.Errors.Select(e => e.Field).Order(StringComparer.Ordinal).ToArray());

        var semantic = Assert.Throws<InvalidInputException>(() => ProfileJson.Parse("""{"uscc":"91350100M000100Y44","annualRevenue":-5,"scale":"huge"}"""));
        Assert.Equal(["uscc", "scale", "annual_revenue"], semantic.Errors.Select(e => e.Field));
        Assert.Equal("uscc.invalid", semantic.Errors[0].Code);
        Assert.Throws<InvalidInputException>(() => ProfileJson.Parse("{not json"));
    }

    [Fact]
    public void Bad_policies_name_the_path_of_the_bad_node()
    {
        var error = Assert.Throws<InvalidInputException>(() => PolicyJson.Parse("""
            {"id":"demo","title":"示例","jurisdiction":"620100",
             "criteria":{"all":[{"field":"region","op":"under","value":"620100"},{"field":"employees","op":"gt","value":1},{"field":"annual_revenue","op":"has_any","values":[1]}]},
             "benefit":{"rate":{"field":"rd_expense","bp":2000}}}
            """));
        Assert.Equal("criteria.all[2].op", Assert.Single(error.Errors).Field);

        var types = Assert.Throws<InvalidInputException>(() => PolicyJson.Parse("""
            {"title":"示例","jurisdiction":"6201","criteria":{"field":"established_on","op":"lt","value":20260101},"benefit":{"fixedFen":"x"},
             "examples":[{"profile":{},"asOf":"2026-01-01","expect":"maybe"}]}
            """));
        Assert.Equal(["criteria.value", "benefit.fixedFen", "examples[0].expect", "jurisdiction"], types.Errors.Select(e => e.Field));

        foreach (var recurrence in new[] { "\"monthly\"", "1", "null" })
        {
            var bad = Assert.Throws<InvalidInputException>(() => PolicyJson.Parse(
                $$"""{"title":"t","jurisdiction":"620100","criteria":{"field":"employees","op":"ge","value":1},"benefit":{"fixedFen":1},"recurrence":{{recurrence}}}"""));
            Assert.Equal(("recurrence", "policy.recurrence"), (Assert.Single(bad.Errors).Field, bad.Errors[0].Code));
        }
    }

    [Fact]
    public void Recurrence_is_written_only_when_it_is_not_the_default_so_existing_documents_keep_their_fingerprint()
    {
        const string Plain = """{"title":"t","jurisdiction":"620100","criteria":{"field":"employees","op":"ge","value":1},"benefit":{"fixedFen":1}}""";
        var plain = PolicyJson.Parse(Plain);
        Assert.Equal(Policies.Recurrence.OncePerVersion, plain.Policy.Recurrence);
        Assert.DoesNotContain("recurrence", PolicyJson.Serialize(plain), StringComparison.Ordinal);
        Assert.Equal(plain.Policy, PolicyJson.Parse(Plain.Replace("}}", "},\"recurrence\":\"oncePerVersion\"}", StringComparison.Ordinal)).Policy);

        var yearly = PolicyJson.Parse(Plain.Replace("}}", "},\"recurrence\":\"yearly\"}", StringComparison.Ordinal));
        Assert.Equal(Policies.Recurrence.Yearly, yearly.Policy.Recurrence);
        Assert.Contains("\"recurrence\":\"yearly\"", PolicyJson.Serialize(yearly), StringComparison.Ordinal);
    }

    [Fact]
    public void Single_operand_ops_take_value_and_list_ops_take_values()
    {
        Assert.Equal(new Predicate("scale", Op.In, new TextOperand("micro")),
            PolicyJson.Parse("""{"title":"t","jurisdiction":"620100","criteria":{"field":"scale","op":"in","values":["micro"]},"benefit":{"fixedFen":1}}""").Policy.Criteria);
        var error = Assert.Throws<InvalidInputException>(() =>
            PolicyJson.Parse("""{"title":"t","jurisdiction":"620100","criteria":{"field":"scale","op":"in","value":"micro"},"benefit":{"fixedFen":1}}"""));
        Assert.Equal("criteria.values", Assert.Single(error.Errors).Field);
    }
}
