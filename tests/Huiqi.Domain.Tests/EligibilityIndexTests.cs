using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Matching;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Population;
using Huiqi.Domain.Profiles;
using static Huiqi.Domain.Tests.Build;

namespace Huiqi.Domain.Tests;

/// <summary>The columnar index held against the plain reference evaluator, on random trees and populations.</summary>
public sealed class EligibilityIndexTests
{
    private static readonly DateOnly[] Dates = [new(2026, 6, 1), new(2024, 2, 29), new(2026, 12, 31)];

    [Fact]
    public void Randomized_the_index_agrees_with_the_reference_evaluator()
    {
        var profiles = Population(1200, seed: 11);
        var policies = RandomPolicies(seed: 5, count: 36);
        var index = EligibilityIndex.Build(profiles, policies);

        var pairs = AssertAgreement(index, profiles, policies);

        Assert.True(pairs >= 20_000, $"only {pairs} enterprise × policy pairs compared");
    }

    [Fact]
    public void Randomized_basis_of_every_answer_agrees_with_the_reference_definition()
    {
        // TRUST.md §3: a third of the enterprises hold claims on random fields; the reference answers again with them absent.
        var profiles = Population(900, seed: 31);
        var policies = RandomPolicies(seed: 13, count: 30);
        var random = new Random(7);
        var claims = profiles.Where((_, i) => i % 3 == 0).ToDictionary(
            p => p.Uscc,
            p => ProfileFields.All.Where(_ => random.Next(4) == 0).ToArray());
        var index = new EligibilityIndex();
        foreach (var profile in profiles)
        {
            index.Upsert(profile, claims.GetValueOrDefault(profile.Uscc));
        }

        index.SetPolicies(policies);

        AssertAgreement(index, profiles, policies, claims: claims);

        // Claims taken back (a feed confirmed them): the same enterprises rest on nothing any more.
        foreach (var uscc in claims.Keys)
        {
            index.Upsert(profiles.First(p => p.Uscc == uscc));
        }

        AssertAgreement(index, profiles, policies, Dates[..1]);
    }

    [Fact]
    public void Randomized_answers_with_policies_left_out_by_the_conjunct_index_agree()
    {
        // Policies that are `all`s of guards (codes, prefixes, sets, yes/no, certifications) beside random subtrees,
        // in exclusion groups and windows; a third of the enterprises hold claims. Most policies are left out of most
        // answers unevaluated: every answer, basis, rank and page must still be the reference's.
        var profiles = Population(700, seed: 41);
        var generator = new PolicyGenerator(23);
        var random = new Random(29);
        var policies = Enumerable.Range(0, 80).Select(i =>
        {
            var policy = generator.Guarded($"g{i:D3}", exclusionGroup: random.Next(3) == 0 ? $"x{random.Next(4)}" : null);
            return i % 7 == 0 ? policy with { EffectiveFrom = new DateOnly(2025, 1, 1), EffectiveTo = new DateOnly(2026, 6, 30) } : policy;
        }).Reverse().ToList(); // not in id order: the ranked tail must not rely on the set's order
        var claims = profiles.Where((_, i) => i % 3 == 0).ToDictionary(
            p => p.Uscc,
            p => ProfileFields.All.Where(_ => random.Next(3) == 0).ToArray());
        var index = new EligibilityIndex();
        foreach (var profile in profiles)
        {
            index.Upsert(profile, claims.GetValueOrDefault(profile.Uscc));
        }

        index.SetPolicies(policies);

        var (evaluated, answered) = (0, 0);
        AssertAgreement(index, profiles, policies, claims: claims, evaluatedOfAnswered: (e, a) => (evaluated, answered) = (e, a));
        Assert.True(evaluated < answered / 2, $"the conjunct index left few policies out: {evaluated} of {answered} answers evaluated");
    }

    [Fact]
    public void Randomized_version_comparison_agrees_with_a_plain_count_enterprise_by_enterprise()
    {
        // A proposed version against the one in force: gained, lost, changed amount and the totals, overall and per
        // region and tech domain, against the reference evaluator run enterprise by enterprise.
        var profiles = Population(800, seed: 61);
        var generator = new PolicyGenerator(67);
        var index = EligibilityIndex.Build(profiles);
        var compared = 0;
        for (var round = 0; round < 40; round++)
        {
            var current = generator.Next("cmp", depth: 3);
            var proposed = (round % 4) switch
            {
                0 => generator.Next("cmp", depth: 3),                                        // new criteria and benefit
                1 => current with { Criteria = generator.Criterion(3) },                     // new criteria, same benefit
                2 => current with { Benefit = generator.Next("x").Benefit },                // new benefit, same criteria
                _ => current,                                                                // nothing changed
            };
            var asOf = Dates[round % Dates.Length];
            var comparison = index.Compare(current, proposed, asOf);

            var rows = profiles.Select(p =>
            {
                var a = PolicyEvaluator.Evaluate(current, p, asOf);
                var b = PolicyEvaluator.Evaluate(proposed, p, asOf);
                var (was, now) = (a.Status == EligibilityStatus.Eligible, b.Status == EligibilityStatus.Eligible);
                return (Profile: p, Gained: now && !was, Lost: was && !now, Changed: was && now && a.AmountFen != b.AmountFen,
                    Before: was ? a.AmountFen ?? 0 : 0, After: now ? b.AmountFen ?? 0 : 0, Was: was, Now: now);
            }).ToList();
            Assert.Equal(profiles.Count, comparison.Population);
            Assert.Equal(rows.Count(r => r.Was), comparison.EligibleBefore);
            Assert.Equal(rows.Count(r => r.Now), comparison.EligibleAfter);
            Assert.Equal(rows.Count(r => r.Gained), comparison.Gained);
            Assert.Equal(rows.Count(r => r.Lost), comparison.Lost);
            Assert.Equal(rows.Count(r => r.Changed), comparison.AmountChanged);
            Assert.Equal(rows.Sum(r => r.Before), comparison.TotalBeforeFen);
            Assert.Equal(rows.Sum(r => r.After), comparison.TotalAfterFen);
            foreach (var region in comparison.ByRegion)
            {
                var within = rows.Where(r => r.Profile.Region == region.Value).ToList();
                Assert.Equal((within.Count(r => r.Gained), within.Count(r => r.Lost), within.Count(r => r.Changed), within.Sum(r => r.Before), within.Sum(r => r.After)),
                    (region.Gained, region.Lost, region.AmountChanged, region.TotalBeforeFen, region.TotalAfterFen));
            }

            foreach (var domain in comparison.ByTechDomain)
            {
                var within = rows.Where(r => r.Profile.TechDomains?.Contains(domain.Value) == true).ToList();
                Assert.Equal((within.Count(r => r.Gained), within.Count(r => r.Lost)), (domain.Gained, domain.Lost));
            }

            Assert.Equal(rows.Count(r => r.Gained && r.Profile.Region is not null), comparison.ByRegion.Sum(r => r.Gained));
            if (round % 4 == 3)
            {
                Assert.Equal((0, 0, 0), (comparison.Gained, comparison.Lost, comparison.AmountChanged));
            }

            compared += (int)(comparison.Gained + comparison.Lost + comparison.AmountChanged);
        }

        Assert.True(compared > 500, $"only {compared} differences seen: the rounds do not exercise the comparison");
    }

