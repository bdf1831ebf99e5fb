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
    public static string? FindCommonKey(IEnumerable<KeyPart> first, IEnumerable<KeyPart> second)
    {
        var a = KeyLanguage.For(first);
        var b = KeyLanguage.For(second);
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

            foreach (var (label, to) in a.EdgesFrom(state.A))
            {
                if (label is null)
                {
                    Visit(parents, queue, state, (to, state.B), null);
                    continue;
                }

                foreach (var (otherLabel, otherTo) in b.EdgesFrom(state.B).Where(e => e.Label is not null))
                {
                    if (label.CommonChar(otherLabel!) is { } c)
                    {
                        Visit(parents, queue, state, (to, otherTo), c);
                    }
                }
            }

            foreach (var (label, to) in b.EdgesFrom(state.B).Where(e => e.Label is null))
            {
                Visit(parents, queue, state, (state.A, to), null);
            }
        }

        return null;
    }

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
