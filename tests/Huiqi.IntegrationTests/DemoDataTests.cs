using Microsoft.Extensions.Configuration;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Storage.Demo;
using Huiqi.Storage.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Huiqi.IntegrationTests;

public sealed class DemoDataTests
{
    [Fact]
    public void The_demo_policies_are_realistic_and_their_examples_pass()
    {
        var policies = DemoSeeder.Policies();

        Assert.InRange(policies.Count, 20, 30);
        Assert.All(policies, d =>
        {
            Assert.Empty(PolicyExamples.Run(d.Policy));
            Assert.NotEmpty(d.Policy.Examples);
            Assert.NotEmpty(d.Clauses);
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", d.Policy.Title);
        });
        Assert.Contains(policies, d => d.Policy.Id == "lz-hightech-first-award" && d.Policy.Benefit is Huiqi.Domain.Benefits.FixedBenefit { AmountFen: 20_000_000 });
        Assert.Equal(3, policies.Count(d => d.Policy.ExclusionGroup == "srdi-ladder"));
    }

    [Fact]
    public void Most_demo_policies_find_enterprises_in_the_demo_population()
    {
        var policies = DemoSeeder.Policies().Select(d => d.Policy).ToList();
        var index = EligibilityIndex.Build(new PopulationGenerator().Generate(10_000, new DateOnly(2026, 6, 1)), policies);
        var withSomeoneEligible = policies.Count(p =>
        {
            using var result = index.MatchPolicy(p, new DateOnly(2026, 6, 1));
            return result.EligibleCount > 0;
        });

        Assert.True(withSomeoneEligible >= policies.Count - 3, $"only {withSomeoneEligible} of {policies.Count} demo policies match anyone");
    }

    [Fact]
    public void The_showcase_enterprise_has_something_on_every_screen_of_the_app()
    {
        // README names it for /app/?dev-uscc=…; the browser story relies on these answers.
        var today = new DateOnly(2026, 6, 1);
        var showcase = DemoSeeder.Showcase(today);
        Assert.True(Huiqi.Domain.Profiles.Uscc.IsValid(DemoSeeder.ShowcaseUscc));
        Assert.Empty(Huiqi.Domain.Profiles.ProfileValidator.Validate(showcase));
        var answers = EnterpriseMatcher.Match(showcase, DemoSeeder.Policies().Select(d => d.Policy).ToList(), today).ToDictionary(a => a.PolicyId);

        string[] eligible = ["lz-utilities-subsidy", "lz-hitech-zone-rent", "lz-tech-sme-award", "lz-tech-loan-interest", "lz-employment-stability"];
        Assert.All(eligible, id => Assert.Equal(EligibilityStatus.Eligible, answers[id].Status));
        Assert.Equal(EligibilityStatus.Unknown, answers["lz-rd-expense-subsidy"].Status);
        Assert.Equal(["rd_expense"], answers["lz-rd-expense-subsidy"].MissingFields);
        // The calculator's example: 60 people move two tiers.
        var bigger = EnterpriseMatcher.Match(showcase with { Employees = 60 }, DemoSeeder.Policies().Select(d => d.Policy).ToList(), today).ToDictionary(a => a.PolicyId);
        Assert.True(bigger["lz-employment-stability"].AmountFen > answers["lz-employment-stability"].AmountFen);
    }

    [Fact]
    public void The_shipped_gateway_settings_turn_the_demo_data_on()
    {
        // The gateway's appsettings.json is copied next to the tests; this is what `dotnet run` reads.
        var settings = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .Build();
        var options = Huiqi.Storage.StorageServiceCollectionExtensions.ReadStorageOptions(settings);

        Assert.True(options.SeedDemoData);
        Assert.Equal(10_000, options.DemoPopulation);
        Assert.Equal("sqlite", options.Provider);
    }

    [Fact]
    public async Task The_embedded_default_loads_the_demo_data_into_an_empty_store()
    {
        var settings = new Dictionary<string, string?> { ["Huiqi:Demo:Seed"] = "true", ["Huiqi:Demo:Population"] = "300" };
        await using var platform = await PlatformHost.StartAsync(settings);
        var store = platform.BackendServices.GetRequiredService<IStore>();

        Assert.Equal(300 + 1, await store.CountProfilesAsync(CancellationToken.None)); // the population and the showcase
        Assert.Equal(DemoSeeder.Policies().Count, (await store.ListCurrentPoliciesAsync(CancellationToken.None)).Count(r => r.Policy.Status == PolicyStatus.Published));
        Assert.Equal(300 + 1, platform.BackendServices.GetRequiredService<EligibilityIndex>().Count);
        Assert.NotNull(platform.BackendServices.GetRequiredService<EligibilityIndex>().GetProfile(DemoSeeder.ShowcaseUscc));
        Assert.NotEmpty(await store.ReadAuditAsync(CancellationToken.None).ToListAsync());
    }
}
