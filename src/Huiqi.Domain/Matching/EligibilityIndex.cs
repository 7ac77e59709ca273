using System.Collections.Concurrent;
using Huiqi.Domain.Benefits;
using Huiqi.Domain.Common;
using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Matching;

/// <summary>
/// The matching index: every enterprise profile held column by column (dictionary-encoded codes with a bitset per
/// value, range-encoded numeric columns, presence bitsets for absent fields). One policy over the whole population
/// is a few bitwise passes in three-valued logic (T and F sets per node; unknown is what is neither); one
/// enterprise's full answer reads its row back and runs the reference evaluator over the policies in force.
/// Profiles are added, replaced and removed one at a time without a rebuild. Many readers may match while one
/// writer updates (a reader-writer lock).
/// </summary>
public sealed class EligibilityIndex
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private UsccTable _uscc = new();
    private TextColumn _name = new(FieldCatalog.Name);
    private Dictionary<string, CategoryColumn> _categories;
    private Dictionary<string, SetColumn> _sets;
    private Dictionary<string, NumberColumn> _numbers;
    private BoolColumn _dishonest = new(FieldCatalog.Dishonest);
    private CertColumn _certifications = new();
    private IColumn[] _columns;
    private Stack<int> _free = new();

    // TRUST.md §3. Slot → its self-declared fields, for the enterprises that have claims; and per stored field, the
    // slots where it is claimed (allocated on the first claim of that field). Whether an outcome rests on claims is
    // the policy matched a second time over the population with every claimed fact hidden (treated as absent).
    private Dictionary<int, string[]> _claims = [];
    private Dictionary<string, ulong[]> _claimed = new(StringComparer.Ordinal);
    private Dictionary<string, int> _claimedCount = new(StringComparer.Ordinal);
    private ulong[] _alive = [];
    private int _capacity;
    private int _highWater;
    private int _count;
    private int _countAtRebalance;
    private long _version;
    private PolicySet _set = PolicySet.Empty;

    // Bitsets of the current capacity, reused across matches: a 1M-slot bitset is 125 KB, and fresh ones would
    // land on the large-object heap at every match.
    private readonly ConcurrentBag<ulong[]> _bitsetPool = [];
    private readonly ConcurrentBag<ulong[]> _zeroedPool = []; // bitsets known to be all zero (a pass's flips, cleared as read)
    private ulong[] _zeros = [];

    public EligibilityIndex()
    {
        _categories = new[] { FieldCatalog.Region, FieldCatalog.Zone, FieldCatalog.Industry, FieldCatalog.Scale, FieldCatalog.Ownership, FieldCatalog.TaxCredit, FieldCatalog.ListingBoard }
            .ToDictionary(f => f, f => new CategoryColumn(f), StringComparer.Ordinal);
        _sets = new[] { FieldCatalog.TechDomains, FieldCatalog.Tags }.ToDictionary(f => f, f => new SetColumn(f), StringComparer.Ordinal);
        _numbers = new[] { FieldCatalog.Employees, FieldCatalog.AnnualRevenue, FieldCatalog.RdExpense, FieldCatalog.RdRatioBp, FieldCatalog.EstablishedOn }
            .ToDictionary(f => f, f => new NumberColumn(f), StringComparer.Ordinal);
        _columns = [_name, .. _categories.Values, .. _sets.Values, .. _numbers.Values, _dishonest, _certifications];
    }

    public static EligibilityIndex Build(IEnumerable<EnterpriseProfile> profiles, IEnumerable<Policy>? policies = null)
    {
        var index = new EligibilityIndex();
        if (profiles.TryGetNonEnumeratedCount(out var count))
        {
            index.Reserve(count);
        }

        foreach (var profile in profiles)
        {
            index.Upsert(profile);
        }

        index.Rebalance();
        index.TrimExcess();
        if (policies is not null)
        {
            index.SetPolicies(policies);
        }

        return index;
    }

    /// <summary>The layout of <see cref="WriteSnapshot"/>; a snapshot of another layout is not read.</summary>
    public const int SnapshotFormat = 3;

    /// <summary>
    /// Everything the index holds about enterprises (not the policies: they come from the store), for a snapshot file
    /// (docs/eligibility.md, "Snapshot"). Readers may go on meanwhile; writers wait.
    /// </summary>
    public void WriteSnapshot(Stream stream)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("snapshots are written little-endian");
        }

        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, SnapshotIo.Utf8, leaveOpen: true);
            writer.Write(SnapshotFormat);
            writer.Write(_capacity);
            writer.Write(_highWater);
            writer.Write(_count);
            writer.Write(_countAtRebalance);
            writer.WriteArray(_alive);
            writer.WriteArray(_free.ToArray());
            _uscc.WriteTo(writer);
            writer.Write(_claims.Count);
            foreach (var (slot, fields) in _claims)
            {
                writer.Write(slot);
                writer.WriteStrings(fields);
            }

            writer.Write(_claimed.Count);
            foreach (var (field, bits) in _claimed)
            {
                writer.Write(field);
                writer.WriteArray(bits);
                writer.Write(_claimedCount.GetValueOrDefault(field));
            }

            foreach (var column in _columns)
            {
                column.WriteTo(writer);
            }

            writer.Write("end");
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// An index as <see cref="WriteSnapshot"/> wrote it, with <paramref name="policies"/>; throws
    /// <see cref="InvalidDataException"/> (or <see cref="EndOfStreamException"/>) on anything it cannot read.
    /// </summary>
    public static EligibilityIndex ReadSnapshot(Stream stream, IEnumerable<Policy>? policies = null)
    {
        using var reader = new BinaryReader(stream, SnapshotIo.Utf8, leaveOpen: true);
        if (reader.ReadInt32() is var format && format != SnapshotFormat)
        {
            throw new InvalidDataException($"snapshot: format {format}, expected {SnapshotFormat}");
        }

        var index = new EligibilityIndex();
        index._capacity = reader.ReadInt32();
        index._highWater = reader.ReadInt32();
        index._count = reader.ReadInt32();
        index._countAtRebalance = reader.ReadInt32();
        if (index._capacity < 0 || index._highWater < 0 || index._highWater > index._capacity || index._count > index._highWater)
        {
            throw new InvalidDataException("snapshot: slot counts are inconsistent");
        }

        index._alive = reader.ReadArray<ulong>();
        foreach (var slot in reader.ReadArray<int>().Reverse())
        {
            index._free.Push(slot);
        }

        index._uscc.ReadFrom(reader);
        for (int i = 0, n = SnapshotIo.Count(reader, index._capacity); i < n; i++)
        {
            index._claims.Add(reader.ReadInt32(), [.. reader.ReadStrings()]);
        }

        for (int i = 0, n = SnapshotIo.Count(reader); i < n; i++)
        {
            var field = reader.ReadString();
            index._claimed.Add(field, reader.ReadArray<ulong>());
            index._claimedCount.Add(field, reader.ReadInt32());
        }

        foreach (var column in index._columns)
        {
            column.ReadFrom(reader);
        }

        SnapshotIo.Expect(reader, "end");
        var words = Bits.WordsFor(index._capacity);
        if (index._alive.Length != words || Bits.PopCount(index._alive) != index._count)
        {
            throw new InvalidDataException("snapshot: the live slots do not match the count");
        }

        if (policies is not null)
        {
            index.SetPolicies(policies);
        }

        return index;
    }

    /// <summary>
    /// Fills this empty index from a snapshot (<see cref="WriteSnapshot"/>): read whole first, so a file that cannot
    /// be read leaves the index as it was (empty); the policies stay as they are.
    /// </summary>
    public void LoadSnapshot(Stream stream) => Adopt(ReadSnapshot(stream), requireEmpty: true);

    /// <summary>Forgets every enterprise (a snapshot that turned out not to match the store); the policies stay.</summary>
    public void Clear() => Adopt(new EligibilityIndex(), requireEmpty: false);

    private void Adopt(EligibilityIndex other, bool requireEmpty)
    {
        _lock.EnterWriteLock();
        try
        {
            if (requireEmpty && _highWater != 0)
            {
                throw new InvalidOperationException("a snapshot is loaded into an empty index only");
            }

            (_uscc, _name, _categories, _sets, _numbers, _dishonest, _certifications, _columns) =
                (other._uscc, other._name, other._categories, other._sets, other._numbers, other._dishonest, other._certifications, other._columns);
            (_free, _claims, _claimed, _claimedCount, _alive) = (other._free, other._claims, other._claimed, other._claimedCount, other._alive);
            (_capacity, _highWater, _count, _countAtRebalance) = (other._capacity, other._highWater, other._count, other._countAtRebalance);
            _bitsetPool.Clear();
            _zeroedPool.Clear();
            _valueTotals.Clear();
            Interlocked.Increment(ref _version);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public int Count => Read(() => _count);

    /// <summary>Changes with every write; a <see cref="PolicyMatchResult"/> names the version it was computed on.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Bytes held by the columns (arrays, not counting object headers).</summary>
    public long EstimatedBytes => Read(() => _alive.Length * 8L + _uscc.Bytes + _columns.Sum(c => c.Bytes));

    /// <summary>The policy set MatchEnterprise answers over and exclusion groups compete in; policies not in force on a date are skipped.</summary>
    public IReadOnlyList<Policy> Policies => Volatile.Read(ref _set).Policies;

    /// <summary>The same set by id (built once per set, not per answer).</summary>
    public IReadOnlyDictionary<string, Policy> PolicyById => Volatile.Read(ref _set).ById;

    /// <summary>Replaces the policy set: compiled and indexed once here, then swapped in whole for every reader.</summary>
    public void SetPolicies(IEnumerable<Policy> policies) => Volatile.Write(ref _set, new PolicySet([.. policies]));

    /// <summary>
    /// Adds or replaces one profile (validated beforehand: codes known, USCC 18 characters); <paramref name="claims"/>:
    /// its self-declared fields, so that answers can tell whether they rest on them.
    /// </summary>
    public void Upsert(EnterpriseProfile profile, IReadOnlyCollection<string>? claims = null)
    {
        _lock.EnterWriteLock();
        try
        {
            var slot = _uscc.Find(profile.Uscc);
            if (slot < 0)
            {
                slot = Allocate();
                _uscc.Add(profile.Uscc, slot);
                Bits.Set(_alive, slot);
                _count++;
            }

            Write(slot, profile);
            SetClaims(slot, claims);

            Interlocked.Increment(ref _version);
            if (_count >= 4096 && _count >= 2 * _countAtRebalance)
            {
                RebalanceLocked();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Remove(string uscc)
    {
        _lock.EnterWriteLock();
        try
        {
            var slot = _uscc.Find(uscc);
            if (slot < 0)
            {
                return false;
            }

            Write(slot, new EnterpriseProfile { Uscc = uscc });
            SetClaims(slot, null);
            _uscc.Remove(uscc);
            Bits.Clear(_alive, slot);
            _free.Push(slot);
            _count--;
            Interlocked.Increment(ref _version);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Builds every numeric bucket's value order now, instead of when a range first cuts the bucket: the memory a
    /// long-running instance converges to (the bench measures it so).
    /// </summary>
    public void OrderAllBuckets() => Read(() =>
    {
        foreach (var column in _numbers.Values)
        {
            column.OrderAll();
        }

        return 0;
    });

    /// <summary>Re-cuts the numeric buckets at the current quantiles (done by itself as the population doubles).</summary>
    public void Rebalance()
    {
        _lock.EnterWriteLock();
        try
        {
            RebalanceLocked();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The profile as the index holds it (sets in ordinal order), or null.</summary>
    public EnterpriseProfile? GetProfile(string uscc) => Read(() => _uscc.Find(uscc) is var slot and >= 0 ? ReadRow(slot) : null);

    /// <summary>The enterprise's self-declared fields as the index holds them (sorted; empty when none or unknown).</summary>
    public IReadOnlyList<string> ClaimsOf(string uscc) => Read(() => _uscc.Find(uscc) is var slot and >= 0 && _claims.TryGetValue(slot, out var claims) ? claims : []);

    /// <summary>
    /// ELIGIBILITY.md §5 for one enterprise over the policies in force on <paramref name="asOf"/>, each answer with its
    /// basis (TRUST.md §3); null when unknown.
    /// </summary>
    public IReadOnlyList<PolicyAnswer>? MatchEnterprise(string uscc, DateOnly asOf, bool explain = false)
    {
        var set = Volatile.Read(ref _set);
        var (profile, claims) = RowOf(uscc, set);
        if (profile is null)
        {
            return null;
        }

        if (explain)
        {
            // Every policy explained: nothing to leave out, so no candidates are looked for.
            var all = set.PositionsInForce(asOf);
            return Answer(set, all, profile, claims, asOf, explain: true);
        }

        var (candidates, inForce) = set.Candidates(profile, claims, asOf);
        var answered = Answer(set, candidates, profile, claims, asOf, explain: false);
        return new MergedAnswers(set.PositionsInForce(asOf), candidates, answered, set.Ineligible);
    }

    /// <summary>
    /// The answers in force, read through rather than copied: the evaluated candidates where there are some, the shared
    /// ineligible answer of the policy elsewhere (an answer per policy in force, 1,000 references, would cost an
    /// enterprise's answer a tenth of its time in stores alone).
    /// </summary>
    private sealed class MergedAnswers(int[] positions, int[] candidates, IReadOnlyList<PolicyAnswer> answered, PolicyAnswer[] ineligible) : IReadOnlyList<PolicyAnswer>
    {
        public int Count => positions.Length;

        public PolicyAnswer this[int index]
        {
            get
            {
                var position = positions[index];
                var k = Array.BinarySearch(candidates, position);
                return k >= 0 ? answered[k] : ineligible[position];
            }
        }

        public IEnumerator<PolicyAnswer> GetEnumerator()
        {
            var next = 0;
            foreach (var position in positions)
            {
                yield return next < candidates.Length && candidates[next] == position ? answered[next++] : ineligible[position];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// One enterprise's answers as <see cref="MatchEnterprise"/> gives them, ranked (<see cref="RankedAnswers"/>) and
    /// without an answer object per policy left out by the conjunct index; null when the enterprise is unknown.
    /// </summary>
    public RankedAnswers? AnswerEnterprise(string uscc, DateOnly asOf)
    {
        var set = Volatile.Read(ref _set); // one set for reading the row and answering it
        return RowOf(uscc, set) is ({ } profile, var claims) ? AnswerProfile(set, profile, claims, asOf) : null;
    }

    /// <summary>
    /// The answers an enterprise would get with <paramref name="profile"/> as its facts (政策计算器, what-if: nothing is
    /// stored); <paramref name="claims"/>: the fields of it that are self-declared, for each answer's basis.
    /// </summary>
    public RankedAnswers AnswerProfile(EnterpriseProfile profile, IReadOnlyCollection<string>? claims, DateOnly asOf) =>
        AnswerProfile(Volatile.Read(ref _set), profile, claims, asOf);

    private static RankedAnswers AnswerProfile(PolicySet set, EnterpriseProfile profile, IReadOnlyCollection<string>? claims, DateOnly asOf)
    {
        string[]? claimed = claims is { Count: > 0 } ? [.. claims] : null;
        // Without claims, candidates that can never be eligible (an absent field under a guard) are answered only when a
        // page reaches them: an enterprise missing a fact most policies ask for no longer evaluates thousands of them
        // for a first page (docs/eligibility.md). With claims every answer also needs its basis, so all are evaluated.
        var deferrable = claimed is null ? new List<bool>() : null;
        var (candidates, inForce) = set.Candidates(profile, claimed, asOf, inIdOrder: true, deferrable);
        var now = candidates;
        if (deferrable is not null)
        {
            now = new int[deferrable.Count(d => !d)];
            for (int k = 0, j = 0; k < candidates.Length; k++)
            {
                if (!deferrable[k])
                {
                    now[j++] = candidates[k];
                }
            }
        }

        // Without claims, a candidate none of whose guards passed on an absent field, and whose guards decide every
        // condition exactly, is eligible: only its amount is worked out (docs/eligibility.md).
        var answeredNow = Answer(set, now, profile, claimed, asOf, explain: false, missingFields: false, guardsDecide: claimed is null);
        var answered = new PolicyAnswer?[candidates.Length];
        for (int k = 0, j = 0; k < candidates.Length; k++)
        {
            answered[k] = deferrable is not null && deferrable[k] ? null : answeredNow[j++];
        }

        return new RankedAnswers(set.Compiled, set.IdOrder, candidates, answered, inForce, new ProfileFacts(profile, asOf));
    }

    /// <summary>A row read back for matching it against <paramref name="set"/> (the name only when a policy of it reads the name).</summary>
    private (EnterpriseProfile? Profile, string[]? Claims) RowOf(string uscc, PolicySet set) => Read(() => _uscc.Find(uscc) is var slot and >= 0
        ? (ReadRow(slot, withName: set.ReadsName), _claims.GetValueOrDefault(slot))
        : ((EnterpriseProfile?)null, (string[]?)null));

    /// <summary>ELIGIBILITY.md §5 over the given policies of the set (positions, all in force), in their order, exclusion groups and basis included.</summary>
    /// <param name="missingFields">False: unknown answers leave their missing fields to be filled in for a page.</param>
    /// <param name="guardsDecide">Every position passed its guards on present, unclaimed facts: exact ones are eligible without evaluating them.</param>
    private static IReadOnlyList<PolicyAnswer> Answer(PolicySet set, int[] positions, EnterpriseProfile profile, string[]? claims, DateOnly asOf, bool explain,
        bool missingFields = true, bool guardsDecide = false)
    {
        var answers = AnswerAll(set, positions, new ProfileFacts(profile, asOf), explain, missingFields, guardsDecide && claims is null && !explain);
        if (claims is null)
        {
            return answers;
        }

        // Basis compares statuses and amounts only (TRUST.md §3): the second answer needs no missing fields.
        var without = AnswerAll(set, positions, new ProfileFacts(AnswerBasis.WithoutClaims(profile, claims), asOf), explain: false, missingFields: false);
        return AnswerBasis.Apply(answers, without, set.InForce(asOf), claims);
    }

    /// <summary>
    /// Every condition of the given policies explained for one enterprise on <paramref name="asOf"/> (ELIGIBILITY.md
    /// §5.3), by policy id: what a page of <see cref="MatchEnterprise"/> shows, without explaining the whole list.
    /// Each comes with the policy version explained; policies not in the index's set are left out; null when the
    /// enterprise is unknown.
    /// </summary>
    public IReadOnlyDictionary<string, (Policy Policy, EquatableArray<ConditionResult> Conditions)>? Explain(string uscc, DateOnly asOf, IEnumerable<string> policyIds)
    {
        return GetProfile(uscc) is { } profile ? ExplainProfile(profile, asOf, policyIds) : null;
    }

    /// <summary>As <see cref="Explain"/>, for the facts given rather than those stored (what-if).</summary>
    public IReadOnlyDictionary<string, (Policy Policy, EquatableArray<ConditionResult> Conditions)> ExplainProfile(EnterpriseProfile profile, DateOnly asOf, IEnumerable<string> policyIds)
    {
        var compiled = Volatile.Read(ref _set).CompiledById;
        var facts = new ProfileFacts(profile, asOf);
        var explained = new Dictionary<string, (Policy, EquatableArray<ConditionResult>)>(
            policyIds.TryGetNonEnumeratedCount(out var count) ? count : 0, StringComparer.Ordinal); // a page's size: no regrowth
        foreach (var id in policyIds)
        {
            if (compiled.TryGetValue(id, out var policy))
            {
                explained[id] = (policy.Policy, policy.Explain(facts));
            }
        }

        return explained;
    }

    /// <remarks>
    /// Rivals in an exclusion group that are not among <paramref name="positions"/> are ineligible (the conjunct index
    /// left them out), and an ineligible answer never competes, so resolving the groups among these answers is exact.
    /// </remarks>
    private static IReadOnlyList<PolicyAnswer> AnswerAll(PolicySet set, int[] positions, ProfileFacts facts, bool explain, bool missingFields, bool guardsDecide = false)
    {
        // An array of a sealed type, not a List: shared generic code would check every store for covariance.
        var answers = new PolicyAnswer[positions.Length];
        var grouped = false;
        for (var k = 0; k < positions.Length; k++)
        {
            var policy = set.Compiled[positions[k]];
            answers[k] = guardsDecide && set.Conjuncts.IsExact(positions[k]) ? policy.Eligible(facts) : policy.Answer(facts, explain, missingFields);
            grouped |= policy.Policy.ExclusionGroup is not null;
        }

        return grouped ? ExclusionGroups.Resolve(answers, k => set.Compiled[positions[k]].Policy.ExclusionGroup) : answers;
    }

    /// <summary>
    /// ELIGIBILITY.md §6: every enterprise's status for <paramref name="policy"/> (which may be a draft) on
    /// <paramref name="asOf"/>, exclusion groups included (rivals: the in-force policies of the index's set that
    /// share its group), with counts and the sum of known amounts. <paramref name="withMissingFields"/> also
    /// computes each unknown enterprise's missing fields.
    /// </summary>
    /// Rows with claims are matched again without them to mark the outcomes that rest on them (TRUST.md §3).
    public PolicyMatchResult MatchPolicy(Policy policy, DateOnly asOf, bool withMissingFields = false)
    {
        _lock.EnterReadLock();
        try
        {
            return new PolicyMatcher(this, asOf).Match(policy, withMissingFields);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>One enterprise's status in a result; null when it is not in the index, or the index changed since the result was computed.</summary>
    public EligibilityStatus? StatusOf(PolicyMatchResult result, string uscc) => Read(() =>
        result.IndexVersion == Version && _uscc.Find(uscc) is var slot and >= 0 ? result.StatusOf(slot) : (EligibilityStatus?)null);

    /// <summary>The outcomes of the slots of one status in a result, in slot order, from <paramref name="afterSlot"/> on.</summary>
    public IReadOnlyList<(int Slot, EnterpriseOutcome Outcome)> Outcomes(PolicyMatchResult result, Policy policy, DateOnly asOf, EligibilityStatus status, int afterSlot = -1, int max = int.MaxValue)
    {
        _lock.EnterReadLock();
        try
        {
            if (result.IndexVersion != Version)
            {
                throw new InvalidOperationException("the index changed since this result was computed; match again");
            }

            var outcomes = new List<(int, EnterpriseOutcome)>();
            foreach (var slot in Bits.Enumerate(result.SetOf(status), afterSlot + 1))
            {
                if (outcomes.Count >= max)
                {
                    break;
                }

                long? amount = status is EligibilityStatus.Eligible or EligibilityStatus.Excluded ? AmountOf(policy.Benefit, slot, asOf) : null;
                var basis = result.BasisOf(slot);
                IReadOnlyList<string> claims = basis == Basis.SelfDeclared ? AnswerBasis.ClaimsRead(policy, RivalsOf(policy, asOf).Select(r => r.Policy), _claims[slot]) : [];
                outcomes.Add((slot, new EnterpriseOutcome(_uscc.Get(slot), _name.Get(slot), _categories[FieldCatalog.Region].Get(slot), status, amount,
                    result.ExcludedByOf(slot), result.MissingFieldsOf(slot), basis, claims)));
            }

            return outcomes;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// A result broken down by the values of <c>region</c> or <c>tech_domains</c>: counts per status by bitset
    /// intersection, and the eligible amount (per enterprise only when the benefit is not a fixed sum).
    /// </summary>
    public IReadOnlyList<BreakdownRow> Breakdown(PolicyMatchResult result, Policy policy, DateOnly asOf, string field)
    {
        _lock.EnterReadLock();
        try
        {
            if (result.IndexVersion != Version)
            {
                throw new InvalidOperationException("the index changed since this result was computed; match again");
            }

            // A value's ineligible count is its enterprises in all (counted once per index version) less the other three.
            // Those are counted per value by popcount when they are many, or by visiting their slots when few (fewer
            // than one in eight words' worth per value: the eligible of a selective policy); docs/eligibility.md.
            var (values, bits, isSet, totals) = ValueTotalsLocked(field);
            var counts = new long[values.Count * 3];
            var amounts = new long[values.Count];
            var fixedBenefit = policy.Benefit as FixedBenefit;
            var category = isSet ? null : _categories[field];
            Tally(result.Eligible, 0, result.EligibleCount);
            Tally(result.Unknown, 1, result.UnknownCount);
            Tally(result.Excluded, 2, result.ExcludedCount);

            void Tally(ulong[] status, int kind, long count)
            {
                if (count == 0)
                {
                    return;
                }

                var amountsToo = kind == 0 && fixedBenefit is null;
                if (!amountsToo && count * 8 >= (long)result.Words * values.Count)
                {
                    for (var v = 0; v < values.Count; v++)
                    {
                        counts[v * 3 + kind] = Bits.PopCountAnd(status, bits[v], result.Words);
                    }

                    return;
                }

                for (var w = 0; w < result.Words; w++)
                {
                    var word = status[w];
                    while (word != 0)
                    {
                        var slot = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                        word &= word - 1;
                        var amount = amountsToo ? AmountOf(policy.Benefit, slot, asOf) ?? 0 : 0;
                        if (category is not null)
                        {
                            if (category.CodeAt(slot) is var code and >= 0)
                            {
                                counts[code * 3 + kind]++;
                                amounts[code] += amount;
                            }

                            continue;
                        }

                        for (var m = 0; m < bits.Length; m++)
                        {
                            if ((bits[m][w] & (1UL << slot)) != 0)
                            {
                                counts[m * 3 + kind]++;
                                amounts[m] += amount;
                            }
                        }
                    }
                }
            }

            var rows = new List<BreakdownRow>();
            for (var v = 0; v < values.Count; v++)
            {
                var (eligible, unknown, excluded) = (counts[v * 3], counts[v * 3 + 1], counts[v * 3 + 2]);
                var ineligible = totals[v] - eligible - unknown - excluded;
                if (eligible + ineligible + unknown + excluded == 0)
                {
                    continue;
                }

                rows.Add(new BreakdownRow(values[v], eligible, ineligible, unknown, excluded,
                    fixedBenefit is not null ? fixedBenefit.AmountFen * eligible : amounts[v]));
            }

            return rows;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private readonly ConcurrentDictionary<string, ValueTotals> _valueTotals = new(StringComparer.Ordinal);

    private sealed record ValueTotals(long Version, string Field, IReadOnlyList<string> Values, ulong[][] Bits, bool IsSet, long[] Totals);

    /// <summary>
    /// The values of a breakdown field, their bitsets, and how many enterprises hold each — counted by popcount once per
    /// index version and field (read lock held).
    /// </summary>
    private (IReadOnlyList<string> Values, ulong[][] Bits, bool IsSet, long[] Totals) ValueTotalsLocked(string field)
    {
        var version = Version;
        if (_valueTotals.TryGetValue(field, out var cached) && cached.Version == version)
        {
            return (cached.Values, cached.Bits, cached.IsSet, cached.Totals);
        }

        IReadOnlyList<string> values;
        ulong[][] bits;
        var isSet = field == FieldCatalog.TechDomains;
        if (isSet)
        {
            var list = _sets[field].Members.ToList();
            values = [.. list.Select(m => m.Value)];
            bits = [.. list.Select(m => m.Bits)];
        }
        else
        {
            var column = _categories[field];
            values = [.. column.Values];
            bits = [.. Enumerable.Range(0, values.Count).Select(column.BitsAt)];
        }

        var words = Bits.WordsFor(_capacity);
        var totals = bits.Select(b => Bits.PopCountAnd(_alive, b, words)).ToArray();
        _valueTotals[field] = new ValueTotals(version, field, values, bits, isSet, totals);
        return (values, bits, isSet, totals);
    }

    /// <summary>
    /// <paramref name="proposed"/> against <paramref name="current"/> over the whole population on <paramref name="asOf"/>
    /// (both matched as in force, each with its own exclusion-group rivals): who gains, loses or changes amount, computed
    /// on the eligible bitsets (differences and intersections, counted by popcount); amounts are read per enterprise only
    /// where the benefits differ or are not a fixed sum.
    /// </summary>
    public PolicyComparison Compare(Policy current, Policy proposed, DateOnly asOf)
    {
        using var before = MatchPolicy(current, asOf);
        using var after = MatchPolicy(proposed, asOf);
        _lock.EnterReadLock();
        try
        {
            if (before.IndexVersion != Version || after.IndexVersion != Version || before.Words != after.Words)
            {
                throw new InvalidOperationException("the index changed since this result was computed; match again");
            }

            var words = before.Words;
            var gained = RentBitset();
            var lost = RentBitset();
            var changed = RentBitset();
            try
            {
                Bits.AndNotInto(gained.AsSpan(0, words), after.Eligible, before.Eligible);
                Bits.AndNotInto(lost.AsSpan(0, words), before.Eligible, after.Eligible);
                // Under both with another amount: only possible when the benefits differ.
                Array.Clear(changed, 0, words);
                if (current.Benefit != proposed.Benefit)
                {
                    for (var w = 0; w < words; w++)
                    {
                        var word = before.Eligible[w] & after.Eligible[w];
                        while (word != 0)
                        {
                            var bit = System.Numerics.BitOperations.TrailingZeroCount(word);
                            word &= word - 1;
                            var slot = (w << 6) + bit;
                            if (AmountOf(current.Benefit, slot, asOf) != AmountOf(proposed.Benefit, slot, asOf))
                            {
                                changed[w] |= 1UL << bit;
                            }
                        }
                    }
                }

                ComparisonRow Row(string value, ulong[] bits) => new(value,
                    Bits.PopCountAnd(gained, bits, words), Bits.PopCountAnd(lost, bits, words), Bits.PopCountAnd(changed, bits, words),
                    AmountWithin(current.Benefit, before.Eligible, bits, words, asOf), AmountWithin(proposed.Benefit, after.Eligible, bits, words, asOf));

                var regions = _categories[FieldCatalog.Region];
                var byRegion = regions.Values.Select((v, i) => Row(v, regions.BitsAt(i)))
                    .Where(r => r.Gained + r.Lost + r.AmountChanged > 0 || r.TotalBeforeFen + r.TotalAfterFen > 0).ToList();
                var byDomain = _sets[FieldCatalog.TechDomains].Members.Select(m => Row(m.Value, m.Bits))
                    .Where(r => r.Gained + r.Lost + r.AmountChanged > 0 || r.TotalBeforeFen + r.TotalAfterFen > 0).ToList();
                return new PolicyComparison(_count, before.EligibleCount, after.EligibleCount,
                    Bits.PopCount(gained.AsSpan(0, words)), Bits.PopCount(lost.AsSpan(0, words)), Bits.PopCount(changed.AsSpan(0, words)),
                    before.TotalAmountFen, after.TotalAmountFen, byRegion, byDomain);
            }
            finally
            {
                ReturnBitset(gained);
                ReturnBitset(lost);
                ReturnBitset(changed);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Enterprises whose criteria both policies accept on <paramref name="asOf"/> (eligible or excluded for each: before 就高不重复).</summary>
    public long Overlap(Policy a, Policy b, DateOnly asOf)
    {
        using var first = MatchPolicy(a, asOf);
        using var second = MatchPolicy(b, asOf);
        long count = 0;
        for (var w = 0; w < first.Words; w++)
        {
            count += System.Numerics.BitOperations.PopCount((first.Eligible[w] | first.Excluded[w]) & (second.Eligible[w] | second.Excluded[w]));
        }

        return count;
    }

    /// <summary>The known amounts of <paramref name="benefit"/> over the slots of both bitsets.</summary>
    private long AmountWithin(Benefit benefit, ulong[] eligible, ulong[] within, int words, DateOnly asOf)
    {
        if (benefit is FixedBenefit fixedBenefit)
        {
            return fixedBenefit.AmountFen * Bits.PopCountAnd(eligible, within, words);
        }

        long amount = 0;
        for (var w = 0; w < words; w++)
        {
            var word = eligible[w] & within[w];
            while (word != 0)
            {
                var slot = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                amount += AmountOf(benefit, slot, asOf) ?? 0;
            }
        }

        return amount;
    }

    private void SetClaims(int slot, IReadOnlyCollection<string>? claims)
    {
        if (_claims.Remove(slot, out var old))
        {
            foreach (var field in old)
            {
                Bits.Clear(_claimed[field], slot);
                _claimedCount[field]--;
            }
        }

        if (claims is not { Count: > 0 })
        {
            return;
        }

        string[] fields = [.. claims.Where(ProfileFields.IsField).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _claims[slot] = fields;
        foreach (var field in fields)
        {
            if (!_claimed.TryGetValue(field, out var bits))
            {
                _claimed[field] = bits = new ulong[Bits.WordsFor(_capacity)];
            }

            Bits.Set(bits, slot);
            _claimedCount[field] = _claimedCount.GetValueOrDefault(field) + 1;
        }
    }

    /// <summary>Whether any enterprise claims a field that the policy or a rival of its group reads.</summary>
    private bool ReadsClaims(Policy policy, IEnumerable<Policy> rivals) =>
        _claims.Count > 0 && rivals.Prepend(policy).SelectMany(AnswerBasis.FieldsRead).Any(f => _claimedCount.GetValueOrDefault(f) > 0);

    /// <summary>The in-force policies of the set that compete with <paramref name="policy"/> in its exclusion group.</summary>
    private IEnumerable<CompiledPolicy> RivalsOf(Policy policy, DateOnly asOf) =>
        policy.ExclusionGroup is { } group
            ? Volatile.Read(ref _set).Compiled.Where(c => c.Policy.ExclusionGroup == group && c.Policy.Id != policy.Id && c.Policy.IsInForce(asOf))
            : [];

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private int Allocate()
    {
        if (_free.TryPop(out var slot))
        {
            return slot;
        }

        if (_highWater == _capacity)
        {
            ResizeLocked(Math.Max(1024, _capacity * 2));
        }

        return _highWater++;
    }

    /// <summary>
    /// Room for <paramref name="enterprises"/> in all (a load whose size is known), so the columns are not doubled on
    /// the way and do not end up to half empty.
    /// </summary>
    public void Reserve(int enterprises)
    {
        _lock.EnterWriteLock();
        try
        {
            var capacity = RoundToWord(enterprises);
            if (capacity > _capacity)
            {
                ResizeLocked(capacity);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Gives back the room beyond the slots in use: growth doubles, so after a load of unknown size up to half of every
    /// column is spare (at 10M enterprises that was 282 B per enterprise instead of ~190; docs/eligibility.md).
    /// </summary>
    public void TrimExcess()
    {
        _lock.EnterWriteLock();
        try
        {
            var capacity = RoundToWord(Math.Max(1024, _highWater));
            if (capacity < _capacity)
            {
                ResizeLocked(capacity);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private static int RoundToWord(int slots) => (int)Math.Min(int.MaxValue & ~63, ((long)slots + 63) & ~63L);

    private void ResizeLocked(int capacity)
    {
        Interlocked.Increment(ref _version); // results and cached totals name the arrays they were computed on
        _capacity = capacity;
        _bitsetPool.Clear();
        _zeroedPool.Clear();
        _alive = CategoryColumn.Resized(_alive, Bits.WordsFor(_capacity));
        foreach (var field in _claimed.Keys.ToList())
        {
            _claimed[field] = CategoryColumn.Resized(_claimed[field], Bits.WordsFor(_capacity));
        }

        _uscc.Resize(_capacity);
        foreach (var column in _columns)
        {
            column.Resize(_capacity);
        }
    }

    private void Write(int slot, EnterpriseProfile profile)
    {
        _name.Set(slot, profile.Name);
        _categories[FieldCatalog.Region].Set(slot, profile.Region);
        _categories[FieldCatalog.Zone].Set(slot, profile.Zone);
        _categories[FieldCatalog.Industry].Set(slot, profile.Industry);
        _categories[FieldCatalog.Scale].Set(slot, profile.Scale);
        _categories[FieldCatalog.Ownership].Set(slot, profile.Ownership);
        _categories[FieldCatalog.TaxCredit].Set(slot, profile.TaxCredit);
        _categories[FieldCatalog.ListingBoard].Set(slot, profile.ListingBoard);
        _sets[FieldCatalog.TechDomains].Set(slot, profile.TechDomains);
        _sets[FieldCatalog.Tags].Set(slot, profile.Tags);
        _numbers[FieldCatalog.Employees].Set(slot, profile.Employees);
        _numbers[FieldCatalog.AnnualRevenue].Set(slot, profile.AnnualRevenue);
        _numbers[FieldCatalog.RdExpense].Set(slot, profile.RdExpense);
        _numbers[FieldCatalog.RdRatioBp].Set(slot, profile.RdRatioBp);
        _numbers[FieldCatalog.EstablishedOn].Set(slot, profile.EstablishedOn?.DayNumber);
        _dishonest.Set(slot, profile.Dishonest);
        _certifications.Set(slot, profile.Certifications);
    }

    private EnterpriseProfile ReadRow(int slot, bool withName = true) => new()
    {
        Uscc = _uscc.Get(slot),
        Name = withName ? _name.Get(slot) : null,
        Region = _categories[FieldCatalog.Region].Get(slot),
        Zone = _categories[FieldCatalog.Zone].Get(slot),
        Industry = _categories[FieldCatalog.Industry].Get(slot),
        Scale = _categories[FieldCatalog.Scale].Get(slot),
        Ownership = _categories[FieldCatalog.Ownership].Get(slot),
        TaxCredit = _categories[FieldCatalog.TaxCredit].Get(slot),
        ListingBoard = _categories[FieldCatalog.ListingBoard].Get(slot),
        TechDomains = _sets[FieldCatalog.TechDomains].Get(slot) is { } domains ? (EquatableArray<string>?)new EquatableArray<string>(domains) : null,
        Tags = _sets[FieldCatalog.Tags].Get(slot) is { } tags ? (EquatableArray<string>?)new EquatableArray<string>(tags) : null,
        Employees = _numbers[FieldCatalog.Employees].Get(slot),
        AnnualRevenue = _numbers[FieldCatalog.AnnualRevenue].Get(slot),
        RdExpense = _numbers[FieldCatalog.RdExpense].Get(slot),
        EstablishedOn = _numbers[FieldCatalog.EstablishedOn].Get(slot) is { } day ? DateOnly.FromDayNumber((int)day) : null,
        Dishonest = _dishonest.Get(slot),
        Certifications = _certifications.Get(slot) is { } held ? (EquatableArray<Certification>?)new EquatableArray<Certification>(held) : null,
    };

    private void RebalanceLocked()
    {
        foreach (var column in _numbers.Values)
        {
            column.Rebalance();
        }

        _name.TrimExcess();
        _certifications.TrimExcess();
        _countAtRebalance = _count;
    }

    /// <summary>A bitset of the current capacity from the pool (contents undefined).</summary>
    private ulong[] RentBitset()
    {
        var words = Bits.WordsFor(_capacity);
        return _bitsetPool.TryTake(out var array) && array.Length == words ? array : new ulong[words];
    }

    /// <summary>An all-zero bitset of the current capacity, shared: never written (a result's "excluded" without a group).</summary>
    private ulong[] Zeros => _zeros.Length == Bits.WordsFor(_capacity) ? _zeros : _zeros = new ulong[Bits.WordsFor(_capacity)];

    private void ReturnBitset(ulong[] array)
    {
        if (array.Length == Bits.WordsFor(_capacity) && _bitsetPool.Count < 256)
        {
            _bitsetPool.Add(array);
        }
    }

    /// <summary>A numeric field's value at a slot (age_months from the founding date), or null when absent.</summary>
    private long? NumberAt(string field, int slot, DateOnly asOf)
    {
        if (field == FieldCatalog.AgeMonths)
        {
            return _numbers[FieldCatalog.EstablishedOn].Get(slot) is { } day ? Dates.AgeMonths(DateOnly.FromDayNumber((int)day), asOf) : null;
        }

        return _numbers[field].Get(slot);
    }

    private long? AmountOf(Benefit benefit, int slot, DateOnly asOf) =>
        benefit.Field is { } field
            ? NumberAt(field, slot, asOf) is { } value ? benefit.AmountForValue(value) : null
            : benefit.AmountForValue(0);

    /// <summary>One policy over the population, under the caller's read lock.</summary>
    /// <param name="withoutClaims">Match as if every self-declared fact were absent (TRUST.md §3's "verified view").</param>
    private sealed class PolicyMatcher(EligibilityIndex index, DateOnly asOf, bool withoutClaims = false)
    {
        private readonly Dictionary<string, ulong[]?> _hidden = new(StringComparer.Ordinal);

        private readonly int _words = Bits.WordsFor(index._capacity);
        private readonly List<ulong[]> _scratch = [];
        private readonly List<ulong[]> _zeroed = [];

        public PolicyMatchResult Match(Policy policy, bool withMissingFields)
        {
            var result = new PolicyMatchResult(policy.Id, _words, index.Version, index.ReturnBitset);
            try
            {
                var eligible = result.Own(Rent(clear: false));
                result.Ineligible = result.Own(Rent(clear: false));
                result.Unknown = result.Own(Rent(clear: false));
                var (ineligible, unknown, alive) = (result.Ineligible, result.Unknown, index._alive);
                if (withMissingFields)
                {
                    result.Missing = new SortedDictionary<string, ulong[]>(StringComparer.Ordinal);
                }

                // One walk over the population (docs/eligibility.md, "One pass per policy"): the criteria, the missing
                // fields and the exclusion group, a block at a time.
                var pass = withMissingFields ? null : Compile(policy.Criteria);
                var kept = withMissingFields ? Keep(policy.Criteria) : null;
                var exclusion = ExclusionOf(policy, result);
                long eligibleCount = 0, ineligibleCount = 0, excludedCount = 0;
                for (var w0 = 0; w0 < _words; w0 += PassNode.Block)
                {
                    // The answer's bitsets are written once, counted while they are in cache.
                    var n = Math.Min(PassNode.Block, _words - w0);
                    var t = eligible.AsSpan(w0, n);
                    var f = ineligible.AsSpan(w0, n);
                    var u = unknown.AsSpan(w0, n);
                    if (kept is null)
                    {
                        pass!.Eval(w0, t, f);
                    }
                    else
                    {
                        kept.Eval(w0, n);
                        kept.T.AsSpan(0, n).CopyTo(t);
                        kept.F.AsSpan(0, n).CopyTo(f);
                    }

                    Bits.AndNotInto(u, alive.AsSpan(w0, n), t);
                    Bits.AndNot(u, f);
                    eligibleCount += BlockOps.PopCount(t);
                    ineligibleCount += BlockOps.PopCount(f);
                    if (kept is not null)
                    {
                        CollectMissing(kept, u, w0, result);
                    }

                    if (exclusion is not null)
                    {
                        excludedCount += exclusion.Apply(w0, t); // after the unknown and missing, which do not depend on it
                    }
                }

                exclusion?.Finish();
                var unknownCount = index._count - eligibleCount - ineligibleCount; // T and F are disjoint parts of the living slots
                result.Eligible = eligible;
                (result.EligibleCount, result.IneligibleCount, result.UnknownCount, result.ExcludedCount) =
                    (eligibleCount - excludedCount, ineligibleCount, unknownCount, excludedCount);
                if (withoutClaims)
                {
                    return result; // only the statuses of the verified view are read
                }

                SumAmounts(policy.Benefit, eligible, result);
                if (index.ReadsClaims(policy, index.RivalsOf(policy, asOf).Select(r => r.Policy)))
                {
                    MarkSelfDeclared(policy, result);
                }

                return result;
            }
            catch
            {
                result.Dispose();
                _zeroed.Clear(); // a pass may have stopped part way: not known to be zero
                throw;
            }
            finally
            {
                foreach (var array in _scratch)
                {
                    index.ReturnBitset(array);
                }

                foreach (var array in _zeroed)
                {
                    index._zeroedPool.Add(array);
                }
            }
        }

        /// <summary>
        /// TRUST.md §3 over the whole population at once: the same policy matched again with every claimed fact hidden
        /// (exclusion groups resolved in that view too). An outcome rests on claims where its status differs between the
        /// two views, or where it is eligible in both but the amount reads a claimed figure (in the verified view the
        /// amount would be unknown).
        /// </summary>
        private void MarkSelfDeclared(Policy policy, PolicyMatchResult result)
        {
            using var verified = new PolicyMatcher(index, asOf, withoutClaims: true).Match(policy, withMissingFields: false);
            var marks = result.Own(Rent(clear: false));
            var figure = policy.Benefit.Field is { } field ? Claimed(field) : null;
            long count = 0;
            for (var w = 0; w < _words; w++)
            {
                var word = (result.Eligible[w] ^ verified.Eligible[w]) | (result.Ineligible[w] ^ verified.Ineligible[w]) | (result.Excluded[w] ^ verified.Excluded[w]);
                if (figure is not null)
                {
                    // Eligible either way, the figure claimed: the amount rests on the claim where it is known with it.
                    var priced = result.Eligible[w] & verified.Eligible[w] & figure[w];
                    while (priced != 0)
                    {
                        var bit = System.Numerics.BitOperations.TrailingZeroCount(priced);
                        priced &= priced - 1;
                        if (index.AmountOf(policy.Benefit, (w << 6) + bit, asOf) is not null)
                        {
                            word |= 1UL << bit;
                        }
                    }
                }

                marks[w] = word;
                count += System.Numerics.BitOperations.PopCount(word);
            }

            result.SelfDeclared = marks;
            result.SelfDeclaredCount = count;
        }

        /// <summary>
        /// In the verified view, the slots where <paramref name="field"/>'s value is hidden: claimed, or for a derived field,
        /// any of its sources claimed. Null when nothing is hidden (or in the full view).
        /// </summary>
        private ulong[]? Hidden(string field) => withoutClaims ? Claimed(field) : null;

        /// <summary>The slots where <paramref name="field"/> (or, for a derived field, any of its sources) is claimed; null when none.</summary>
        private ulong[]? Claimed(string field)
        {
            if (_hidden.TryGetValue(field, out var cached))
            {
                return cached;
            }

            ulong[]? hidden = null;
            var sources = FieldCatalog.TryGet(field, out var def) && def.Sources is { } s ? s : [field];
            foreach (var source in sources)
            {
                if (index._claimed.TryGetValue(source, out var claimed) && index._claimedCount.GetValueOrDefault(source) > 0)
                {
                    if (hidden is null)
                    {
                        hidden = Scratch(clear: false);
                        claimed.AsSpan(0, _words).CopyTo(hidden);
                    }
                    else
                    {
                        Bits.Or(Span(hidden), claimed);
                    }
                }
            }

            _hidden[field] = hidden;
            return hidden;
        }

        /// <summary>The amount at a slot; in the verified view unknown where the benefit's figure is claimed.</summary>
        private long? AmountAt(Benefit benefit, int slot) =>
            benefit.Field is { } field && Hidden(field) is { } hidden && Bits.Get(hidden, slot) ? null : index.AmountOf(benefit, slot, asOf);

        private ulong[] Rent(bool clear = true)
        {
            if (!index._bitsetPool.TryTake(out var array) || array.Length != _words)
            {
                return new ulong[_words];
            }

            if (clear)
            {
                Array.Clear(array);
            }

            return array;
        }

        /// <summary>
        /// An all-zero bitset for a leaf's flips: the leaf clears each block after reading it, so after a complete pass
        /// it is zero again and goes back to its own pool without a memset (dropped if the match fails part way).
        /// </summary>
        private ulong[] Zeroed()
        {
            if (!index._zeroedPool.TryTake(out var array) || array.Length != _words)
            {
                array = new ulong[_words];
            }

            _zeroed.Add(array);
            return array;
        }

        /// <summary>A bitset for this match only; <paramref name="clear"/>: false when the caller overwrites every word.</summary>
        private ulong[] Scratch(bool clear = true)
        {
            var array = Rent(clear);
            _scratch.Add(array);
            return array;
        }

        private Span<ulong> Span(ulong[] array) => array.AsSpan(0, _words);

        /// <summary>
        /// The criteria as one pass's tree (docs/eligibility.md, "One pass per policy"): each condition becomes a leaf
        /// over ready bitsets; only a range's boundary buckets, a certification and a name are computed into a bitset
        /// first.
        /// </summary>
        private PassNode Compile(Criterion criterion) => criterion switch
        {
            AllOf all => new CombinePass([.. all.Children.Select(Compile)], isAll: true, index._alive),
            AnyOf any => new CombinePass([.. any.Children.Select(Compile)], isAll: false, index._alive),
            Not not => new NotPass(Compile(not.Child)),
            Predicate predicate => LeafOf(predicate),
            CertPredicate cert => CertLeaf(cert),
            _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "unknown criterion node"),
        };

        /// <summary>The criteria with every node's words for the block kept, for the missing fields.</summary>
        private KeptNode Keep(Criterion criterion) => criterion switch
        {
            AllOf all => new KeptNode(criterion, null, [.. all.Children.Select(Keep)], index._alive),
            AnyOf any => new KeptNode(criterion, null, [.. any.Children.Select(Keep)], index._alive),
            Not not => new KeptNode(criterion, null, [Keep(not.Child)], index._alive),
            _ => new KeptNode(criterion, Compile(criterion), [], index._alive),
        };

        /// <summary>A node of the criteria whose T and F for the current block stay readable after the block is evaluated.</summary>
        private sealed class KeptNode(Criterion criterion, PassNode? leaf, KeptNode[] children, ulong[] alive)
        {
            public readonly ulong[] T = new ulong[PassNode.Block];
            public readonly ulong[] F = new ulong[PassNode.Block];

            /// <summary>The unknown slots of the block for which this node is unknown too (the missing fields' walk).</summary>
            public readonly ulong[] Here = new ulong[PassNode.Block];

            public Criterion Criterion => criterion;

            public KeptNode[] Children => children;

            public void Eval(int w0, int n)
            {
                var t = T.AsSpan(0, n);
                var f = F.AsSpan(0, n);
                if (leaf is not null)
                {
                    leaf.Eval(w0, t, f);
                    return;
                }

                if (criterion is Not)
                {
                    children[0].Eval(w0, n);
                    children[0].F.AsSpan(0, n).CopyTo(t);
                    children[0].T.AsSpan(0, n).CopyTo(f);
                    return;
                }

                var isAll = criterion is AllOf;
                if (children.Length == 0)
                {
                    alive.AsSpan(w0, n).CopyTo(isAll ? t : f);
                    (isAll ? f : t).Clear();
                    return;
                }

                children[0].Eval(w0, n);
                children[0].T.AsSpan(0, n).CopyTo(t);
                children[0].F.AsSpan(0, n).CopyTo(f);
                foreach (var child in children.AsSpan(1))
                {
                    child.Eval(w0, n);
                    BlockOps.Fold(t, f, child.T.AsSpan(0, n), child.F.AsSpan(0, n), isAll);
                }
            }
        }

        private PassNode CertLeaf(CertPredicate cert)
        {
            DateOnly? notBefore = cert.ObtainedWithinMonths is { } months ? Dates.MinusMonths(asOf, months) : null;
            var match = index._certifications.Holding(cert.Kind, cert.Level, asOf, notBefore);
            return new BitsLeaf(index._certifications.Present, [match], hidden: Hidden(FieldCatalog.Certifications));
        }

        /// <summary>A condition as a leaf over the columns' ready bitsets (ELIGIBILITY.md §3 per field type).</summary>
        private PassNode LeafOf(Predicate predicate)
        {
            var field = FieldCatalog.Get(predicate.Field);
            var hidden = Hidden(predicate.Field);
            var values = predicate.Values;
            switch (field.Type)
            {
                case FieldType.Code:
                case FieldType.Text:
                {
                    if (field.Name == FieldCatalog.Name)
                    {
                        var texts = values.Select(v => ((TextOperand)v).Value).ToHashSet(StringComparer.Ordinal);
                        var negate = predicate.Op is Op.Ne or Op.NotIn;
                        var match = Scratch();
                        index._name.Scan(name => texts.Contains(name) != negate, Span(match));
                        return new BitsLeaf(index._name.Present, [match], hidden: hidden);
                    }

                    var column = index._categories[field.Name];
                    if (predicate.Op == Op.Under)
                    {
                        var prefix = CriteriaEvaluator.UnderPrefix(field.Name, ((TextOperand)values[0]).Value);
                        return new BitsLeaf(column.Present, column.Under(prefix) is { } under ? [under] : [], hidden: hidden);
                    }

                    var bits = values.Select(v => column.BitsOf(((TextOperand)v).Value)).OfType<ulong[]>().ToArray();
                    return new BitsLeaf(column.Present, bits, complement: predicate.Op is Op.Ne or Op.NotIn, hidden: hidden);
                }

                case FieldType.Set:
                {
                    var column = index._sets[field.Name];
                    var bits = values.Select(v => column.BitsOf(((TextOperand)v).Value)).OfType<ulong[]>().ToArray();
                    if (predicate.Op == Op.HasAll)
                    {
                        return new AllMembersLeaf(column.Present, bits, empty: bits.Length < values.Count, hidden);
                    }

                    return new BitsLeaf(column.Present, bits, complement: predicate.Op == Op.HasNone, hidden: hidden);
                }

                case FieldType.Integer:
                case FieldType.Money:
                case FieldType.Date:
                {
                    var (column, lo, hi) = ToRange(field, predicate);
                    var (upper, lower) = column.Plan(lo, hi, Zeroed, out var boundary);
                    return new BitsLeaf(column.Present, upper is null ? [] : [upper], lower, boundary, complement: predicate.Op == Op.Ne, hidden);
                }

                case FieldType.Bool:
                {
                    var wanted = ((BoolOperand)values[0]).Value != (predicate.Op == Op.Ne);
                    return new BitsLeaf(index._dishonest.Present, [index._dishonest.True], complement: !wanted, hidden: hidden);
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(predicate), predicate, "unsupported field type");
            }
        }

        /// <summary>
        /// The column and inclusive range a numeric / date predicate selects (ne selects its eq range, complemented by
        /// the caller). age_months becomes a range of founding dates: age is non-increasing in the founding date.
        /// </summary>
        private (NumberColumn Column, long Lo, long Hi) ToRange(FieldDef field, Predicate predicate)
        {
            long Operand(int i) => predicate.Values[i] switch
            {
                IntegerOperand n => n.Value,
                DateOperand d => d.Value.DayNumber,
                _ => throw new ArgumentOutOfRangeException(nameof(predicate)),
            };

            var (lo, hi) = predicate.Op switch
            {
                Op.Eq or Op.Ne => (Operand(0), Operand(0)),
                Op.Lt => (long.MinValue, Operand(0) == long.MinValue ? long.MinValue : Operand(0) - 1),
                Op.Le => (long.MinValue, Operand(0)),
                Op.Gt => (Operand(0) == long.MaxValue ? long.MaxValue : Operand(0) + 1, long.MaxValue),
                Op.Ge => (Operand(0), long.MaxValue),
                Op.Between => (Operand(0), Operand(1)),
                _ => throw new ArgumentOutOfRangeException(nameof(predicate)),
            };
            if (predicate.Op == Op.Lt && Operand(0) == long.MinValue)
            {
                return (index._numbers[field.Name == FieldCatalog.AgeMonths ? FieldCatalog.EstablishedOn : field.Name], 1, 0); // empty
            }

            if (field.Name != FieldCatalog.AgeMonths)
            {
                return (index._numbers[field.Name], lo, hi);
            }

            // age ∈ [lo, hi]  ⇔  founding day ∈ [LatestFoundingWithAge(hi + 1) + 1, LatestFoundingWithAge(lo)]
            var first = hi == long.MaxValue ? long.MinValue : LatestFoundingWithAge(hi + 1) + 1;
            var last = lo == long.MinValue ? long.MaxValue : LatestFoundingWithAge(lo);
            return (index._numbers[FieldCatalog.EstablishedOn], first, last);
        }

        /// <summary>The latest founding day number whose age_months on as_of is ≥ months; -1 when there is none.</summary>
        private long LatestFoundingWithAge(long months)
        {
            int lo = DateOnly.MinValue.DayNumber, hi = DateOnly.MaxValue.DayNumber;
            if (Age(lo) < months)
            {
                return -1;
            }

            if (Age(hi) >= months)
            {
                return hi;
            }

            while (hi - lo > 1) // invariant: Age(lo) ≥ months > Age(hi)
            {
                var mid = lo + (hi - lo) / 2;
                if (Age(mid) >= months)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;

            long Age(int day) => Dates.AgeMonths(DateOnly.FromDayNumber(day), asOf);
        }

        /// <summary>
        /// 就高不重复 for the whole population: the rivals are the in-force policies sharing the group. With fixed
        /// amounts the ranking is one order for everybody (bitwise); otherwise amounts are compared enterprise by
        /// enterprise, for the enterprises eligible for this policy and some rival only.
        /// </summary>
        /// <summary>
        /// The policy's exclusion group, resolved in its pass (null when it has none, or no rival in force): with fixed
        /// amounts only the rivals that beat it are evaluated, in rank order, each taking the slots still left; otherwise
        /// every rival is, and each contested slot goes to the highest amount there (ExclusionGroups.Beats).
        /// </summary>
        private Exclusion? ExclusionOf(Policy policy, PolicyMatchResult result)
        {
            if (policy.ExclusionGroup is not { } group)
            {
                result.Excluded = index.Zeros;
                return null;
            }

            result.Excluded = result.Own(Rent());
            var rivals = index.Policies.Where(p => p.ExclusionGroup == group && p.Id != policy.Id && p.IsInForce(asOf)).ToList();
            var isFixed = policy.Benefit is FixedBenefit && rivals.All(r => r.Benefit is FixedBenefit);
            if (isFixed)
            {
                static long Fixed(Policy p) => ((FixedBenefit)p.Benefit).AmountFen;
                rivals = [.. rivals
                    .Where(r => ExclusionGroups.Beats(r.Id, Fixed(r), policy.Id, Fixed(policy)))
                    .OrderBy(r => r, Comparer<Policy>.Create((a, b) =>
                        a.Id == b.Id ? 0 : ExclusionGroups.Beats(a.Id, Fixed(a), b.Id, Fixed(b)) ? -1 : 1))];
            }

            // Every rival compiled here is evaluated over every block: its flips are cleared only by a whole pass.
            return rivals.Count == 0
                ? null
                : new Exclusion(this, policy, result, [.. rivals.Select(r => new Rival(r, Compile(r.Criteria), isFixed ? result.Own(Rent(clear: false)) : null))], isFixed);
        }

        /// <summary>A rival of the policy's exclusion group: its pass, its T for the block, and what it won (written per block when amounts are fixed).</summary>
        private sealed record Rival(Policy Policy, PassNode Pass, ulong[]? Won)
        {
            public readonly ulong[] T = new ulong[PassNode.Block];

            public bool WonAny { get; set; }
        }

        private sealed class Exclusion(PolicyMatcher matcher, Policy policy, PolicyMatchResult result, Rival[] rivals, bool isFixed)
        {
            private readonly ulong[] _f = new ulong[PassNode.Block];
            private readonly ulong[] _taken = new ulong[PassNode.Block];

            /// <summary>Takes the slots rivals win out of the block's eligible <paramref name="t"/>; returns how many.</summary>
            public long Apply(int w0, Span<ulong> t)
            {
                var n = t.Length;
                foreach (var rival in rivals)
                {
                    rival.Pass.Eval(w0, rival.T.AsSpan(0, n), _f.AsSpan(0, n));
                }

                long count = 0;
                if (isFixed)
                {
                    // Slots eligible for both, not yet given to a higher-ranked rival.
                    var taken = _taken.AsSpan(0, n);
                    taken.Clear();
                    foreach (var rival in rivals)
                    {
                        var won = rival.Won.AsSpan(w0, n);
                        var any = 0UL;
                        for (var i = 0; i < n; i++)
                        {
                            won[i] = t[i] & rival.T[i] & ~taken[i];
                            taken[i] |= won[i];
                            any |= won[i];
                        }

                        rival.WonAny |= any != 0;
                    }

                    taken.CopyTo(result.Excluded.AsSpan(w0, n));
                    Bits.AndNot(t, taken);
                    return BlockOps.PopCount(taken);
                }

                for (var i = 0; i < n; i++)
                {
                    var contested = 0UL;
                    foreach (var rival in rivals)
                    {
                        contested |= rival.T[i];
                    }

                    contested &= t[i];
                    while (contested != 0)
                    {
                        var bit = System.Numerics.BitOperations.TrailingZeroCount(contested);
                        contested &= contested - 1;
                        var slot = ((w0 + i) << 6) + bit;
                        var (winnerId, winnerAmount) = (policy.Id, matcher.AmountAt(policy.Benefit, slot));
                        foreach (var rival in rivals)
                        {
                            if ((rival.T[i] & (1UL << bit)) != 0)
                            {
                                var amount = matcher.AmountAt(rival.Policy.Benefit, slot);
                                if (ExclusionGroups.Beats(rival.Policy.Id, amount, winnerId, winnerAmount))
                                {
                                    (winnerId, winnerAmount) = (rival.Policy.Id, amount);
                                }
                            }
                        }

                        if (winnerId != policy.Id)
                        {
                            if (!result.ExcludedBy.TryGetValue(winnerId, out var bits))
                            {
                                result.ExcludedBy[winnerId] = bits = result.Own(matcher.Rent());
                            }

                            Bits.Set(bits, slot);
                            Bits.Set(result.Excluded, slot);
                            t[i] &= ~(1UL << bit);
                            count++;
                        }
                    }
                }

                return count;
            }

            /// <summary>With fixed amounts, the rivals that won any slot, in rank order.</summary>
            public void Finish()
            {
                foreach (var rival in rivals)
                {
                    if (rival.WonAny)
                    {
                        result.ExcludedBy[rival.Policy.Id] = rival.Won!;
                    }
                }
            }
        }

        /// <summary>
        /// ELIGIBILITY.md §5.4, bitwise over the block: a leaf's field is missing where the leaf and every ancestor are
        /// unknown. Derived fields name their absent sources (both when none is absent, i.e. annual_revenue = 0).
        /// </summary>
        private void CollectMissing(KeptNode node, ReadOnlySpan<ulong> mask, int w0, PolicyMatchResult result)
        {
            var n = mask.Length;
            var here = node.Here.AsSpan(0, n);
            var any = 0UL;
            for (var i = 0; i < n; i++)
            {
                here[i] = mask[i] & ~node.T[i] & ~node.F[i];
                any |= here[i];
            }

            if (any == 0)
            {
                return;
            }

            switch (node.Criterion)
            {
                case Predicate predicate:
                    var field = FieldCatalog.Get(predicate.Field);
                    if (field.Name == FieldCatalog.RdRatioBp)
                    {
                        var rd = index._numbers[FieldCatalog.RdExpense].Present;
                        var revenue = index._numbers[FieldCatalog.AnnualRevenue].Present;
                        AddMissing(FieldCatalog.RdExpense, here, w0, (w, m) => m & (~rd[w] | revenue[w]), result);
                        AddMissing(FieldCatalog.AnnualRevenue, here, w0, (w, m) => m & (~revenue[w] | rd[w]), result);
                    }
                    else
                    {
                        AddMissing(field.IsDerived ? field.Sources![0] : field.Name, here, w0, (_, m) => m, result);
                    }

                    break;
                case CertPredicate:
                    AddMissing(FieldCatalog.Certifications, here, w0, (_, m) => m, result);
                    break;
                default:
                    foreach (var child in node.Children)
                    {
                        CollectMissing(child, here, w0, result);
                    }

                    break;
            }
        }

        private void AddMissing(string field, ReadOnlySpan<ulong> here, int w0, Func<int, ulong, ulong> select, PolicyMatchResult result)
        {
            if (!result.Missing!.TryGetValue(field, out var bits))
            {
                result.Missing[field] = bits = result.Own(Rent());
            }

            for (var i = 0; i < here.Length; i++)
            {
                bits[w0 + i] |= select(w0 + i, here[i]);
            }
        }

        private void SumAmounts(Benefit benefit, ulong[] eligible, PolicyMatchResult result)
        {
            if (benefit is FixedBenefit fixedBenefit)
            {
                result.TotalAmountFen = fixedBenefit.AmountFen * result.EligibleCount;
                return;
            }

            long total = 0, unknown = 0;
            foreach (var slot in Bits.Enumerate(eligible))
            {
                if (index.AmountOf(benefit, slot, asOf) is { } amount)
                {
                    total += amount;
                }
                else
                {
                    unknown++;
                }
            }

            result.TotalAmountFen = total;
            result.UnknownAmountCount = unknown;
        }
    }

    /// <summary>One policy set as every reader sees it: compiled, by id, in id order, and its conjunct index, swapped in whole.</summary>
    private sealed class PolicySet
    {
        public static readonly PolicySet Empty = new([]);

        private InForceOn? _inForce;

        /// <summary>The policies in force on one date, and their positions ascending and in id order.</summary>
        private sealed record InForceOn(DateOnly AsOf, Policy[] Policies, int[] Positions, int[] PositionsInIdOrder);

        public PolicySet(Policy[] policies)
        {
            Policies = policies;
            ById = policies.ToDictionary(p => p.Id, StringComparer.Ordinal);
            Compiled = [.. policies.Select(p => new CompiledPolicy(p))];
            CompiledById = Compiled.ToDictionary(c => c.Policy.Id, StringComparer.Ordinal);
            IdOrder = [.. Enumerable.Range(0, policies.Length).OrderBy(i => policies[i].Id, StringComparer.Ordinal)];
            Conjuncts = new ConjunctIndex(Compiled);
            Ineligible = [.. Compiled.Select(c => c.Ineligible)];
            ReadsName = Compiled.Any(c => c.Reads(FieldCatalog.Name));
        }

        /// <summary>Whether any policy asks for the name: if none does, a row read for matching skips decoding it.</summary>
        public bool ReadsName { get; }

        /// <summary>Each policy's answer for an enterprise it cannot apply to, by position (shared, never changed).</summary>
        public PolicyAnswer[] Ineligible { get; }

        public Policy[] Policies { get; }
        public Dictionary<string, Policy> ById { get; }
        public CompiledPolicy[] Compiled { get; }
        public Dictionary<string, CompiledPolicy> CompiledById { get; }

        /// <summary>Positions of <see cref="Compiled"/> by policy id, ordinal.</summary>
        public int[] IdOrder { get; }

        public ConjunctIndex Conjuncts { get; }

        /// <summary>The policies in force on a date (kept for the last date asked: answers with claims need them for rivals).</summary>
        public IReadOnlyList<Policy> InForce(DateOnly asOf) => On(asOf).Policies;

        /// <summary>
        /// Positions of the policies in force on <paramref name="asOf"/>, ascending or in id order: worked out once per
        /// date, so an enterprise's answer does not visit every policy object to ask whether it is in force (those
        /// visits were a quarter of <c>enterprise_over_1k_policies_us</c>; docs/eligibility.md).
        /// </summary>
        public int[] PositionsInForce(DateOnly asOf, bool inIdOrder = false) => inIdOrder ? On(asOf).PositionsInIdOrder : On(asOf).Positions;

        private InForceOn On(DateOnly asOf)
        {
            if (Volatile.Read(ref _inForce) is { } cached && cached.AsOf == asOf)
            {
                return cached;
            }

            int[] positions = [.. Enumerable.Range(0, Policies.Length).Where(i => Policies[i].IsInForce(asOf))];
            var on = new InForceOn(asOf, [.. positions.Select(i => Policies[i])], positions, [.. IdOrder.Where(i => Policies[i].IsInForce(asOf))]);
            Volatile.Write(ref _inForce, on);
            return on;
        }

        /// <summary>The positions (ascending) of the policies in force that pass every guard for the profile, and how many are in force.</summary>
        /// <param name="inIdOrder">Positions in policy id order (<see cref="IdOrder"/>) instead of ascending.</param>
        public (int[] Candidates, int InForce) Candidates(EnterpriseProfile profile, string[]? claims, DateOnly asOf, bool inIdOrder = false) =>
            Candidates(profile, claims, asOf, inIdOrder, deferrable: null);

        /// <param name="deferrable">
        /// When given, filled with whether each candidate passed a guard only because its field is absent: never eligible,
        /// so its answer can wait until a page reaches it (<see cref="RankedAnswers"/>).
        /// </param>
        public (int[] Candidates, int InForce) Candidates(EnterpriseProfile profile, string[]? claims, DateOnly asOf, bool inIdOrder, List<bool>? deferrable)
        {
            var words = (Conjuncts.GuardCount + 63) >> 6;
            var rented = System.Buffers.ArrayPool<ulong>.Shared.Rent(2 * words);
            try
            {
                var passed = rented.AsSpan(0, words);
                var absent = deferrable is null ? default : rented.AsSpan(words, words);
                Conjuncts.Mark(new ProfileFacts(profile, asOf), claims, passed, absent);
                var inForce = PositionsInForce(asOf, inIdOrder);
                var candidates = new List<int>();
                foreach (var i in inForce)
                {
                    if (Conjuncts.Passes(i, passed))
                    {
                        candidates.Add(i);
                        deferrable?.Add(Conjuncts.Any(i, absent));
                    }
                }

                return ([.. candidates], inForce.Length);
            }
            finally
            {
                System.Buffers.ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }
}
