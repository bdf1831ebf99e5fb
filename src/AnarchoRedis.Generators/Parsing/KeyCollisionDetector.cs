using System.Collections.Generic;
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

        // The product automaton's states are numbered a * width + b. Each visited state remembers its parent (+1, so 0
        // means not visited yet) and the character that led to it (-1 for an epsilon move), to rebuild the example key.
        // Flat arrays rather than a dictionary: the search runs for every pair of templates that share a prefix.
        var width = b.StateCount;
        var parents = new int[a.StateCount * width];
        var chars = new int[parents.Length];
        var start = (a.Start * width) + b.Start;
        var accept = (a.Accept * width) + b.Accept;
        parents[start] = start + 1;
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            if (state == accept)
            {
                return Rebuild(parents, chars, start, state);
            }

            var stateA = state / width;
            var stateB = state % width;
            var edgesA = a.EdgesFrom(stateA);
            var edgesB = b.EdgesFrom(stateB);
            for (var i = 0; i < edgesA.Count; i++)
            {
                var (label, to) = edgesA[i];
                if (label is null)
                {
                    Visit(parents, chars, queue, state, (to * width) + stateB, -1);
                    continue;
                }

                for (var j = 0; j < edgesB.Count; j++)
                {
                    var (otherLabel, otherTo) = edgesB[j];
                    if (otherLabel is not null && label.CommonChar(otherLabel) is { } c)
                    {
                        Visit(parents, chars, queue, state, (to * width) + otherTo, c);
                    }
                }
            }

            for (var j = 0; j < edgesB.Count; j++)
            {
                if (edgesB[j].Label is null)
                {
                    Visit(parents, chars, queue, state, (stateA * width) + edgesB[j].To, -1);
                }
            }
        }

        return null;
    }

    private static bool StartsEitherWay(string first, string second) =>
        first.StartsWith(second, System.StringComparison.Ordinal) || second.StartsWith(first, System.StringComparison.Ordinal);

    private static bool EndsEitherWay(string first, string second) =>
        first.EndsWith(second, System.StringComparison.Ordinal) || second.EndsWith(first, System.StringComparison.Ordinal);

    private static void Visit(int[] parents, int[] chars, Queue<int> queue, int from, int to, int c)
    {
        if (parents[to] == 0)
        {
            parents[to] = from + 1;
            chars[to] = c;
            queue.Enqueue(to);
        }
    }

    private static string Rebuild(int[] parents, int[] chars, int start, int end)
    {
        var key = new List<char>();
        for (var state = end; state != start; state = parents[state] - 1)
        {
            if (chars[state] >= 0)
            {
                key.Add((char)chars[state]);
            }
        }

        key.Reverse();
        return new StringBuilder().Append(key.ToArray()).ToString();
    }
}
