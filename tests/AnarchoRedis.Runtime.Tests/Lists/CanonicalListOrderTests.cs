using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class CanonicalListOrderTests
{
    private static ListElement L(ulong clock, ulong writer = 1) => new(new ReplicatedVersion(clock, writer), ListSide.Left, new byte[] { (byte)clock });

    private static ListElement R(ulong clock, ulong writer = 1) => new(new ReplicatedVersion(clock, writer), ListSide.Right, new byte[] { (byte)clock });

    private static List<ListElement> Sorted(params ListElement[] elements)
    {
        var list = elements.ToList();
        list.Sort(CanonicalListOrder.Instance);
        return list;
    }

    [Fact]
    public void Left_elements_by_descending_id_then_right_elements_by_ascending_id()
    {
        Assert.Equal([L(3), L(2), L(1), R(4), R(5)], Sorted(R(5), L(1), R(4), L(3), L(2)));
    }

    [Fact]
    public void Left_comes_before_right_whatever_the_ids()
    {
        Assert.Equal([L(1), R(9)], Sorted(R(9), L(1)));
        Assert.Equal([L(9), R(1)], Sorted(R(1), L(9)));
    }

    [Fact]
    public void Lpush_a_b_c_reads_c_b_a_and_rpush_appends()
    {
        // LPUSH k a b c takes ascending ids in argument order: a=1, b=2, c=3; then RPUSH k d e.
        Assert.Equal([L(3), L(2), L(1), R(4), R(5)], Sorted(L(1), L(2), L(3), R(4), R(5)));
    }

    [Fact]
    public void Same_clock_is_ordered_by_writer()
    {
        Assert.Equal([L(5, 2), L(5, 1), R(5, 1), R(5, 2)], Sorted(R(5, 2), L(5, 1), R(5, 1), L(5, 2)));
    }

    [Fact]
    public void Compare_ignores_payloads_and_is_zero_only_for_the_same_side_and_id()
    {
        var order = CanonicalListOrder.Instance;

        Assert.Equal(0, order.Compare(L(1), L(1) with { Payload = new byte[] { 9 } }));
        Assert.NotEqual(0, order.Compare(L(1), R(1)));
        Assert.True(order.Compare(L(2), L(1)) < 0);
        Assert.True(order.Compare(R(1), R(2)) < 0);
    }

    [Fact]
    public void InsertionIndex_for_sequential_pushes_is_the_head_or_the_tail()
    {
        List<ListElement> list = [L(3), L(2), R(4), R(5)];

        Assert.Equal(0, ListMerge.InsertionIndex([], L(1)));
        Assert.Equal(0, ListMerge.InsertionIndex([], R(1)));
        Assert.Equal(0, ListMerge.InsertionIndex(list, L(6)));
        Assert.Equal(4, ListMerge.InsertionIndex(list, R(6)));
    }

    [Fact]
    public void InsertionIndex_for_a_late_concurrent_push_is_its_canonical_place()
    {
        List<ListElement> list = [L(5), L(2), R(3), R(7)];

        Assert.Equal(1, ListMerge.InsertionIndex(list, L(4)));
        Assert.Equal(2, ListMerge.InsertionIndex(list, L(1)));
        Assert.Equal(2, ListMerge.InsertionIndex(list, R(1)));
        Assert.Equal(3, ListMerge.InsertionIndex(list, R(6)));
        Assert.Equal(4, ListMerge.InsertionIndex(list, R(8)));
    }

    [Fact]
    public void InsertionIndex_is_minus_one_when_the_id_is_there_on_either_side()
    {
        List<ListElement> list = [L(5), L(2), R(3), R(7)];

        Assert.Equal(-1, ListMerge.InsertionIndex(list, L(2)));
        Assert.Equal(-1, ListMerge.InsertionIndex(list, L(2) with { Payload = Array.Empty<byte>() }));
        Assert.Equal(-1, ListMerge.InsertionIndex(list, R(5)));
        Assert.Equal(-1, ListMerge.InsertionIndex(list, L(7)));
        Assert.Equal(-1, ListMerge.InsertionIndex(list, R(7)));
    }
}
