using Huiqi.Domain.Evaluation;
using Huiqi.Domain.Policies;

namespace Huiqi.Domain.Matching;

/// <summary>
/// One enterprise's answers over the policies in force, in the order both faces show them (docs/eligibility.md):
/// eligible, excluded, unknown, ineligible; larger amounts first within each, then by policy id (ordinal). The count
/// and the eligible total are the whole list's; <see cref="Page"/> materialises only the answers asked for.
/// </summary>
/// <remarks>
/// Ineligible answers carry no amount, so they are ranked by id alone: they are read in the set's id order instead
/// of being sorted, and the policies the conjunct index left out share one answer object each. A page costs its
/// own answers plus, once it reaches the ineligible tail, one pass over the policy ids. Policies that can never be
/// eligible are answered only when a page reaches them, so one instance serves one caller at a time.
/// </remarks>
public sealed class RankedAnswers
{
    private readonly HeadKey[] _head;   // eligible and excluded candidates; [0, _ordered) in list order, the rest after them unordered
    private int _ordered;
    private readonly CompiledPolicy[] _compiled;
    private readonly int[] _idOrder;
    private readonly int[] _candidates;
    private readonly PolicyAnswer?[] _answered;
    private readonly ProfileFacts _facts;
    private readonly DateOnly _asOf;
    private readonly List<int> _unknown = []; // candidates (k) answered unknown, in id order, found so far
    private int _scanned;                      // candidates looked at for _unknown

    /// <param name="candidates">The positions not left out by the conjunct index, in policy id order.</param>
    /// <param name="answered">
    /// Their answers, unknown ones without their missing fields (filled in per page); null for a candidate that can never
    /// be eligible (an absent field under a guard), answered only when a page reaches it.
    /// </param>
    internal RankedAnswers(CompiledPolicy[] compiled, int[] idOrder, int[] candidates, PolicyAnswer?[] answered, int inForce, ProfileFacts facts)
    {
        (_compiled, _idOrder, _candidates, _answered, _facts, _asOf) = (compiled, idOrder, candidates, answered, facts, facts.AsOf);
        // Eligible and excluded answers are ranked by amount; unknown ones carry none, so the id order they come in is
        // their rank, and they follow the head as a page reaches them.
        // Sorted on a value key: candidates come in policy id order, so (status rank, larger amount first, k) is the
        // list's order without comparing ids as strings (the head of an enterprise eligible for thousands of policies).
        // Only as much of the head is put in order as the pages asked for need (OrderHead).
        var keys = new List<HeadKey>();
        for (var k = 0; k < candidates.Length; k++)
        {
            if (answered[k] is { Status: EligibilityStatus.Eligible or EligibilityStatus.Excluded } answer)
            {
                keys.Add(new HeadKey(Rank(answer.Status), answer.AmountFen ?? 0, k));
                EligibleTotalFen += answer.Status == EligibilityStatus.Eligible ? answer.AmountFen ?? 0 : 0;
            }
        }

        _head = [.. keys];
        Count = inForce;
    }

    /// <summary>Answers in the whole list (every policy in force).</summary>
    public int Count { get; }

    /// <summary>Policies the conjunct index did not leave out (evaluated, or to be evaluated when a page reaches them).</summary>
    public int Evaluated => _candidates.Length;

    /// <summary>Of those, the ones evaluated so far.</summary>
    public int EvaluatedSoFar => _answered.Count(a => a is not null);

    /// <summary>The sum of the eligible answers' known amounts.</summary>
    public long EligibleTotalFen { get; }

    /// <summary>Answers of the ranked list from <paramref name="offset"/>, at most <paramref name="limit"/> (0: all), each with the version it answers.</summary>
    public IReadOnlyList<(PolicyAnswer Answer, Policy Policy)> Page(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var wanted = Math.Max(0, Math.Min(limit == 0 ? int.MaxValue : limit, Count - offset));
        var page = new List<(PolicyAnswer, Policy)>(wanted);
        OrderHead(Math.Min(_head.Length, offset + wanted));
        for (var i = offset; i < _head.Length && page.Count < wanted; i++)
        {
            var k = _head[i].K;
            page.Add((_answered[k]!, _compiled[_candidates[k]].Policy));
        }

        // The unknown ones, in id order, answered as far as the page needs.
        for (var u = Math.Max(0, offset - _head.Length); page.Count < wanted && UnknownAt(u) is var k and >= 0; u++)
        {
            var policy = _compiled[_candidates[k]];
            page.Add((policy.WithMissingFields(AnswerAt(k), _facts), policy.Policy));
        }

        if (page.Count == wanted)
        {
            return page;
        }

        // The ineligible tail, by id: the candidates (also in id order) that answered ineligible, and every policy in
        // force the conjunct index left out.
        var skip = Math.Max(0, offset - _head.Length - _unknown.Count);
        var next = 0;
        foreach (var position in _idOrder)
        {
            PolicyAnswer answer;
            if (next < _candidates.Length && _candidates[next] == position)
            {
                answer = AnswerAt(next++);
                if (answer.Status != EligibilityStatus.Ineligible)
                {
                    continue;
                }
            }
            else if (_compiled[position].Policy.IsInForce(_asOf))
            {
                answer = _compiled[position].Ineligible;
            }
            else
            {
                continue;
            }

            if (skip > 0)
            {
                skip--;
                continue;
            }

            page.Add((answer, _compiled[position].Policy));
            if (page.Count == wanted)
            {
                break;
            }
        }

        return page;
    }

