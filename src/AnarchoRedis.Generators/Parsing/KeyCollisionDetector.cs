using System.Collections.Generic;
using System.Linq;
using System.Text;
using AnarchoRedis.Generators.Model;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>
/// Decides whether two key templates can produce the same key: whether the intersection of their
/// <see cref="KeyLanguage"/>s is non-empty, by a breadth-first search of the product automaton.
/// </summary>
internal static class KeyCollisionDetector
{
    /// <summary>Returns a key both templates can produce (the shortest found), or null when they are disjoint.</summary>
    public static string? FindCommonKey(IEnumerable<KeyPart> first, IEnumerable<KeyPart> second) =>
        FindCommonKey(KeyLanguage.For(first), KeyLanguage.For(second));

    /// <summary>
    /// The same for languages already built: the assembly check compares every pair of types, so it builds each
    /// type's automaton once rather than once per pair.
    /// </summary>
    public static string? FindCommonKey(KeyLanguage a, KeyLanguage b)
    {
        // Every key of a starts with a.Prefix and every key of b with b.Prefix, so a common key needs one prefix to
        // start the other (likewise for the suffixes). Distinct leading literals ("order:", "user:") are the usual
        // case, and this settles it without the search: exact, since only provably disjoint pairs are skipped.
        if (!StartsEitherWay(a.Prefix, b.Prefix) || !EndsEitherWay(a.Suffix, b.Suffix))
        {
            return null;
        }

        var start = (a.Start, b.Start);

        // Each visited pair remembers how it was reached, to rebuild the example key.
        var parents = new Dictionary<(int, int), ((int, int) From, char? Char)> { [start] = (start, null) };
        var queue = new Queue<(int A, int B)>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            if (state.A == a.Accept && state.B == b.Accept)
            {
                return Rebuild(parents, start, state);
            }

            // Plain loops rather than LINQ: this is the inner loop of a check over every pair of types.
            var edgesA = a.EdgesFrom(state.A);
            var edgesB = b.EdgesFrom(state.B);
            for (var i = 0; i < edgesA.Count; i++)
            {
                var (label, to) = edgesA[i];
                if (label is null)
                {
                    Visit(parents, queue, state, (to, state.B), null);
                    continue;
                }

                for (var j = 0; j < edgesB.Count; j++)
                {
                    var (otherLabel, otherTo) = edgesB[j];
                    if (otherLabel is not null && label.CommonChar(otherLabel) is { } c)
                    {
                        Visit(parents, queue, state, (to, otherTo), c);
                    }
                }
            }

            for (var j = 0; j < edgesB.Count; j++)
            {
                if (edgesB[j].Label is null)
                {
                    Visit(parents, queue, state, (state.A, edgesB[j].To), null);
                }
            }
        }

        return null;
    }

    private static bool StartsEitherWay(string first, string second) =>
        first.StartsWith(second, System.StringComparison.Ordinal) || second.StartsWith(first, System.StringComparison.Ordinal);

    private static bool EndsEitherWay(string first, string second) =>
        first.EndsWith(second, System.StringComparison.Ordinal) || second.EndsWith(first, System.StringComparison.Ordinal);

    private static void Visit(
        Dictionary<(int, int), ((int, int) From, char? Char)> parents, Queue<(int, int)> queue, (int, int) from, (int, int) to, char? c)
    {
        if (!parents.ContainsKey(to))
        {
            parents[to] = (from, c);
            queue.Enqueue(to);
        }
    }

    private static string Rebuild(Dictionary<(int, int), ((int, int) From, char? Char)> parents, (int, int) start, (int, int) end)
    {
        var chars = new List<char>();
        for (var state = end; state != start; state = parents[state].From)
        {
            if (parents[state].Char is { } c)
            {
                chars.Add(c);
            }
        }

        chars.Reverse();
        return new StringBuilder().Append(chars.ToArray()).ToString();
    }
}