    [Fact]
    public void A_claim_that_decides_the_outcome_makes_it_self_declared_and_names_the_claim()
    {
        var profile = new EnterpriseProfile { Uscc = PopulationGenerator.MakeUscc("620102", 1), Employees = 80, RdExpense = 5_000_000 };
        var policies = new[]
        {
            BenefitAndAnswerTests.Policy("by-employees", Leaf("employees", Op.Ge, 50), new FixedBenefit(100)),
            BenefitAndAnswerTests.Policy("by-rate", Leaf("employees", Op.Ge, 50), new RateBenefit("rd_expense", 1000)),
            BenefitAndAnswerTests.Policy("other", Leaf("scale", Op.Eq, "micro"), new FixedBenefit(100)),
        };
        var index = EligibilityIndex.Build([], policies);
        index.Upsert(profile, [FieldCatalog.RdExpense]);

        var answers = index.MatchEnterprise(profile.Uscc, AsOf)!.ToDictionary(a => a.PolicyId);

        Assert.Equal(Basis.Verified, answers["by-employees"].Basis);      // employees came from a feed
        Assert.Equal(Basis.SelfDeclared, answers["by-rate"].Basis);        // the amount is computed from the claim
        Assert.Equal(["rd_expense"], answers["by-rate"].Claims);
        Assert.Equal(Basis.Verified, answers["other"].Basis);              // unknown either way
        using var result = index.MatchPolicy(policies[1], AsOf);
        Assert.Equal(1, result.SelfDeclaredCount);
    }

    [Fact]
    public void Randomized_agreement_holds_after_updates_and_removals_without_a_rebuild()
    {
        var profiles = Population(900, seed: 3);
        var policies = RandomPolicies(seed: 9, count: 24);
        var index = EligibilityIndex.Build(profiles, policies);

        var changed = Population(400, seed: 99).Select((p, i) => p with { Uscc = profiles[i * 2].Uscc }).ToList(); // new facts, same enterprises
        var added = Population(1300, seed: 42).Skip(900).ToList();                                                // new enterprises
        foreach (var profile in changed.Concat(added))
        {
            index.Upsert(profile);
        }

        var removed = profiles.Where((_, i) => i % 7 == 1).Select(p => p.Uscc).ToHashSet();
        foreach (var uscc in removed)
        {
            Assert.True(index.Remove(uscc));
        }

        Assert.False(index.Remove(removed.First()));
        var current = profiles.ToDictionary(p => p.Uscc);
        foreach (var profile in changed.Concat(added))
        {
            current[profile.Uscc] = profile;
        }

        foreach (var uscc in removed)
        {
            current.Remove(uscc);
        }

        Assert.Equal(current.Count, index.Count);
        AssertAgreement(index, [.. current.Values], policies);
        Assert.All(removed, uscc => Assert.Null(index.GetProfile(uscc)));
    }

    [Fact]
    public void Randomized_breakdowns_by_region_and_tech_domain_agree_with_the_answers_enterprise_by_enterprise()
    {
        // The dry run's breakdowns count few statuses slot by slot and many by popcount: both ways, every kind of benefit,
        // exclusion groups (excluded), against each enterprise's own answer (itself checked against the reference).
        var profiles = Population(1400, seed: 21);
        var policies = RandomPolicies(seed: 23, count: 40);
        var index = EligibilityIndex.Build(profiles, policies);
        var checkedRows = 0;
        foreach (var asOf in Dates[..2])
        {
            var answers = profiles.ToDictionary(p => p.Uscc, p => index.MatchEnterprise(p.Uscc, asOf)!.ToDictionary(a => a.PolicyId));
            foreach (var policy in policies.Where(p => p.IsInForce(asOf)))
            {
                using var result = index.MatchPolicy(policy, asOf);
                foreach (var field in new[] { FieldCatalog.Region, FieldCatalog.TechDomains })
                {
                    var expected = profiles
                        .SelectMany(p => (field == FieldCatalog.Region ? (p.Region is { } r ? [r] : []) : p.TechDomains is { } t ? t.ToArray() : Array.Empty<string>()).Select(v => (Value: v, Answer: answers[p.Uscc][policy.Id])))
                        .GroupBy(x => x.Value)
                        .ToDictionary(g => g.Key, g => (
                            Eligible: g.LongCount(x => x.Answer.Status == EligibilityStatus.Eligible),
                            Ineligible: g.LongCount(x => x.Answer.Status == EligibilityStatus.Ineligible),
                            Unknown: g.LongCount(x => x.Answer.Status == EligibilityStatus.Unknown),
                            Excluded: g.LongCount(x => x.Answer.Status == EligibilityStatus.Excluded),
                            Amount: g.Where(x => x.Answer.Status == EligibilityStatus.Eligible).Sum(x => x.Answer.AmountFen ?? 0)));
                    var rows = index.Breakdown(result, policy, asOf, field);
                    Assert.Equal(expected.Count, rows.Count);
                    foreach (var row in rows)
                    {
                        Assert.Equal(expected[row.Value], (row.Eligible, row.Ineligible, row.Unknown, row.Excluded, row.AmountFen));
                        checkedRows++;
                    }
                }
            }
        }

        Assert.True(checkedRows > 500, $"only {checkedRows} rows compared");
    }

