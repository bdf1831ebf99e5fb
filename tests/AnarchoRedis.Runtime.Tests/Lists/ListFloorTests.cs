using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

/// <summary>
/// The keep-newest trim's floor (<see cref="ListMerge.FloorKeepingNewest"/>): raised as the list's watermark, it keeps
/// exactly the newest N ids, and being a watermark it merges by max with deletes and other floors in any order.
/// </summary>
public sealed class ListFloorTests
{
    private static ReplicatedVersion Id(ulong clock) => new(clock, 1);

    private static ListElement Element(ulong clock, ListSide side) => new(Id(clock), side, new[] { (byte)clock });

    [Fact]
    public void Nothing_to_drop_when_the_list_holds_at_most_the_count()
    {
        ListElement[] elements = [Element(2, ListSide.Left), Element(1, ListSide.Right)];

        Assert.Null(ListMerge.FloorKeepingNewest(elements, 2));
        Assert.Null(ListMerge.FloorKeepingNewest([], 0));
    }

    [Fact]
    public void The_floor_is_the_newest_dropped_id_whatever_side_it_was_pushed_at()
    {
        // Canonical order: lefts by descending id, then rights by ascending id. Newest three: 9 (left), 8 and 7 (right).
        ListElement[] elements = [Element(9, ListSide.Left), Element(4, ListSide.Left), Element(1, ListSide.Right), Element(5, ListSide.Right), Element(7, ListSide.Right), Element(8, ListSide.Right)];

        Assert.Equal(Id(5), ListMerge.FloorKeepingNewest(elements, 3));
        Assert.Equal(Id(9), ListMerge.FloorKeepingNewest(elements, 0));
        var kept = new ListReplicaState(elements, new Dictionary<ReplicatedVersion, long>(), ReplicatedVersion.Zero).ApplyDelete(Id(5));
        Assert.Equal([9UL, 7UL, 8UL], kept.Elements.Select(e => e.Id.Clock));
    }

    [Fact]
    public void Property_a_floor_keeps_exactly_the_newest_count_and_merges_with_a_delete_in_either_order()
    {
        Gen.Select(ListMergeTests.States, Gen.Int[0, 6], ListMergeTests.States)
            .Sample((state, count, other) =>
            {
                var merged = ListMerge.Merge([state]);
                var floor = ListMerge.FloorKeepingNewest(merged.Elements, count);
                var trimmed = floor is { } f ? merged.ApplyDelete(f) : merged;
                var newest = merged.Elements.Select(e => e.Id).OrderByDescending(id => id).Take(count).ToHashSet();
                if (!trimmed.Elements.Select(e => e.Id).ToHashSet().SetEquals(newest))
                {
                    return false;
                }

                // The floor is a watermark: a replica that got it merges with one that did not, in either order, and
                // with a delete (the other state's watermark) arriving before or after it, to one state.
                var other2 = ListMerge.Merge([other]);
                var viaTrimFirst = ListMerge.Merge(trimmed, other2);
                var viaOtherFirst = floor is { } g ? ListMerge.Merge(merged, other2).ApplyDelete(g) : ListMerge.Merge(merged, other2);
                return viaTrimFirst.Equals(ListMerge.Merge(viaOtherFirst, viaTrimFirst)) && viaTrimFirst.Equals(viaOtherFirst);
            },
            iter: 2_000);
    }
}
