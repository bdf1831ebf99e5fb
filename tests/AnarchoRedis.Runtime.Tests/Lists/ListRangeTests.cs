using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class ListRangeTests
{
    // Redis 7 on a 5-element list a b c d e (indexes 0..4), as LRANGE returns them; -1/-1 means an empty reply.
    [Theory]
    [InlineData(5, 0, -1, 0, 4)]
    [InlineData(5, 0, 0, 0, 0)]
    [InlineData(5, 4, 4, 4, 4)]
    [InlineData(5, -1, -1, 4, 4)]
    [InlineData(5, -2, -1, 3, 4)]
    [InlineData(5, -5, -5, 0, 0)]
    [InlineData(5, 1, 3, 1, 3)]
    [InlineData(5, 2, -3, 2, 2)]
    [InlineData(5, 0, 100, 0, 4)] // stop past the tail is clamped
    [InlineData(5, -100, 100, 0, 4)] // start before the head is clamped
    [InlineData(5, -100, -4, 0, 1)]
    [InlineData(5, -100, -5, 0, 0)]
    [InlineData(5, -100, -6, -1, -1)] // stop before the head
    [InlineData(5, 5, 10, -1, -1)] // start past the tail
    [InlineData(5, 5, -1, -1, -1)]
    [InlineData(5, 3, 1, -1, -1)] // start > stop
    [InlineData(5, -1, -2, -1, -1)]
    [InlineData(5, 2, -4, -1, -1)] // stop resolves below start
    [InlineData(5, long.MinValue, long.MaxValue, 0, 4)]
    [InlineData(5, 0, long.MinValue, -1, -1)]
    [InlineData(5, long.MaxValue, long.MaxValue, -1, -1)]
    [InlineData(1, 0, -1, 0, 0)]
    [InlineData(1, -1, 0, 0, 0)]
    [InlineData(1, 1, 1, -1, -1)]
    [InlineData(0, 0, -1, -1, -1)] // empty list
    [InlineData(0, 0, 0, -1, -1)]
    [InlineData(0, -1, -1, -1, -1)]
    [InlineData(0, -100, 100, -1, -1)]
    public void ResolveRange_matches_lrange(long count, long start, long stop, long expectedStart, long expectedStop)
    {
        var resolved = ListMerge.ResolveRange(count, start, stop);

        if (expectedStart < 0)
        {
            Assert.Null(resolved);
        }
        else
        {
            Assert.Equal((expectedStart, expectedStop), resolved);
        }
    }

    [Theory]
    [InlineData(0, -1, "abcde")]
    [InlineData(1, -1, "bcde")]
    [InlineData(0, -2, "abcd")]
    [InlineData(-2, -1, "de")]
    [InlineData(1, 1, "b")]
    [InlineData(-100, 1, "ab")]
    [InlineData(3, 100, "de")]
    [InlineData(1, 0, "")] // start > stop: LTRIM empties the list
    [InlineData(5, 10, "")] // start past the tail: LTRIM empties the list
    [InlineData(0, -6, "")]
    public void Range_and_trim_use_the_same_resolution(long start, long stop, string kept)
    {
        var list = "abcde".Select((c, i) => new ListElement(new ReplicatedVersion((ulong)(i + 1), 1), ListSide.Right, new[] { (byte)c })).ToList();

        var range = ListMerge.Range(list, start, stop);
        var trimmed = ListMerge.TrimmedOut(list, start, stop);

        Assert.Equal(kept, Text(range));
        Assert.Equal(Text(list.Except(range)), Text(trimmed));
        Assert.Equal(list.Count, range.Count + trimmed.Count);
    }

    [Fact]
    public void Range_and_trim_of_an_empty_list_are_empty()
    {
        Assert.Empty(ListMerge.Range([], 0, -1));
        Assert.Empty(ListMerge.TrimmedOut([], 0, -1));
    }

    private static string Text(IEnumerable<ListElement> elements) => string.Concat(elements.Select(e => (char)e.Payload.Span[0]));
}
