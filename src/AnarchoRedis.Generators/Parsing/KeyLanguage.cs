using System.Collections.Generic;
using System.Linq;
using System.Text;
using AnarchoRedis.Generators.Model;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>A set of UTF-16 code units as sorted, disjoint, inclusive ranges.</summary>
internal sealed class CharSet
{
    public static readonly CharSet Digit = Range('0', '9');
    public static readonly CharSet LowerHex = Union(Digit, Range('a', 'f'));

    // Enum member names are C# identifiers; everything beyond ASCII is taken as a possible letter (over-approximating
    // is the safe direction: a false overlap is a visible error, a missed one corrupts data).
    public static readonly CharSet IdentifierStart = Union(Range('A', 'Z'), Range('a', 'z'), Single('_'), Range('\u0080', '\uffff'));
    public static readonly CharSet IdentifierPart = Union(IdentifierStart, Digit);
    public static readonly CharSet Any = Range('\u0000', '\uffff');

    private readonly (char Low, char High)[] _ranges;

    private CharSet((char Low, char High)[] ranges) => _ranges = ranges;

    public static CharSet Single(char c) => new(new[] { (c, c) });

    public static CharSet Range(char low, char high) => new(new[] { (low, high) });

    public static CharSet Union(params CharSet[] sets)
    {
        var merged = new List<(char Low, char High)>();
        foreach (var range in sets.SelectMany(s => s._ranges).OrderBy(r => r.Low))
        {
            if (merged.Count > 0 && range.Low <= merged[merged.Count - 1].High + 1)
            {
                var last = merged[merged.Count - 1];
                merged[merged.Count - 1] = (last.Low, range.High > last.High ? range.High : last.High);
            }
            else
            {
                merged.Add(range);
            }
        }

        return new CharSet(merged.ToArray());
    }

    public bool Contains(char c)
    {
        // A loop, not LINQ: this runs in the innermost loop of the key-overlap search.
        foreach (var (low, high) in _ranges)
        {
            if (low <= c && c <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A character in both sets, readable where possible (for the example key in the diagnostic), or null.</summary>
    public char? CommonChar(CharSet other)
    {
        // Literal characters are single-character sets, most of the search's labels: the only candidate is that
        // character, which is also what the general search below would return.
        if (_ranges.Length == 1 && _ranges[0].Low == _ranges[0].High)
        {
            return other.Contains(_ranges[0].Low) ? _ranges[0].Low : null;
        }

        if (other._ranges.Length == 1 && other._ranges[0].Low == other._ranges[0].High)
        {
            return Contains(other._ranges[0].Low) ? other._ranges[0].Low : null;
        }

        foreach (var preferred in "0a1b_x-:")
        {
            if (Contains(preferred) && other.Contains(preferred))
            {
                return preferred;
            }
        }

        foreach (var mine in _ranges)
        {
            foreach (var theirs in other._ranges)
            {
                var low = mine.Low > theirs.Low ? mine.Low : theirs.Low;
                var high = mine.High < theirs.High ? mine.High : theirs.High;
                if (low <= high)
                {
                    // Prefer a printable character so the example key can be shown.
                    return low < ' ' && high >= ' ' ? ' ' : low;
                }
            }
        }

        return null;
    }
}

/// <summary>
/// The set of keys a template can produce, as a nondeterministic automaton over characters: literals match
/// themselves and each placeholder matches the strings its type formats to (see <see cref="PlaceholderKind"/>).
/// </summary>
internal sealed class KeyLanguage
{
    // Edges per state; a null label is an epsilon move.
    private readonly List<List<(CharSet? Label, int To)>> _edges = new();

    private KeyLanguage()
    {
        Start = NewState();
        Accept = Start;
    }

    public int Start { get; }

    public int Accept { get; private set; }

    /// <summary>The literal text every key of the language starts with (empty when the template starts with a placeholder).</summary>
    public string Prefix { get; private set; } = string.Empty;

    /// <summary>The literal text every key of the language ends with (empty when the template ends with a placeholder).</summary>
    public string Suffix { get; private set; } = string.Empty;

    /// <summary>The number of states; states are numbered from 0.</summary>
    public int StateCount => _edges.Count;

    public IReadOnlyList<(CharSet? Label, int To)> EdgesFrom(int state) => _edges[state];

    public static KeyLanguage For(IEnumerable<KeyPart> parts)
    {
        var language = new KeyLanguage();
        var current = language.Start;
        var prefix = new StringBuilder();
        var suffix = new StringBuilder();
        var inPrefix = true;
        foreach (var part in parts)
        {
            if (part.Kind == PlaceholderKind.None)
            {
                (inPrefix ? prefix : suffix).Append(part.Text);
            }
            else
            {
                inPrefix = false;
                suffix.Clear();
            }

            current = part.Kind switch
            {
                PlaceholderKind.None => language.Literal(current, part.Text),
                PlaceholderKind.String => language.OneOrMore(current, CharSet.Any, CharSet.Any),
                PlaceholderKind.UnsignedInteger => language.OneOrMore(current, CharSet.Digit, CharSet.Digit),
                PlaceholderKind.SignedInteger => language.SignedInteger(current),
                PlaceholderKind.Guid => language.Guid(current),
                _ => language.EnumName(current),
            };
        }

        language.Accept = current;
        language.Prefix = prefix.ToString();
        language.Suffix = inPrefix ? language.Prefix : suffix.ToString();
        return language;
    }

    private int NewState()
    {
        _edges.Add(new List<(CharSet?, int)>());
        return _edges.Count - 1;
    }

    private int Edge(int from, CharSet? label, int? to = null)
    {
        var target = to ?? NewState();
        _edges[from].Add((label, target));
        return target;
    }

    private int Literal(int from, string text)
    {
        foreach (var c in text)
        {
            from = Edge(from, CharSet.Single(c));
        }

        return from;
    }

    private int OneOrMore(int from, CharSet first, CharSet rest)
    {
        var loop = Edge(from, first);
        Edge(loop, rest, loop);
        return loop;
    }

    // -?[0-9]+
    private int SignedInteger(int from)
    {
        var minus = Edge(from, CharSet.Single('-'));
        var digits = Edge(from, CharSet.Digit);
        Edge(minus, CharSet.Digit, digits);
        Edge(digits, CharSet.Digit, digits);
        return digits;
    }

    // Guid.ToString("D"): 8-4-4-4-12 lower-case hex digits.
    private int Guid(int from)
    {
        var groups = new[] { 8, 4, 4, 4, 12 };
        for (var g = 0; g < groups.Length; g++)
        {
            if (g > 0)
            {
                from = Edge(from, CharSet.Single('-'));
            }

            for (var i = 0; i < groups[g]; i++)
            {
                from = Edge(from, CharSet.LowerHex);
            }
        }

        return from;
    }

    // Enum.ToString(): a member name, a [Flags] combination "A, B", or the number of an undefined value.
    private int EnumName(int from)
    {
        var end = NewState();
        var name = Edge(from, CharSet.IdentifierStart);
        Edge(name, CharSet.IdentifierPart, name);
        var comma = Edge(name, CharSet.Single(','));
        var space = Edge(comma, CharSet.Single(' '));
        Edge(space, CharSet.IdentifierStart, name);
        Edge(name, null, end);
        Edge(SignedInteger(from), null, end);
        return end;
    }
}
