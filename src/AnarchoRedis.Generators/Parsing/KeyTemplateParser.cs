using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace AnarchoRedis.Generators.Parsing;

/// <summary>A template segment before binding: literal text, or a placeholder name.</summary>
internal readonly struct TemplateSegment
{
    public TemplateSegment(bool isPlaceholder, string text)
    {
        IsPlaceholder = isPlaceholder;
        Text = text;
    }

    public bool IsPlaceholder { get; }

    public string Text { get; }
}

/// <summary>
/// Splits a key template into literal text and <c>{Name}</c> placeholders. There are no brace escapes: a brace
/// outside a placeholder is an error, because a literal brace would silently become a Redis hash tag.
/// </summary>
internal static class KeyTemplateParser
{
    /// <summary>Parses <paramref name="template"/>; on failure returns false and says what is wrong in <paramref name="error"/>.</summary>
    public static bool TryParse(string template, out List<TemplateSegment> segments, out string error)
    {
        segments = new List<TemplateSegment>();
        error = string.Empty;
        var literal = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '}')
            {
                error = Describe("a '}}' at position {0} closes no placeholder", i);
                return false;
            }

            if (c != '{')
            {
                literal.Append(c);
                i++;
                continue;
            }

            var close = -1;
            for (var j = i + 1; j < template.Length; j++)
            {
                if (template[j] == '{')
                {
                    error = Describe("a '{{' at position {0} opens a placeholder inside another placeholder", j);
                    return false;
                }

                if (template[j] == '}')
                {
                    close = j;
                    break;
                }
            }

            if (close < 0)
            {
                error = Describe("the '{{' at position {0} is never closed", i);
                return false;
            }

            var name = template.Substring(i + 1, close - i - 1);
            if (name.Length == 0)
            {
                error = Describe("the placeholder at position {0} is empty", i);
                return false;
            }

            if (!SyntaxFacts.IsValidIdentifier(name))
            {
                error = string.Format(CultureInfo.InvariantCulture, "the placeholder '{{{0}}}' at position {1} is not a property name", name, i);
                return false;
            }

            if (literal.Length > 0)
            {
                segments.Add(new TemplateSegment(false, literal.ToString()));
                literal.Clear();
            }

            segments.Add(new TemplateSegment(true, name));
            i = close + 1;
        }

        if (literal.Length > 0)
        {
            segments.Add(new TemplateSegment(false, literal.ToString()));
        }

        return true;
    }

    private static string Describe(string format, int position) => string.Format(CultureInfo.InvariantCulture, format, position);
}