    [Fact]
    public void A_snapshot_read_back_answers_as_the_index_it_was_written_from_and_keeps_taking_writes()
    {
        // Claims, removals (free slots), names and certifications: everything the index holds goes through the file.
        var profiles = Population(1000, seed: 41);
        var policies = RandomPolicies(seed: 43, count: 30);
        var random = new Random(11);
        var claims = profiles.Where((_, i) => i % 4 == 0).ToDictionary(p => p.Uscc, p => ProfileFields.All.Where(_ => random.Next(4) == 0).ToArray());
        var index = new EligibilityIndex();
        foreach (var profile in profiles)
        {
            index.Upsert(profile, claims.GetValueOrDefault(profile.Uscc));
        }

        var removed = profiles.Where((_, i) => i % 9 == 4).ToList();
        removed.ForEach(p => index.Remove(p.Uscc));
        index.Rebalance();
        var current = profiles.Except(removed).ToList();
        var currentClaims = claims.Where(c => !removed.Any(r => r.Uscc == c.Key)).ToDictionary(c => c.Key, c => c.Value);

        using var file = new MemoryStream();
        index.WriteSnapshot(file);
        file.Position = 0;
        var read = EligibilityIndex.ReadSnapshot(file, policies);

        Assert.Equal(file.Length, file.Position);
        Assert.Equal(index.Count, read.Count);
        Assert.Equal(index.EstimatedBytes, read.EstimatedBytes);
        Assert.All(current, p => Assert.Equal(index.GetProfile(p.Uscc), read.GetProfile(p.Uscc)));
        Assert.All(removed, p => Assert.Null(read.GetProfile(p.Uscc)));
        AssertAgreement(read, current, policies, Dates[..2], claims: currentClaims);

        // The read index takes writes as the original would: reused free slots, new slots past the old capacity.
        var added = Population(1300, seed: 47).Skip(1000).ToList();
        added.ForEach(p => read.Upsert(p));
        current.AddRange(added);
        AssertAgreement(read, current, policies, Dates[..1], claims: currentClaims);
    }

    [Fact]
    public void A_damaged_or_foreign_snapshot_is_refused_not_half_read()
    {
        var index = EligibilityIndex.Build(Population(300, seed: 3));
        using var file = new MemoryStream();
        index.WriteSnapshot(file);
        var bytes = file.ToArray();

        Assert.ThrowsAny<Exception>(() => EligibilityIndex.ReadSnapshot(new MemoryStream(bytes[..(bytes.Length / 2)])));
        var otherFormat = (byte[])bytes.Clone();
        otherFormat[0] ^= 0x7f;
        Assert.Throws<InvalidDataException>(() => EligibilityIndex.ReadSnapshot(new MemoryStream(otherFormat)));
        var badCount = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(badCount.AsSpan(12, 4), 999_999); // the live count
        Assert.Throws<InvalidDataException>(() => EligibilityIndex.ReadSnapshot(new MemoryStream(badCount)));
    }

    [Fact]
    public void A_negated_yes_no_condition_is_a_guard_that_decides_exactly()
    {
        // `not (dishonest = true)` and its kin, alone and beside a code: the conjunct index keys them on the other value
        // (a dishonest enterprise leaves `not (dishonest = true)` out unevaluated), unknown staying unknown.
        var profiles = new[] { (bool?)true, false, null }
            .SelectMany((dishonest, d) => new[] { "620102", "620402" }.Select((region, r) => new EnterpriseProfile
            {
                Uscc = PopulationGenerator.MakeUscc(region, d * 2 + r),
                Region = region,
                Dishonest = dishonest,
                Employees = 10 + d,
            }))
            .ToList();
        var policies = new List<Policy>();
        foreach (var op in new[] { Op.Eq, Op.Ne })
        {
            foreach (var value in new[] { true, false })
            {
                var negated = new Not(new Predicate(FieldCatalog.Dishonest, op, new BoolOperand(value)));
                policies.Add(BenefitAndAnswerTests.Policy($"not-{op}-{value}", negated, new FixedBenefit(100)));
                policies.Add(BenefitAndAnswerTests.Policy($"not-{op}-{value}-lz", All(negated, Leaf("region", Op.Under, "620100")),
                    new RateBenefit(FieldCatalog.Employees, 5000)));
            }
        }

        var index = EligibilityIndex.Build(profiles, policies);
        AssertAgreement(index, profiles, policies, Dates[..1]);
    }

    [Fact]
    public void Certification_guards_follow_kind_level_expiry_and_recency_exactly()
    {
        // The conjunct index leaves a policy out when no held certification satisfies its condition; every combination
        // of kind, level, expiry and age below against the reference, on dates either side of each edge.
        var start = new DateOnly(2024, 3, 1);
        var held = new[]
        {
            new Certification("srdi", "provincial", start, null),
            new Certification("srdi", "national", start.AddMonths(6), start.AddMonths(18)),
            new Certification("high_tech", null, start.AddMonths(1), start.AddMonths(37)),
        };
        var profiles = Enumerable.Range(0, 1 << held.Length)
            .Select(mask => new EnterpriseProfile
            {
                Uscc = PopulationGenerator.MakeUscc("620102", mask),
                Certifications = Certs([.. held.Where((_, i) => (mask & (1 << i)) != 0)]),
            })
            .Append(new EnterpriseProfile { Uscc = PopulationGenerator.MakeUscc("620102", 99) }) // no certification facts
            .ToList();
        var policies = new List<Policy>();
        foreach (var (kind, level) in new[] { ("srdi", (string?)null), ("srdi", "national"), ("srdi", "provincial"), ("high_tech", null), ("high_tech", "national") })
        {
            foreach (var months in new int?[] { null, 3, 12 })
            {
                policies.Add(BenefitAndAnswerTests.Policy($"cert-{kind}-{level}-{months}", new CertPredicate(kind, level, months), new FixedBenefit(1)));
            }
        }

        var index = EligibilityIndex.Build(profiles, policies);
        var dates = new[] { start.AddDays(-1), start, start.AddMonths(3), start.AddMonths(6), start.AddMonths(6).AddDays(1), start.AddMonths(9), start.AddMonths(18), start.AddMonths(19), start.AddMonths(37) };
        AssertAgreement(index, profiles, policies, dates);
    }

