using Huiqi.Domain.Criteria;
using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Profiles;

namespace Huiqi.Domain.Matching;

/// <summary>
/// An inverted index over the policies' top-level conjuncts (k-index style), so that one enterprise's answer visits
/// only the policies it could satisfy. A policy whose criteria are an <c>all</c> is false as soon as one child is
/// false (ELIGIBILITY.md §3, three-valued <c>all</c>); each child that is a plain condition on a stored categorical
/// field — <c>eq</c>/<c>in</c>/<c>under</c> on a code, <c>has_any</c>/<c>has_all</c> on a set, <c>eq</c>/<c>ne</c> on
/// a yes/no field, a certification — becomes a guard with keys (its operands, a prefix, a kind), and a range on a number
/// (stored or derived: <c>lt</c>, <c>le</c>, <c>gt</c>, <c>ge</c>, <c>eq</c>, <c>between</c>) one guard per bound. A guard
/// passes for an enterprise when the field is absent there (unknown is not false) or when one of the enterprise's keys
/// (its value, every prefix of it, every member of its set, every kind it holds) is among the guard's, or its number is
/// within the bound. A policy with a
/// failed guard is ineligible without evaluating it; every other policy is a candidate and is evaluated as before,
/// so statuses, amounts, missing fields and exclusion groups stay exact (the randomized tests hold the index's
/// answers to the reference evaluator). A guard is a necessary condition only: <c>has_all</c> passes on any one
/// member, a certification on its kind, level and dates (exactly as the condition).
/// </summary>
/// <remarks>
/// The cost of one enterprise is the postings of its own keys plus one pass over the policies' guard bits, instead
/// of evaluating every policy (docs/eligibility.md, "An enterprise's answer over many policies"). Fields the
/// enterprise claims (TRUST.md §3) count as absent here, so that a policy left out is ineligible on checked facts
/// alone and its basis is <c>verified</c> without answering it a second time.
/// </remarks>
internal sealed class ConjunctIndex
{
    private readonly int[] _start;
    private readonly FieldGuards[] _fields;

    public ConjunctIndex(IReadOnlyList<CompiledPolicy> policies)
    {
        _start = new int[policies.Count + 1];
        _exact = new bool[policies.Count];
        var byField = new Dictionary<string, FieldGuards>(StringComparer.Ordinal);
        var guard = 0;
        for (var i = 0; i < policies.Count; i++)
        {
            _start[i] = guard;
            _exact[i] = true;
            foreach (var conjunct in Conjuncts(policies[i].Policy.Criteria))
            {
                var specs = GuardsOf(conjunct);
                _exact[i] &= specs.Any() && IsExactKind(conjunct);
                foreach (var spec in specs)
                {
                    if (!byField.TryGetValue(spec.Field, out var guards))
                    {
                        byField[spec.Field] = guards = new FieldGuards(spec.Field);
                    }

                    guards.All.Add(guard);
                    if (spec.Cert is { } cert)
                    {
                        if (!guards.Certs.TryGetValue(cert.Kind, out var list))
                        {
                            guards.Certs[cert.Kind] = list = [];
                        }

                        list.Add((guard, cert));
                    }
                    else if (spec.Keys is { } keys)
                    {
                        var postings = spec.Prefix ? guards.Prefixes : guards.Values;
                        foreach (var key in keys.Distinct(StringComparer.Ordinal))
                        {
                            if (!postings.TryGetValue(key, out var list))
                            {
                                postings[key] = list = [];
                            }

                            list.Add(guard);
                        }
                    }
                    else if (spec.AtLeast is { } lo)
                    {
                        guards.AtLeast.Add((lo, guard));
                    }
                    else if (spec.AtMost is { } hi)
                    {
                        guards.AtMost.Add((hi, guard));
                    }

                    guard++;
                }
            }
        }

        _start[policies.Count] = guard;
        GuardCount = guard;
        foreach (var guards in byField.Values)
        {
            guards.Seal(GuardCount);
            foreach (var list in guards.Values.Values.Concat(guards.Prefixes.Values).Concat(guards.CertGroups.Values.SelectMany(c => c.Select(g => g.Guards)))
                .Append(guards.All).Where(l => l.Count >= DenseFrom))
            {
                var bits = new ulong[(GuardCount + 63) >> 6];
                foreach (var g in list)
                {
                    Set(bits, g);
                }

                _dense[list] = bits;
            }
        }

        _fields = [.. byField.Values];
        _words = new GuardWords[policies.Count];
        for (var i = 0; i < policies.Count; i++)
        {
            _words[i] = GuardWords.Of(_start[i], _start[i + 1]);
        }
    }

