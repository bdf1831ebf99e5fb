using System.Linq;
using AnarchoRedis.Generators.Model;
using AnarchoRedis.Generators.Parsing;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>
/// Pairs of templates that can and cannot produce the same key. Placeholder names stand for their kind:
/// {s} string, {i} signed integer, {u} unsigned integer, {g} Guid, {e} enum.
/// </summary>
public sealed class KeyCollisionDetectorTests
{
    [Theory]
    [InlineData("user:{i}", "user:{i}", "user:0")]
    [InlineData("user:{i}", "user:{s}", "user:0")]
    [InlineData("user:{i}", "user:-{u}", "user:-0")]
    [InlineData("user:{s}", "user:{i}:profile", "user:0:profile")]
    [InlineData("{s}:x", "y:{s}", "y:x")]
    [InlineData("config", "config", "config")]
    [InlineData("a:{g}", "a:{s}", "a:00000000-0000-0000-0000-000000000000")]
    [InlineData("e:{e}", "e:A, B", "e:A, B")]
    [InlineData("e:{e}", "e:{i}", "e:0")]
    [InlineData("{u}{u}", "12", "12")]
    [InlineData("{s}{s}", "ab", "ab")]
    [InlineData("k:{e}", "k:_Ünïcode", "k:_Ünïcode")]
    [InlineData("user:{s}", "user:admin:{u}", "user:admin:0")] // one literal prefix extends the other: searched, not skipped
    public void Overlapping(string first, string second, string example)
    {
        Assert.Equal(example, KeyCollisionDetector.FindCommonKey(Parts(first), Parts(second)));
        Assert.NotNull(KeyCollisionDetector.FindCommonKey(Parts(second), Parts(first)));
    }

    [Theory]
    [InlineData("user:{i}", "order:{i}")]
    [InlineData("user:{u}", "user:-{u}")]
    [InlineData("user:{i}:profile", "user:{i}")]
    [InlineData("a:{g}", "a:{e}")]
    [InlineData("a:{g}", "a:{i}")]
    [InlineData("a:{g}", "a:ABCDEF00-0000-0000-0000-000000000000")]
    [InlineData("config", "configs")]
    [InlineData("e:{e}", "e:a-b")]
    [InlineData("e:{e}", "e:A,B")]
    [InlineData("{u}{u}", "1")]
    [InlineData("x:{s}", "x:")]
    [InlineData("n:{u}", "n:{e}x:y")]
    [InlineData("a:{s}:x", "a:{s}:y")] // settled by the literal suffixes alone
    [InlineData("tenant:{s}:order:{i}", "tenant:{s}:orders:{i}")] // same prefix, no suffix: settled by the search
    public void Disjoint(string first, string second)
    {
        Assert.Null(KeyCollisionDetector.FindCommonKey(Parts(first), Parts(second)));
        Assert.Null(KeyCollisionDetector.FindCommonKey(Parts(second), Parts(first)));
    }

    private static KeyPart[] Parts(string template)
    {
        Assert.True(KeyTemplateParser.TryParse(template, out var segments, out var error), error);
        return segments.Select(s => s.IsPlaceholder
                ? new KeyPart(Kind(s.Text), s.Text, "t", s.Text, s.Text)
                : KeyPart.Literal(s.Text))
            .ToArray();
    }

    private static PlaceholderKind Kind(string code) => code switch
    {
        "s" => PlaceholderKind.String,
        "i" => PlaceholderKind.SignedInteger,
        "u" => PlaceholderKind.UnsignedInteger,
        "g" => PlaceholderKind.Guid,
        _ => PlaceholderKind.Enum,
    };
}