    [Fact]
    public void Trimming_and_reserving_room_keep_every_answer_and_the_index_grows_again_after()
    {
        // A load of unknown size (a lazy sequence) doubles the columns on the way to 1,100 slots, then gives the rest back.
        var profiles = Population(1100, seed: 5);
        var policies = RandomPolicies(seed: 13, count: 20);
        var index = EligibilityIndex.Build(profiles.Select(p => p), policies);
        var trimmed = index.EstimatedBytes;
        var reserved = new EligibilityIndex();
        reserved.Reserve(4000);
        foreach (var profile in profiles)
        {
            reserved.Upsert(profile);
        }

        reserved.SetPolicies(policies);
        Assert.True(trimmed < reserved.EstimatedBytes, $"trimmed {trimmed} B should be below the 4,000-slot reservation {reserved.EstimatedBytes} B");
        AssertAgreement(index, profiles, policies, Dates[..2]);
        AssertAgreement(reserved, profiles, policies, Dates[..1]);

        // Past the trimmed capacity: new slots, removals and a second trim.
        var added = Population(1500, seed: 77).Skip(1100).ToList();
        foreach (var profile in added)
        {
            index.Upsert(profile);
        }

        var removed = profiles.Where((_, i) => i % 5 == 0).ToList();
        removed.ForEach(p => Assert.True(index.Remove(p.Uscc)));
        index.TrimExcess();
        var current = profiles.Except(removed).Concat(added).ToList();
        Assert.Equal(current.Count, index.Count);
        AssertAgreement(index, current, policies, Dates[..2]);
    }

    [Fact]
    public void The_index_gives_back_the_profile_it_was_given()
    {
        foreach (var profile in Population(500, seed: 21))
        {
            var index = new EligibilityIndex();
            index.Upsert(profile);
            Assert.Equal(Normalize(profile), Normalize(index.GetProfile(profile.Uscc)!));
        }
    }

    [Fact]
    public void One_enterprise_full_answer_from_the_index_matches_the_reference()
    {
        var profiles = Population(300, seed: 8);
        var policies = RandomPolicies(seed: 77, count: 60);
        var index = EligibilityIndex.Build(profiles, policies);
        foreach (var profile in profiles)
        {
            foreach (var asOf in Dates)
            {
                Assert.Equal(EnterpriseMatcher.Match(profile, policies, asOf), index.MatchEnterprise(profile.Uscc, asOf));
                // With every condition explained: the compiled explanation against the reference's, leaf by leaf, over the
                // row the index holds (its sets in ordinal order, which the explanation's actual values show).
                var reference = EnterpriseMatcher.Match(index.GetProfile(profile.Uscc)!, policies, asOf, explain: true);
                Assert.Equal(reference, index.MatchEnterprise(profile.Uscc, asOf, explain: true));
                // A page explained on its own (what the answer's pages use): the same conditions, policy by policy.
                var page = reference.Where((_, i) => i % 3 == 0).ToList();
                var explained = index.Explain(profile.Uscc, asOf, page.Select(a => a.PolicyId))!;
                Assert.Equal(page.Count, explained.Count);
                Assert.All(page, a => Assert.Equal(a.Conditions, explained[a.PolicyId].Conditions));
            }
        }

        Assert.Null(index.MatchEnterprise("91620100MA0000001F", Dates[0]));
        Assert.Null(index.Explain("91620100MA0000001F", Dates[0], ["p000"]));
    }

    [Fact]
    public void Counts_and_totals_of_one_policy_add_up()
    {
        var profiles = Population(2000, seed: 1);
        var policy = new PolicyGenerator(3).Typical("typical") with { Benefit = new RateBenefit("rd_expense", 2000, 50_000_000) };
        var index = EligibilityIndex.Build(profiles, [policy]);

        using var result = index.MatchPolicy(policy, Dates[0]);

        var plain = profiles.Select(p => PolicyEvaluator.Evaluate(policy, p, Dates[0])).ToList();
        Assert.Equal(plain.Count(a => a.Status == EligibilityStatus.Eligible), result.EligibleCount);
        Assert.Equal(plain.Count(a => a.Status == EligibilityStatus.Ineligible), result.IneligibleCount);
        Assert.Equal(plain.Count(a => a.Status == EligibilityStatus.Unknown), result.UnknownCount);
        Assert.Equal(plain.Where(a => a.Status == EligibilityStatus.Eligible).Sum(a => a.AmountFen ?? 0), result.TotalAmountFen);
        Assert.Equal(plain.Count(a => a.Status == EligibilityStatus.Eligible && a.AmountFen is null), result.UnknownAmountCount);
        Assert.True(result.EligibleCount > 0 && result.IneligibleCount > 0 && result.UnknownCount > 0, "a degenerate sample proves little");
    }

    [Fact]
    public async Task Readers_match_while_one_writer_updates()
    {
        var profiles = Population(3000, seed: 4);
        var policies = RandomPolicies(seed: 12, count: 10);
        var index = EligibilityIndex.Build(profiles, policies);
        var updates = Population(3000, seed: 5).Select((p, i) => p with { Uscc = profiles[i].Uscc }).ToList();

        var writer = Task.Run(() =>
        {
            foreach (var profile in updates)
            {
                index.Upsert(profile);
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var reads = 0;
            while (!writer.IsCompleted || reads < 20)
            {
                using var result = index.MatchPolicy(policies[reads % policies.Count], Dates[0]);
                Assert.Equal(3000, result.EligibleCount + result.IneligibleCount + result.UnknownCount + result.ExcludedCount);
                Assert.NotNull(index.MatchEnterprise(profiles[(reads * 31 + r) % profiles.Count].Uscc, Dates[0]));
                reads++;
            }
        })).ToArray();
        await Task.WhenAll([writer, .. readers]);

        AssertAgreement(index, updates, policies, Dates[..1]);
    }