    /// <summary>
    /// Puts the head's first <paramref name="count"/> keys in list order. A first page of an enterprise eligible for
    /// thousands of policies needs only its 50 smallest: they are selected with a bounded max-heap in place (each key
    /// past the first <paramref name="count"/> costs one comparison with the heap's top unless it belongs in it) and
    /// only they are sorted; a page further on sorts the rest, which is all at or after them. .NET offers a full sort
    /// and a priority queue that copies, but no partial sort in place, hence these few lines.
    /// </summary>
    private void OrderHead(int count)
    {
        if (count <= _ordered)
        {
            return;
        }

        var rest = _head.AsSpan(_ordered);
        var wanted = count - _ordered;
        if (wanted * 8 < rest.Length)
        {
            var heap = rest[..wanted];
            for (var i = wanted / 2 - 1; i >= 0; i--)
            {
                SiftDown(heap, i);
            }

            for (var i = wanted; i < rest.Length; i++)
            {
                if (rest[i].CompareTo(heap[0]) < 0)
                {
                    (rest[i], heap[0]) = (heap[0], rest[i]);
                    SiftDown(heap, 0);
                }
            }

            heap.Sort();
            _ordered = count;
            return;
        }

        rest.Sort();
        _ordered = _head.Length;

        static void SiftDown(Span<HeadKey> heap, int i)
        {
            while (true)
            {
                var largest = i;
                var (left, right) = (2 * i + 1, 2 * i + 2);
                if (left < heap.Length && heap[left].CompareTo(heap[largest]) > 0) { largest = left; }
                if (right < heap.Length && heap[right].CompareTo(heap[largest]) > 0) { largest = right; }
                if (largest == i)
                {
                    return;
                }

                (heap[i], heap[largest]) = (heap[largest], heap[i]);
                i = largest;
            }
        }
    }

    /// <summary>The candidate (k) of the <paramref name="u"/>-th unknown answer in id order, or -1 when there are fewer.</summary>
    private int UnknownAt(int u)
    {
        while (_unknown.Count <= u && _scanned < _candidates.Length)
        {
            var k = _scanned++;
            if (AnswerAt(k).Status == EligibilityStatus.Unknown)
            {
                _unknown.Add(k);
            }
        }

        return u < _unknown.Count ? _unknown[u] : -1;
    }

    private PolicyAnswer AnswerAt(int k) =>
        _answered[k] ??= _compiled[_candidates[k]].Answer(_facts, explain: false, missingFields: false);

    /// <summary>The list's order: status rank, then larger amount first (absent as 0), then policy id (ordinal).</summary>
    public static int Compare(PolicyAnswer a, PolicyAnswer b)
    {
        var c = Rank(a.Status).CompareTo(Rank(b.Status));
        if (c == 0) { c = (b.AmountFen ?? 0).CompareTo(a.AmountFen ?? 0); }
        return c != 0 ? c : string.CompareOrdinal(a.PolicyId, b.PolicyId);
    }

    private readonly record struct HeadKey(int Rank, long Amount, int K) : IComparable<HeadKey>
    {
        public int CompareTo(HeadKey other)
        {
            var c = Rank.CompareTo(other.Rank);
            if (c == 0) { c = other.Amount.CompareTo(Amount); }
            return c != 0 ? c : K.CompareTo(other.K);
        }
    }

    private static int Rank(EligibilityStatus status) => status switch
    {
        EligibilityStatus.Eligible => 0,
        EligibilityStatus.Excluded => 1,
        EligibilityStatus.Unknown => 2,
        _ => 3,
    };
}
