using System.Text.Json;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;
using Microsoft.Extensions.Logging;

namespace Huiqi.Storage.Demo;

/// <summary>
/// The demo data of the embedded default: about twenty policies drawn from the seed documents (Lanzhou's 高新技术
/// 企业 awards, 专精特新 ladder, 新三板, 科技贷, 水电气, 仙桃's 免申即享 …), each published with its examples passing,
/// and a synthetic population shaped after the seeds.
/// </summary>
public sealed class DemoSeeder(IStore store, ProfileWriter writer, FactAuthority authority, TimeProvider clock, ILogger<DemoSeeder> logger)
{
    public const string Actor = "demo-seed";

    /// <summary>
    /// The demo's showcase enterprise, named in the README for the phone app (<c>/app/?dev-uscc=91620102MA74HQ1XKE</c>):
    /// a small manufacturer in 城关区 inside the 高新区 whose facts make every screen worth opening — several policies it
    /// is entitled to (so entitlements appear after the first 免申即享 pass), a 研发费用 the tax bureau has not sent yet
    /// (so 研发费用后补助 waits for it and the 补充信息 form asks for exactly that), and tiers that move with its head count
    /// (so the 政策计算器 has something to show).
    /// </summary>
    public const string ShowcaseUscc = "91620102MA74HQ1XKE";

    public static Domain.Profiles.EnterpriseProfile Showcase(DateOnly today) => new()
    {
        Uscc = ShowcaseUscc,
        Name = "兰州金城智造科技有限公司",
        Region = "620102",
        Zone = "lanzhou-hitech",
        Industry = "C34",
        TechDomains = new(["advanced_manufacturing"]),
        Scale = "small",
        Ownership = "private",
        EstablishedOn = new DateOnly(2019, 5, 10),
        Employees = 38,
        AnnualRevenue = 2_800_000_000, // 2,800万元 in fen
        RdExpense = null,
        TaxCredit = "A",
        Dishonest = false,
        Certifications = new([new Domain.Profiles.Certification("tech_sme", null, today.AddMonths(-4), today.AddMonths(8))]),
        Tags = new(["科技贷"]),
    };

    /// <summary>The demo policies as published version 1 (their examples are run: a failing one is a bug in the data).</summary>
    public static IReadOnlyList<PolicyJson.Document> Policies()
    {
        using var stream = typeof(DemoSeeder).Assembly.GetManifestResourceStream("Huiqi.Storage.Demo.policies.json")
            ?? throw new InvalidOperationException("demo policies resource missing");
        using var document = JsonDocument.Parse(stream);
        return [.. document.RootElement.EnumerateArray().Select(element =>
        {
            var parsed = PolicyJson.Read(element);
            var failures = PolicyExamples.Run(parsed.Policy);
            if (failures.Count > 0)
            {
                throw new InvalidOperationException($"demo policy {parsed.Policy.Id}: {string.Join("; ", failures.Select(f => f.Message))}");
            }

            return parsed with { Policy = parsed.Policy with { Version = 1, Status = PolicyStatus.Published } };
        })];
    }

    public async Task SeedIfEmptyAsync(int population, CancellationToken cancellationToken)
    {
        if ((await store.ListCurrentPoliciesAsync(cancellationToken)).Count > 0 || await store.CountProfilesAsync(cancellationToken) > 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var document in Policies())
        {
            await store.SavePolicyAsync(new PolicyRecord(document, now, Actor, PublishedAt: now), cancellationToken);
            await store.AppendAuditAsync(new AuditEntry(Actor, "system", "policy.publish", document.Policy.Id, 1, null, null), cancellationToken);
        }

        // The population's facts arrive as their owners' feeds (TRUST.md §1): each partner sends the fields it owns; a
        // field nobody owns comes from a supporting feed named after the seed.
        var unowned = Domain.Profiles.ProfileFields.All.Where(f => authority.OwnerOf(f) is null).ToList();
        var feeds = authority.Owners.Select(o => (By: FactAuthority.PartnerBy(o.Key), Fields: (IReadOnlyCollection<string>)[.. o.Value]))
            .Append((By: FactAuthority.PartnerBy(Actor), Fields: unowned))
            .Where(feed => feed.Fields.Count > 0)
            .ToList();
        // One firm in fifty declared its R&D expense in the app before the tax bureau's figure arrived: its answers that
        // read it rest on a claim, so the demo shows entitlements waiting for an officer to verify them.
        static bool Claims(int i, Domain.Profiles.EnterpriseProfile p) => i % 50 == 7 && p.RdExpense is not null;
        foreach (var batch in new PopulationGenerator().Generate(population, Domain.Common.Dates.TodayInChina(clock)).Chunk(5000))
        {
            foreach (var (by, fields) in feeds)
            {
                await writer.WriteAsync([.. batch.Select((p, i) => new ProfileChange(p, Claims(i, p) ? [.. fields.Where(f => f != Domain.Criteria.FieldCatalog.RdExpense)] : fields))],
                    ProfileSource.PartnerFeed, by, cancellationToken);
            }

            foreach (var claimant in batch.Where((p, i) => Claims(i, p)))
            {
                await writer.WriteAsync([new ProfileChange(claimant, [Domain.Criteria.FieldCatalog.RdExpense])], ProfileSource.SelfDeclared, $"enterprise:{claimant.Uscc}", cancellationToken);
            }
        }

        var showcase = Showcase(Domain.Common.Dates.TodayInChina(clock));
        foreach (var (by, fields) in feeds)
        {
            await writer.WriteAsync([new ProfileChange(showcase, [.. fields.Where(f => f != Domain.Criteria.FieldCatalog.RdExpense)])], ProfileSource.PartnerFeed, by, cancellationToken);
        }

        logger.LogInformation("demo data loaded: {Policies} policies, {Enterprises} enterprises and the showcase {Showcase}", Policies().Count, population, ShowcaseUscc);
    }
}