    [Fact]
    public void Age_months_boundaries_agree_day_by_day_across_month_ends_and_leap_days()
    {
        // One enterprise founded on every day of four years around the dates, so every boundary day is present.
        var start = new DateOnly(2022, 1, 1);
        var profiles = Enumerable.Range(0, 4 * 366)
            .Select(i => new EnterpriseProfile
            {
                Uscc = PopulationGenerator.MakeUscc("620102", i),
                EstablishedOn = start.AddDays(i),
                Certifications = Certs(new Certification("high_tech", "national", start.AddDays(i), start.AddDays(i + 400))),
            })
            .ToList();
        var policies = new List<Policy>();
        foreach (var months in new[] { 1, 2, 12, 13, 24 })
        {
            policies.Add(BenefitAndAnswerTests.Policy($"cert-{months}", new CertPredicate("high_tech", "national", months), new FixedBenefit(1)));
        }

        foreach (var op in new[] { Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge })
        {
            foreach (var months in new[] { -1, 0, 1, 2, 11, 12, 13, 30 })
            {
                policies.Add(BenefitAndAnswerTests.Policy($"age-{op}-{months}", Leaf("age_months", op, months), new FixedBenefit(1)));
            }
        }

        policies.Add(BenefitAndAnswerTests.Policy("age-between", Leaf("age_months", Op.Between, 1, 12), new TierBenefit("age_months", new EquatableArray<TierStep>([new(0, 1), new(6, 2), new(12, 3)]))));
        var index = EligibilityIndex.Build(profiles, policies);

        AssertAgreement(index, profiles, policies, [new(2024, 2, 29), new(2024, 3, 31), new(2025, 2, 28), new(2023, 12, 31)]);
    }

    [Fact]
    public void Numeric_ranges_agree_at_every_bucket_edge()
    {
        // Values 0..1999 (three enterprises each, one absent in ten): every integer operand is, or borders, some
        // bucket edge, since the edges are cut at data values.
        var profiles = Enumerable.Range(0, 6000)
            .Select(i => new EnterpriseProfile { Uscc = PopulationGenerator.MakeUscc("620102", i), Employees = i % 10 == 9 ? null : i / 3 })
            .ToList();
        var ops = new[] { Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge };
        var index = EligibilityIndex.Build(profiles, Enumerable.Range(0, 30)
            .SelectMany(n => ops.Select(op => BenefitAndAnswerTests.Policy($"{op}-{n}", Leaf("employees", op, n), new FixedBenefit(1))))
            .Append(BenefitAndAnswerTests.Policy("between", Leaf("employees", Op.Between, 3, 9), new FixedBenefit(1))));
        foreach (var profile in profiles.Take(120))
        {
            Assert.Equal(EnterpriseMatcher.Match(profile, index.Policies, AsOf), index.MatchEnterprise(profile.Uscc, AsOf));
        }

        for (var n = -1; n <= 2001; n++)
        {
            var cases = ops.Select(op => Leaf("employees", op, n))
                .Append(Leaf("employees", Op.Between, n, n + 40))
                .Append(Leaf("employees", Op.Between, n, n));
            foreach (var leaf in cases)
            {
                var policy = BenefitAndAnswerTests.Policy("range", leaf, new FixedBenefit(1));
                using var result = index.MatchPolicy(policy, AsOf);
                var expected = profiles.Count(p => CriteriaEvaluator.Evaluate(leaf, p, AsOf) == Truth.True);
                Assert.True(expected == result.EligibleCount, $"{Text.CriteriaText.Print(leaf)}: {result.EligibleCount} instead of {expected}");
            }
        }
    }

    [Fact]
    public void Writes_after_ranges_and_certifications_were_asked_keep_every_answer()
    {
        // Ranges keep each cut bucket's members in value order and certification questions keep their answers: both are
        // built by reads and then kept by writes. Ask everything once (every bucket ordered), then move values across
        // buckets, within them, to absent and back, change certifications, remove and add enterprises — and compare.
        var profiles = Population(2000, seed: 29);
        var policies = RandomPolicies(seed: 31, count: 40)
            .Append(BenefitAndAnswerTests.Policy("prefix-city", Leaf("region", Op.Under, "620100"), new FixedBenefit(1)))
            .Append(BenefitAndAnswerTests.Policy("prefix-province", Any(Leaf("region", Op.Under, "620000"), Leaf("industry", Op.Under, "C")), new FixedBenefit(1)))
            .Append(BenefitAndAnswerTests.Policy("cert-kind", new CertPredicate("high_tech", null, 24), new FixedBenefit(1)))
            .Append(BenefitAndAnswerTests.Policy("prefix-one-value", Leaf("region", Op.Under, "620102"), new FixedBenefit(1)))
            .Append(BenefitAndAnswerTests.Policy("prefix-no-value", new Not(Leaf("industry", Op.Under, "Z9")), new FixedBenefit(1)))
            .ToList();
        var index = EligibilityIndex.Build(profiles, policies);
        index.OrderAllBuckets();
        AssertAgreement(index, profiles, policies, Dates[..2]);

        var random = new Random(37);
        var others = new PopulationGenerator(41).Generate(2000).ToList();
        for (var i = 0; i < profiles.Count; i++)
        {
            var other = others[i];
            profiles[i] = random.Next(6) switch
            {
                0 => profiles[i] with { Employees = other.Employees, AnnualRevenue = other.AnnualRevenue },
                1 => profiles[i] with { Employees = profiles[i].Employees + 1, RdExpense = null, EstablishedOn = other.EstablishedOn },
                2 => profiles[i] with { Certifications = other.Certifications, AnnualRevenue = null },
                3 => other with { Uscc = profiles[i].Uscc },
                _ => profiles[i],
            };
            index.Upsert(profiles[i]);
        }

        foreach (var gone in profiles.Where((_, i) => i % 17 == 0).ToList())
        {
            Assert.True(index.Remove(gone.Uscc));
            profiles.Remove(gone);
        }

        AssertAgreement(index, profiles, policies, Dates[..2]);
        foreach (var added in new PopulationGenerator(43).Generate(300).Select(p => p with { Uscc = PopulationGenerator.MakeUscc("620111", p.Uscc.GetHashCode() & 0xFFFFF) }).DistinctBy(p => p.Uscc))
        {
            index.Upsert(added);
            profiles.Add(added);
        }

        AssertAgreement(index, profiles, policies, Dates[..2]);
    }