    private readonly GuardWords[] _words;

    /// <summary>Per policy: every conjunct is decided exactly by its guards (see <see cref="IsExact(int)"/>).</summary>
    private readonly bool[] _exact;

    /// <summary>
    /// Whether policy <paramref name="policy"/> is eligible wherever its guards all pass on facts present and not claimed:
    /// its criteria are an <c>all</c> (or one condition) whose every conjunct has guards that pass exactly when it is
    /// true on a known fact — not merely when it may be (<c>has_all</c> passes on any one member; a condition with no
    /// guard is not decided at all). Such a candidate needs no evaluation to be known eligible.
    /// </summary>
    public bool IsExact(int policy) => _exact[policy];

    /// <summary>
    /// Long postings (a common value or prefix shared by thousands of policies) also as a bitset over the guards, ORed in
    /// a word at a time instead of setting thousands of bits one by one.
    /// </summary>
    private readonly Dictionary<List<int>, ulong[]> _dense = new(ReferenceEqualityComparer.Instance);

    private const int DenseFrom = 256;

    /// <summary>
    /// A policy's guards as at most two (word, mask) pairs — they have consecutive numbers, so a policy with fewer than
    /// 64 guards spans one or two words — checked without a loop; <c>Long</c> for the rare policy with more.
    /// </summary>
    private readonly record struct GuardWords(int First, ulong FirstMask, int Second, ulong SecondMask, bool Long)
    {
        public static GuardWords Of(int start, int end)
        {
            if (start == end)
            {
                return default; // no guard: passes
            }

            var (first, last) = (start >> 6, (end - 1) >> 6);
            if (last > first + 1)
            {
                return new(0, 0, 0, 0, Long: true);
            }

            ulong Mask(int from, int to) => (to - from == 64 ? ulong.MaxValue : (1UL << (to - from)) - 1) << (from & 63);
            return first == last
                ? new(first, Mask(start, end), first, 0, false)
                : new(first, Mask(start, (first + 1) << 6), last, Mask(last << 6, end), false);
        }
    }

    /// <summary>Guards over all policies (bits of the buffer <see cref="Mark"/> fills).</summary>
    public int GuardCount { get; }