    [Fact]
    public void Policies_whose_guards_span_one_two_or_many_words_are_left_out_exactly()
    {
        // A policy's guards are consecutive bits: checked as one or two (word, mask) pairs, or word by word past that.
        // Guard counts around the word edges, each with one bound that fails for some enterprises.
        var profiles = Population(400, seed: 47);
        var policies = new[] { 1, 3, 63, 64, 65, 127, 128, 129, 200 }
            .Select(n => BenefitAndAnswerTests.Policy($"many-{n:D3}",
                All([.. Enumerable.Range(0, n).Select(i => (Criterion)Leaf("employees", Op.Ge, i % 2)), Leaf("employees", Op.Lt, 5 + n % 3)]),
                new FixedBenefit(1)))
            .Prepend(BenefitAndAnswerTests.Policy("offset", Leaf("region", Op.In, "620102", "620103", "620104"), new FixedBenefit(1)))
            .ToList();
        var index = EligibilityIndex.Build(profiles, policies);
        AssertAgreement(index, profiles, policies, Dates[..1]);

        // Left out exactly as the guards say (a guard wrongly passed would only cost an evaluation, so count them).
        foreach (var profile in profiles)
        {
            var expected = (profile.Region is null or "620102" or "620103" or "620104" ? 1 : 0)
                + new[] { 1, 3, 63, 64, 65, 127, 128, 129, 200 }.Count(n => profile.Employees is not { } e || (e >= (n > 1 ? 1 : 0) && e < 5 + n % 3));
            Assert.Equal(expected, index.AnswerEnterprise(profile.Uscc, Dates[0])!.Evaluated);
        }
    }

    [Fact]
    public void Thousands_of_policies_sharing_values_prefixes_bounds_and_certifications_are_left_out_exactly()
    {
        // At catalogue scale a value, a prefix, a bound or a certification condition is shared by hundreds of policies:
        // their guards come from ready bitsets (long postings, bound checkpoints, one decision per condition).
        var profiles = Population(300, seed: 53);
        CertPredicate[] certs = [new("high_tech", "national", 24), new("tech_sme", "provincial", null)]; // the second: a level nobody holds
        CertPredicate CertOf(int i) => certs[i / 4 % 2];
        Criterion Condition(int i) => (i % 4) switch
        {
            0 => Leaf("region", Op.Eq, "620102"),
            1 => CertOf(i),
            2 => Leaf("industry", Op.Under, "C"),
            _ => All(Leaf("employees", Op.Ge, i % 40), Leaf("employees", Op.Ge, i / 4 % 35)), // 1,200 lower bounds: checkpoints
        };
        var policies = Enumerable.Range(0, 2400).Select(i => BenefitAndAnswerTests.Policy($"shared-{i:D4}", Condition(i), new FixedBenefit(1))).ToList();
        var index = EligibilityIndex.Build(profiles, policies);
        AssertAgreement(index, profiles, policies, Dates[..1]);
        foreach (var profile in profiles)
        {
            var expected = Enumerable.Range(0, 2400).Count(i => (i % 4) switch
            {
                0 => profile.Region is null or "620102",
                1 => profile.Certifications is not { } held || held.Any(c => c.Kind == CertOf(i).Kind && CriteriaEvaluator.Holds(CertOf(i), c, Dates[0])),
                2 => profile.Industry is not { } industry || industry.StartsWith('C'),
                _ => profile.Employees is not { } e || (e >= i % 40 && e >= i / 4 % 35),
            });
            Assert.Equal(expected, index.AnswerEnterprise(profile.Uscc, Dates[0])!.Evaluated);
        }
    }

    [Fact]
    public void Exclusion_groups_with_many_overlapping_rivals_agree()
    {
        var profiles = Population(1500, seed: 17);
        var generator = new PolicyGenerator(23);
        Criterion Broad() => Any(generator.Criterion(2), Leaf("region", Op.Under, "620000"));
        var policies = new List<Policy>
        {
            BenefitAndAnswerTests.Policy("f-300", Leaf("employees", Op.Gt, 5), new FixedBenefit(300), "award"),
            BenefitAndAnswerTests.Policy("f-500", Leaf("tax_credit", Op.In, "A", "B"), new FixedBenefit(500), "award"),
            BenefitAndAnswerTests.Policy("f-500b", Leaf("region", Op.Under, "620100"), new FixedBenefit(500), "award"),
            BenefitAndAnswerTests.Policy("f-900", Leaf("scale", Op.Eq, "micro"), new FixedBenefit(900), "award"),
            BenefitAndAnswerTests.Policy("f-100", All(), new FixedBenefit(100), "award"),
            BenefitAndAnswerTests.Policy("g-fixed-1", Broad(), new FixedBenefit(1000), "mixed"),
            BenefitAndAnswerTests.Policy("g-rate", Broad(), new RateBenefit("rd_expense", 100), "mixed"),
            BenefitAndAnswerTests.Policy("g-tier", Broad(), new TierBenefit("employees", new EquatableArray<TierStep>([new(0, 10), new(20, 1000), new(100, 5000)])), "mixed"),
            BenefitAndAnswerTests.Policy("g-fixed-2", All(), new FixedBenefit(1000), "mixed"),
        };
        var index = EligibilityIndex.Build(profiles, policies);

        AssertAgreement(index, profiles, policies, Dates[..1]);

        using var lowest = index.MatchPolicy(policies[4], Dates[0]);
        Assert.True(lowest.ExcludedCount > 0 && lowest.ExcludingPolicyIds.Count >= 3, "the lowest award should lose to several different winners");
    }

    [Fact]
    public void Missing_fields_and_exclusion_groups_agree_over_many_blocks_of_the_pass()
    {
        // Three blocks of the pass and part of a fourth (a block is 8,192 enterprises), so that every per-block
        // offset of the missing fields and of the exclusion groups is exercised; fixed and mixed groups both.
        var profiles = Population(3 * 8192 + 500, seed: 29);
        var generator = new PolicyGenerator(31);
        var policies = RandomPolicies(seed: 37, count: 14);
        policies.AddRange(
        [
            BenefitAndAnswerTests.Policy("f-300", Any(generator.Criterion(2), Leaf("employees", Op.Gt, 5)), new FixedBenefit(300), "award"),
            BenefitAndAnswerTests.Policy("f-500", Leaf("tax_credit", Op.In, "A", "B"), new FixedBenefit(500), "award"),
            BenefitAndAnswerTests.Policy("f-100", All(), new FixedBenefit(100), "award"),
            BenefitAndAnswerTests.Policy("g-rate", Any(generator.Criterion(2), Leaf("region", Op.Under, "620000")), new RateBenefit("rd_expense", 100), "mixed"),
            BenefitAndAnswerTests.Policy("g-fixed", All(generator.Criterion(1)), new FixedBenefit(1000), "mixed"),
        ]);
        var index = EligibilityIndex.Build(profiles, policies);
        var asOf = Dates[0];
        var plain = profiles.ToDictionary(p => p.Uscc, p => EnterpriseMatcher.Match(p, policies, asOf).ToDictionary(a => a.PolicyId));

        var (pairs, _) = AssertPolicyOutcomes(index, profiles, policies, asOf, plain);

        Assert.True(pairs >= 15 * profiles.Count, $"only {pairs} pairs compared");
        var last = profiles.Skip(2 * 8192).Select(p => plain[p.Uscc]).ToList(); // the third block on: excluded and missing there too
        Assert.True(last.Sum(a => a.Values.Count(x => x.Status == EligibilityStatus.Excluded)) > 100, "too few exclusions past the second block");
        Assert.True(last.Sum(a => a.Values.Count(x => x.MissingFields.Count > 0)) > 100, "too few missing fields past the second block");
    }

    [Fact]
    public void Pages_of_a_long_eligible_list_are_the_list_in_order_however_they_are_asked_for()
    {
        // Hundreds of eligible answers with tied and distinct amounts, some excluded: a short page puts only its own
        // part of the head in order, and a later page must still find the rest in order after it.
        var random = new Random(41);
        var profiles = Population(40, seed: 43);
        var policies = Enumerable.Range(0, 600).Select(i => BenefitAndAnswerTests.Policy(
            $"q{random.Next(100_000):D5}-{i:D3}",
            i % 5 == 0 ? Leaf("employees", Op.Gt, random.Next(0, 50)) : All(),
            i % 3 == 0 ? new RateBenefit("rd_expense", random.Next(1, 4) * 100) : new FixedBenefit(random.Next(1, 6) * 1000),
            i % 7 == 0 ? $"g{i % 4}" : null)).ToList();
        var index = EligibilityIndex.Build(profiles, policies);
        foreach (var profile in profiles.Take(12))
        {
            var expected = EnterpriseMatcher.Match(profile, policies, AsOf).ToList();
            expected.Sort(RankedAnswers.Compare);
            (int Offset, int Limit)[][] orders =
            [
                [(0, 10), (10, 10), (20, 300), (0, 0)],
                [(250, 7), (0, 50), (40, 20)],
                [(0, 1), (1, 1), (598, 5), (100, 60)],
                [(0, 0)],
            ];
            foreach (var order in orders)
            {
                var ranked = index.AnswerEnterprise(profile.Uscc, AsOf)!;
                foreach (var (offset, limit) in order)
                {
                    var want = expected.Skip(offset).Take(limit == 0 ? int.MaxValue : limit).ToList();
                    Assert.Equal(want, ranked.Page(offset, limit).Select(a => a.Answer));
                }
            }
        }

        Assert.Contains(profiles.Take(12), p => index.AnswerEnterprise(p.Uscc, AsOf)!.Page(0, 0).Count(a => a.Answer.Status == EligibilityStatus.Eligible) > 400);
    }

    /// <summary>Compares every (enterprise, policy in force, date): status, amount, excludedBy, missingFields.</summary>
    private static int AssertAgreement(EligibilityIndex index, IReadOnlyList<EnterpriseProfile> profiles, IReadOnlyList<Policy> policies, DateOnly[]? dates = null,
        IReadOnlyDictionary<string, string[]>? claims = null, Action<int, int>? evaluatedOfAnswered = null)
    {
        var pairs = 0;
        var selfDeclared = 0;
        var (evaluated, answered) = (0, 0);
        foreach (var asOf in dates ?? Dates)
        {
            var plain = profiles.ToDictionary(p => p.Uscc, p => EnterpriseMatcher.Match(p, policies, asOf, claims: claims?.GetValueOrDefault(p.Uscc)).ToDictionary(a => a.PolicyId));
            foreach (var profile in profiles)
            {
                // One enterprise's full answer (compiled policies over the stored row) against the reference.
                var full = index.MatchEnterprise(profile.Uscc, asOf)!.ToDictionary(a => a.PolicyId);
                Assert.Equal(plain[profile.Uscc].Count, full.Count);
                foreach (var (id, expected) in plain[profile.Uscc])
                {
                    Assert.True(expected == full[id], $"full answer for {profile.Uscc} on {asOf}: {expected} ≠ {full[id]}");
                    Assert.True(expected.Basis == full[id].Basis && expected.Claims == full[id].Claims,
                        $"basis for {profile.Uscc} × {id} on {asOf}: {expected.Basis} [{expected.Claims}] ≠ {full[id].Basis} [{full[id].Claims}]");
                }

                // Ranked as both faces show it: count, total and pages against the reference's answers sorted.
                var ranked = index.AnswerEnterprise(profile.Uscc, asOf)!;
                var expectedOrder = plain[profile.Uscc].Values.ToList();
                expectedOrder.Sort(RankedAnswers.Compare);
                Assert.Equal(expectedOrder.Count, ranked.Count);
                Assert.Equal(expectedOrder.Where(a => a.Status == EligibilityStatus.Eligible).Sum(a => a.AmountFen ?? 0), ranked.EligibleTotalFen);
                Assert.Equal(expectedOrder, ranked.Page(0, 0).Select(a => a.Answer));
                Assert.All(ranked.Page(0, 0), a => Assert.Equal(a.Answer.PolicyId, a.Policy.Id));
                var offset = expectedOrder.Count == 0 ? 0 : ranked.Evaluated * 7 % (expectedOrder.Count + 2);
                (evaluated, answered) = (evaluated + ranked.Evaluated, answered + ranked.Count);
                Assert.Equal(expectedOrder.Skip(offset).Take(7), ranked.Page(offset, 7).Select(a => a.Answer));

                // The same answer with every condition explained (the compiled explanation path) against the reference's.
                var explained = index.MatchEnterprise(profile.Uscc, asOf, explain: true)!;
                var reference = EnterpriseMatcher.Match(index.GetProfile(profile.Uscc)!, policies, asOf, explain: true, claims: claims?.GetValueOrDefault(profile.Uscc));
                Assert.Equal(reference.Count, explained.Count);
                for (var i = 0; i < reference.Count; i++)
                {
                    Assert.True(reference[i] == explained[i] && reference[i].Basis == explained[i].Basis && reference[i].Claims == explained[i].Claims,
                        $"explained answer for {profile.Uscc} on {asOf}: {reference[i]} ≠ {explained[i]}");
                }
            }

            var (policyPairs, policySelfDeclared) = AssertPolicyOutcomes(index, profiles, policies, asOf, plain);
            (pairs, selfDeclared) = (pairs + policyPairs, selfDeclared + policySelfDeclared);
        }

        Assert.True(claims is null || selfDeclared >= 200, $"only {selfDeclared} outcomes rest on claims: too few to test basis");
        Assert.True(claims is not null || selfDeclared == 0, "without claims every outcome is verified");
        evaluatedOfAnswered?.Invoke(evaluated, answered);
        return pairs;
    }