    /// <summary>
    /// Sets in <paramref name="passed"/> (cleared, ⌈<see cref="GuardCount"/>/64⌉ words) the bit of every guard that passes
    /// for the profile; in <paramref name="absent"/> (same size, or empty: not wanted) those that pass only because
    /// their field is absent — a policy with one of them is never eligible (its `all` is at best unknown, §2).
    /// </summary>
    public void Mark(ProfileFacts facts, IReadOnlyCollection<string>? claims, Span<ulong> passed, Span<ulong> absent = default)
    {
        passed.Clear();
        absent.Clear();
        var profile = facts.Profile;
        foreach (var guards in _fields)
        {
            if (claims is not null && (claims.Contains(guards.Field) || (guards.Sources is { } sources && sources.Any(claims.Contains))))
            {
                Set(passed, guards.All);
                continue;
            }

            if (guards.IsNumber)
            {
                if (CompiledPolicy.NumberOf(facts, guards.Field) is not { } number)
                {
                    SetAbsent(passed, absent, guards.All);
                    continue;
                }

                // Lower bounds sorted ascending: those at most the value pass (a prefix); upper bounds: those at least it
                // (a suffix, kept reversed so that it is a prefix too). A long prefix starts from a ready checkpoint.
                guards.AtLeastPassed.Mark(passed, number, atLeast: true);
                guards.AtMostPassed.Mark(passed, number, atLeast: false);
                continue;
            }

            switch (guards.Field)
            {
                case FieldCatalog.TechDomains or FieldCatalog.Tags:
                    if (FieldValue.Set(profile, guards.Field) is not { } set)
                    {
                        SetAbsent(passed, absent, guards.All);
                        break;
                    }

                    foreach (var member in set)
                    {
                        SetKey(passed, guards.Values, member);
                    }

                    break;

                case FieldCatalog.Certifications:
                    if (profile.Certifications is not { } held)
                    {
                        SetAbsent(passed, absent, guards.All);
                        break;
                    }

                    // Exact: a certification of the kind that holds on the date, of the level and obtained recently
                    // enough, as the condition itself asks (CriteriaEvaluator.Holds).
                    foreach (var cert in held)
                    {
                        if (guards.CertGroups.TryGetValue(cert.Kind, out var conditions))
                        {
                            // Each distinct condition once (a kind, level and recency shared by thousands of policies).
                            foreach (var (condition, list) in conditions)
                            {
                                if (CriteriaEvaluator.Holds(condition, cert, facts.AsOf))
                                {
                                    Set(passed, list);
                                }
                            }
                        }
                    }

                    break;

                case FieldCatalog.Dishonest:
                    if (profile.Dishonest is not { } dishonest)
                    {
                        SetAbsent(passed, absent, guards.All);
                        break;
                    }

                    SetKey(passed, guards.Values, dishonest ? bool.TrueString : bool.FalseString);
                    break;

                default:
                    if (FieldValue.Text(profile, guards.Field) is not { } value)
                    {
                        SetAbsent(passed, absent, guards.All);
                        break;
                    }

                    SetKey(passed, guards.Values, value);
                    if (guards.Prefixes.Count > 0)
                    {
                        // Every prefix, the empty one included (an `under` whose region code is all zeros).
                        var prefixes = guards.Prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
                        for (var length = 0; length <= value.Length; length++)
                        {
                            if (prefixes.TryGetValue(value.AsSpan(0, length), out var list))
                            {
                                Set(passed, list);
                            }
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Whether every guard of policy <paramref name="policy"/> (its position in the set) passed.</summary>
    public bool Passes(int policy, ReadOnlySpan<ulong> passed)
    {
        var words = _words[policy];
        if (!words.Long)
        {
            return words.FirstMask == 0
                || ((passed[words.First] & words.FirstMask) == words.FirstMask && (passed[words.Second] & words.SecondMask) == words.SecondMask);
        }

        // A policy's guards have consecutive numbers: all of them passed is a run of set bits, checked a word at a time.
        for (int g = _start[policy], end = _start[policy + 1]; g < end;)
        {
            var bit = g & 63;
            var n = Math.Min(64 - bit, end - g);
            var mask = (n == 64 ? ulong.MaxValue : (1UL << n) - 1) << bit;
            if ((passed[g >> 6] & mask) != mask)
            {
                return false;
            }

            g += n;
        }

        return true;
    }

    private void SetKey(Span<ulong> passed, Dictionary<string, List<int>> postings, string key)
    {
        if (postings.TryGetValue(key, out var list))
        {
            Set(passed, list);
        }
    }

    private static void Set(Span<ulong> passed, int g) => passed[g >> 6] |= 1UL << g;

    private void SetAbsent(Span<ulong> passed, Span<ulong> absent, List<int> guards)
    {
        Set(passed, guards);
        if (!absent.IsEmpty)
        {
            Set(absent, guards);
        }
    }

    /// <summary>Whether any guard of policy <paramref name="policy"/> is set in <paramref name="bits"/>.</summary>
    public bool Any(int policy, ReadOnlySpan<ulong> bits)
    {
        for (int g = _start[policy], end = _start[policy + 1]; g < end;)
        {
            var bit = g & 63;
            var n = Math.Min(64 - bit, end - g);
            var mask = (n == 64 ? ulong.MaxValue : (1UL << n) - 1) << bit;
            if ((bits[g >> 6] & mask) != 0)
            {
                return true;
            }

            g += n;
        }

        return false;
    }

    private void Set(Span<ulong> passed, List<int> guards)
    {
        if (guards.Count >= DenseFrom && _dense.TryGetValue(guards, out var bits))
        {
            Bits.Or(passed, bits);
            return;
        }

        foreach (var g in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(guards))
        {
            passed[g >> 6] |= 1UL << g;
        }
    }

    /// <summary>The children of nested <c>all</c>s: each must not be false for the policy to be.</summary>
    private static IEnumerable<Criterion> Conjuncts(Criterion criterion) =>
        criterion is AllOf all ? all.Children.SelectMany(Conjuncts) : [criterion];

    /// <summary>A necessary condition of a conjunct: keys (values or prefixes) of a categorical field, or one bound of a number.</summary>
    private sealed record GuardSpec(string Field, bool Prefix = false, string[]? Keys = null, long? AtLeast = null, long? AtMost = null, CertPredicate? Cert = null);

    /// <summary>
    /// Whether a conjunct that has guards has them pass exactly where it is true on a known fact (a range's bounds,
    /// values, one prefix, any member, a yes/no, a certification): every kind that has guards except <c>has_all</c>.
    /// </summary>
    private static bool IsExactKind(Criterion conjunct) => conjunct is not Predicate { Op: Op.HasAll } && conjunct is Not or CertPredicate or Predicate;

    /// <summary>The guards of a conjunct (a range gives one per bound); none when it is no guard.</summary>
    private static IEnumerable<GuardSpec> GuardsOf(Criterion conjunct)
    {
        // `not (dishonest = true)`: a yes/no field has two values, so the negation is the other one (unknown stays unknown).
        if (conjunct is Not { Child: Predicate { Values: [BoolOperand inner] } negated }
            && FieldCatalog.TryGet(negated.Field, out var boolField) && boolField.Type == FieldType.Bool && negated.Op is Op.Eq or Op.Ne)
        {
            var wanted = inner.Value != (negated.Op == Op.Ne);
            return [new(boolField.Name, Keys: [!wanted ? bool.TrueString : bool.FalseString])];
        }

        if (conjunct is CertPredicate cert)
        {
            return [new(FieldCatalog.Certifications, Cert: cert)];
        }

        if (conjunct is not Predicate predicate || !FieldCatalog.TryGet(predicate.Field, out var field))
        {
            return [];
        }

        if (field.Type is FieldType.Integer or FieldType.Money or FieldType.Date)
        {
            return NumericBounds.Of(predicate) is var (lo, hi)
                ? [.. lo is { } l ? [new GuardSpec(field.Name, AtLeast: l)] : Array.Empty<GuardSpec>(), .. hi is { } h ? [new GuardSpec(field.Name, AtMost: h)] : Array.Empty<GuardSpec>()]
                : [];
        }

        if (field.IsDerived)
        {
            return [];
        }

        string[] texts = [.. predicate.Values.OfType<TextOperand>().Select(v => v.Value)];
        GuardSpec? spec = (field.Type, predicate.Op) switch
        {
            (FieldType.Code or FieldType.Text, Op.Eq or Op.In) => new(field.Name, Keys: texts),
            (FieldType.Code or FieldType.Text, Op.Under) when texts.Length == 1 =>
                new(field.Name, Prefix: true, Keys: [field.Name == FieldCatalog.Region ? CriteriaEvaluator.RegionPrefix(texts[0]) : texts[0]]),
            (FieldType.Set, Op.HasAny or Op.HasAll) => new(field.Name, Keys: texts),
            (FieldType.Bool, Op.Eq or Op.Ne) when predicate.Values is [BoolOperand wanted] =>
                new(field.Name, Keys: [(wanted.Value != (predicate.Op == Op.Ne)) ? bool.TrueString : bool.FalseString]),
            _ => null,
        };
        return spec is { Keys.Length: > 0 } ? [spec] : [];
    }

    /// <summary>One field's guards: all of them (passed when the field is absent), by key, or by bound for a number.</summary>
    private sealed class FieldGuards(string field)
    {
        public string Field { get; } = field;
        public bool IsNumber { get; } = FieldCatalog.TryGet(field, out var def) && def.Type is FieldType.Integer or FieldType.Money or FieldType.Date;
        public string[]? Sources { get; } = FieldCatalog.TryGet(field, out var d) ? d.Sources : null;
        public List<int> All { get; } = [];
        public Dictionary<string, List<int>> Values { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<int>> Prefixes { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<(int Guard, CertPredicate Cert)>> Certs { get; } = new(StringComparer.Ordinal);
        public List<(long Bound, int Guard)> AtLeast { get; } = [];
        public List<(long Bound, int Guard)> AtMost { get; } = [];
        public BoundGuards AtLeastPassed { get; private set; } = BoundGuards.Empty;
        public BoundGuards AtMostPassed { get; private set; } = BoundGuards.Empty;

        /// <summary>Per certification kind, each distinct condition with its guards.</summary>
        public Dictionary<string, (CertPredicate Condition, List<int> Guards)[]> CertGroups { get; private set; } = [];

        public void Seal(int guardCount)
        {
            CertGroups = Certs.ToDictionary(k => k.Key, k => k.Value.GroupBy(c => c.Cert).Select(g => (g.Key, g.Select(c => c.Guard).ToList())).ToArray(), StringComparer.Ordinal);
            AtLeastPassed = new BoundGuards([.. AtLeast.OrderBy(b => b.Bound)], guardCount);
            AtMostPassed = new BoundGuards([.. AtMost.OrderByDescending(b => b.Bound)], guardCount);
        }
    }

    /// <summary>
    /// One side of a number's guards in the order they pass (lower bounds ascending, upper bounds descending): the guards
    /// passed by a value are a prefix. With thousands of policies a prefix is thousands of bits, so every
    /// <see cref="Stride"/> entries a checkpoint holds the prefix so far as a ready bitset over all guards, ORed in whole.
    /// </summary>
    private sealed class BoundGuards
    {
        public static readonly BoundGuards Empty = new([], 0);
        private const int Stride = 512;
        private readonly (long Bound, int Guard)[] _sorted;
        private readonly ulong[][] _checkpoints; // [c]: the guards of entries [0, (c + 1) · Stride)

        public BoundGuards((long Bound, int Guard)[] sorted, int guardCount)
        {
            _sorted = sorted;
            _checkpoints = new ulong[sorted.Length / Stride][];
            var words = (guardCount + 63) >> 6;
            for (var c = 0; c < _checkpoints.Length; c++)
            {
                var bits = c == 0 ? new ulong[words] : (ulong[])_checkpoints[c - 1].Clone();
                for (var k = c * Stride; k < (c + 1) * Stride; k++)
                {
                    Set(bits, sorted[k].Guard);
                }

                _checkpoints[c] = bits;
            }
        }

        public void Mark(Span<ulong> passed, long number, bool atLeast)
        {
            // The passing prefix: entries whose bound is ≤ the value (lower bounds) or ≥ it (upper bounds).
            int lo = 0, hi = _sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (atLeast ? _sorted[mid].Bound <= number : _sorted[mid].Bound >= number) { lo = mid + 1; } else { hi = mid; }
            }

            var from = 0;
            if (lo >= Stride)
            {
                var c = lo / Stride - 1;
                Bits.Or(passed, _checkpoints[c]);
                from = (c + 1) * Stride;
            }

            for (var k = from; k < lo; k++)
            {
                Set(passed, _sorted[k].Guard);
            }
        }
    }
}