    /// <summary>Every policy in force over the whole population (missing fields asked for) against the reference's answers.</summary>
    private static (int Pairs, int SelfDeclared) AssertPolicyOutcomes(EligibilityIndex index, IReadOnlyList<EnterpriseProfile> profiles, IReadOnlyList<Policy> policies,
        DateOnly asOf, Dictionary<string, Dictionary<string, PolicyAnswer>> plain)
    {
        var (pairs, selfDeclared) = (0, 0);
        foreach (var policy in policies.Where(p => p.IsInForce(asOf)))
        {
            using var result = index.MatchPolicy(policy, asOf, withMissingFields: true);
            var fromIndex = Enum.GetValues<EligibilityStatus>()
                .SelectMany(status => index.Outcomes(result, policy, asOf, status))
                .ToDictionary(o => o.Outcome.Uscc, o => o.Outcome);
            Assert.Equal(profiles.Count, fromIndex.Count);
            foreach (var profile in profiles)
            {
                var expected = plain[profile.Uscc][policy.Id];
                var actual = fromIndex[profile.Uscc];
                var context = $"policy {policy.Id} ({Text.CriteriaText.Print(policy.Criteria)}), enterprise {profile.Uscc}, as of {asOf}";
                Assert.True(expected.Status == actual.Status, $"status {expected.Status} ≠ {actual.Status}: {context}");
                Assert.True(expected.AmountFen == actual.AmountFen, $"amount {expected.AmountFen} ≠ {actual.AmountFen}: {context}");
                Assert.True(expected.ExcludedBy == actual.ExcludedBy, $"excludedBy {expected.ExcludedBy} ≠ {actual.ExcludedBy}: {context}");
                Assert.True(expected.MissingFields.SequenceEqual(actual.MissingFields), $"missing [{string.Join(",", expected.MissingFields)}] ≠ [{string.Join(",", actual.MissingFields)}]: {context}");
                Assert.True(expected.Basis == actual.Basis, $"basis {expected.Basis} ≠ {actual.Basis}: {context}");
                Assert.True(expected.Claims.SequenceEqual(actual.Claims ?? []), $"claims [{expected.Claims}] ≠ [{string.Join(",", actual.Claims ?? [])}]: {context}");
                selfDeclared += expected.Basis == Basis.SelfDeclared ? 1 : 0;
                pairs++;
            }

            Assert.Equal(profiles.Count(p => plain[p.Uscc][policy.Id].Status == EligibilityStatus.Eligible), result.EligibleCount);
            Assert.Equal(profiles.Count(p => plain[p.Uscc][policy.Id].Status == EligibilityStatus.Excluded), result.ExcludedCount);
            Assert.Equal(profiles.Count(p => plain[p.Uscc][policy.Id].Status == EligibilityStatus.Unknown), result.UnknownCount);
            Assert.Equal(profiles.Count(p => plain[p.Uscc][policy.Id].Status == EligibilityStatus.Ineligible), result.IneligibleCount);
        }

        return (pairs, selfDeclared);
    }

    /// <summary>The generator's population plus hand-made edge cases (everything absent, zero revenue, empty sets, leap-day dates).</summary>
    private static List<EnterpriseProfile> Population(int count, int seed)
    {
        var profiles = new PopulationGenerator(seed).Generate(count).ToList();
        profiles[0] = new EnterpriseProfile { Uscc = profiles[0].Uscc };
        profiles[1] = profiles[1] with { AnnualRevenue = 0, RdExpense = 10, TechDomains = Set(), Tags = Set(), Certifications = Certs() };
        profiles[2] = profiles[2] with { EstablishedOn = new DateOnly(2024, 2, 29), Certifications = Certs(new Certification("high_tech", "national", new DateOnly(2024, 2, 29), new DateOnly(2027, 2, 28))) };
        return profiles;
    }

    /// <summary>Random published policies, some in three exclusion groups, some out of force on some dates, some drafts.</summary>
    private static List<Policy> RandomPolicies(int seed, int count)
    {
        var generator = new PolicyGenerator(seed);
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var policy = generator.Next($"p{i:D3}", depth: 4, exclusionGroup: random.Next(3) == 0 ? $"g{random.Next(3)}" : null);
            return (i % 9) switch
            {
                0 => policy with { EffectiveFrom = new DateOnly(2025, 1, 1), EffectiveTo = new DateOnly(2026, 6, 30) },
                1 => policy with { Status = PolicyStatus.Draft },
                2 => policy with { Criteria = generator.Criterion(3), Benefit = new FixedBenefit(100_000_00) }, // fixed amounts compete bitwise
                _ => policy,
            };
        }).ToList();
    }

    private static EnterpriseProfile Normalize(EnterpriseProfile profile) => profile with
    {
        TechDomains = profile.TechDomains is { } t ? new EquatableArray<string>([.. t.Distinct().Order(StringComparer.Ordinal)]) : null,
        Tags = profile.Tags is { } g ? new EquatableArray<string>([.. g.Distinct().Order(StringComparer.Ordinal)]) : null,
        Certifications = profile.Certifications is { } c ? new EquatableArray<Certification>([.. c.OrderBy(x => x.Kind, StringComparer.Ordinal).ThenBy(x => x.ObtainedOn)]) : null,
    };
}
