using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class ListMergeTests
{
    private const long Iterations = 2_000;

    private static readonly ReplicatedVersion[] Universe =
        Enumerable.Range(1, 12).Select(i => new ReplicatedVersion((ulong)(i + 1) / 2, (ulong)(i % 2) + 1)).ToArray();

    /// <summary>An element of the small universe; usually its one true envelope, sometimes a corrupted copy.</summary>
    private static readonly Gen<ListElement> Elements =
        Gen.Select(Gen.Int[0, Universe.Length - 1], Gen.Int[0, 19]).Select((i, corruption) =>
        {
            var id = Universe[i];
            var side = i % 3 == 0 ? ListSide.Left : ListSide.Right;
            byte[] payload = i % 4 == 0 ? [] : [(byte)i, 0xC0];
            return corruption switch
            {
                0 => new ListElement(id, side == ListSide.Left ? ListSide.Right : ListSide.Left, payload),
                1 => new ListElement(id, side, (byte[])[.. payload, 1]),
                2 => new ListElement(id, side, payload.Length == 0 ? (byte[])[0] : payload[..1]),
                _ => new ListElement(id, side, payload),
            };
        });

    /// <summary>
    /// Any replica state over the universe, not necessarily canonical or normalized (elements in any order, repeated,
    /// tombstoned or under the watermark), so the merge is tested on more than what nodes hold.
    /// </summary>
    internal static readonly Gen<ListReplicaState> States =
        Gen.Select(
                Elements.Array[0, 8],
                Gen.Select(Gen.Int[0, Universe.Length - 1], Gen.Long[0, 3]).Array[0, 4],
                Gen.Frequency((3, Gen.Const(-1)), (1, (IGen<int>)Gen.Int[0, Universe.Length - 1])))
            .Select((elements, tombstones, watermark) =>
            {
                var dead = new Dictionary<ReplicatedVersion, long>();
                foreach (var (i, at) in tombstones)
                {
                    dead[Universe[i]] = at;
                }

                return new ListReplicaState(elements, dead, watermark < 0 ? ReplicatedVersion.Zero : Universe[watermark]);
            });

    private static string Print(ListReplicaState a, ListReplicaState b, ListReplicaState c) =>
        $"{Describe(a)}\n{Describe(b)}\n{Describe(c)}";

    private static string Describe(ListReplicaState s) =>
        $"elements [{string.Join(", ", s.Elements.Select(e => $"{(char)e.Side}{e.Id}:{Convert.ToHexString(e.Payload.Span)}"))}] " +
        $"tombstones [{string.Join(", ", s.Tombstones.Select(t => $"{t.Key}@{t.Value}"))}] deletedUpTo {s.DeletedUpTo}";

    [Fact]
    public void Property_merge_is_commutative()
    {
        Gen.Select(States, States, States).Sample(
            (a, b, c) =>
            {
                Assert.Equal(ListMerge.Merge(a, b), ListMerge.Merge(b, a));
                var abc = ListMerge.MergeWithReport([a, b, c]);
                foreach (var order in new[] { new[] { a, c, b }, [b, a, c], [b, c, a], [c, a, b], [c, b, a] })
                {
                    var other = ListMerge.MergeWithReport(order);
                    Assert.Equal(abc.State, other.State);
                    Assert.Equal(abc.Conflicts, other.Conflicts);
                }
            },
            iter: Iterations,
            print: t => Print(t.Item1, t.Item2, t.Item3));
    }

    [Fact]
    public void Property_merge_is_associative()
    {
        Gen.Select(States, States, States).Sample(
            (a, b, c) =>
            {
                var left = ListMerge.Merge(ListMerge.Merge(a, b), c);
                var right = ListMerge.Merge(a, ListMerge.Merge(b, c));
                Assert.Equal(left, right);
                Assert.Equal(ListMerge.Merge([a, b, c]), left);
            },
            iter: Iterations,
            print: t => Print(t.Item1, t.Item2, t.Item3));
    }

    [Fact]
    public void Property_merge_is_idempotent()
    {
        Gen.Select(States, States).Sample(
            (a, b) =>
            {
                var once = ListMerge.Merge([a]);
                Assert.Equal(once, ListMerge.Merge(a, a));
                Assert.Equal(once, ListMerge.Merge([once]));
                Assert.Equal(once, ListMerge.Merge(once, a));

                // Absorption: merging in what was already merged in changes nothing.
                var ab = ListMerge.Merge(a, b);
                Assert.Equal(ab, ListMerge.Merge(ab, a));
                Assert.Equal(ab, ListMerge.Merge(ab, ab));
            },
            iter: Iterations,
            print: t => Describe(t.Item1) + "\n" + Describe(t.Item2));
    }

    [Fact]
    public void Property_merged_elements_are_live_distinct_and_canonical()
    {
        Gen.Select(States, States, States).Sample(
            (a, b, c) =>
            {
                var merged = ListMerge.Merge([a, b, c]);
                Assert.True(ListOps.IsStrictlyCanonical(merged.Elements));
                Assert.All(merged.Elements, e => Assert.True(merged.IsLive(e.Id)));
                Assert.Equal(new[] { a, b, c }.Max(s => s.DeletedUpTo), merged.DeletedUpTo);

                // Every live id of any input survives; tombstones are the union, keeping the latest removal time.
                var expectedIds = new[] { a, b, c }.SelectMany(s => s.Elements).Select(e => e.Id).Distinct().Where(merged.IsLive).Order();
                Assert.Equal(expectedIds, merged.Elements.Select(e => e.Id).Order());
                var expectedTombstones = new[] { a, b, c }.SelectMany(s => s.Tombstones).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Max(t => t.Value));
                Assert.Equal(expectedTombstones.OrderBy(t => t.Key), merged.Tombstones.OrderBy(t => t.Key));
            },
            iter: Iterations,
            print: t => Print(t.Item1, t.Item2, t.Item3));
    }

    [Fact]
    public void Merge_of_nothing_is_empty()
    {
        Assert.Equal(ListReplicaState.Empty, ListMerge.Merge([]));
        Assert.Equal(ListReplicaState.Empty, ListMerge.Merge([ListReplicaState.Empty, ListReplicaState.Empty]));
        Assert.Equal(0, ListReplicaState.Empty.Count);
        Assert.Equal(0UL, ListReplicaState.Empty.Digest);
    }

    [Fact]
    public void Merge_drops_tombstoned_ids_and_ids_at_or_below_the_highest_watermark()
    {
        var v = Enumerable.Range(0, 6).Select(i => new ReplicatedVersion((ulong)(10 + i), 1)).ToArray();
        ListElement E(int i, ListSide side) => new(v[i], side, new[] { (byte)i });
        var a = new ListReplicaState([E(0, ListSide.Right), E(1, ListSide.Right), E(3, ListSide.Left)], new Dictionary<ReplicatedVersion, long>(), ReplicatedVersion.Zero);
        var b = new ListReplicaState([E(4, ListSide.Right), E(5, ListSide.Left)], new Dictionary<ReplicatedVersion, long> { [v[3]] = 7 }, v[1]);

        var merged = ListMerge.Merge(a, b);

        // v0, v1 <= watermark v1; v3 tombstoned on b; left v5 first, then right v4.
        Assert.Equal([E(5, ListSide.Left), E(4, ListSide.Right)], merged.Elements);
        Assert.Equal(v[1], merged.DeletedUpTo);
        Assert.Equal(7, merged.Tombstones[v[3]]);
    }

    [Fact]
    public void Tombstones_keep_the_latest_removal_time_and_ids_under_the_watermark()
    {
        var id = new ReplicatedVersion(5, 1);
        var a = new ListReplicaState([], new Dictionary<ReplicatedVersion, long> { [id] = 100 }, ReplicatedVersion.Zero);
        var b = new ListReplicaState([], new Dictionary<ReplicatedVersion, long> { [id] = 250 }, new ReplicatedVersion(9, 9));

        var merged = ListMerge.Merge(a, b);

        Assert.Equal(250, merged.Tombstones[id]);
        Assert.Equal(new ReplicatedVersion(9, 9), merged.DeletedUpTo);
    }

    [Fact]
    public void Different_bytes_for_one_id_keep_the_smallest_envelope_and_are_reported()
    {
        var id = new ReplicatedVersion(3, 3);
        var left = new ListElement(id, ListSide.Left, new byte[] { 9 });
        var right = new ListElement(id, ListSide.Right, new byte[] { 1 });
        var shorter = new ListElement(id, ListSide.Right, Array.Empty<byte>());
        var none = new Dictionary<ReplicatedVersion, long>();

        var sides = ListMerge.MergeWithReport([new([right], none, default), new([left], none, default)]);
        var payloads = ListMerge.MergeWithReport([new([right], none, default), new([shorter], none, default)]);
        var same = ListMerge.MergeWithReport([new([right], none, default), new([right with { Payload = new byte[] { 1 } }], none, default)]);

        Assert.Equal([left], sides.State.Elements);
        Assert.Equal([id], sides.Conflicts);
        Assert.Equal([shorter], payloads.State.Elements);
        Assert.Equal([id], payloads.Conflicts);
        Assert.Empty(same.Conflicts);
        Assert.True(ListElement.CompareEnvelopes(left, right) < 0 == ((ReadOnlySpan<byte>)left.ToEnvelope()).SequenceCompareTo(right.ToEnvelope()) < 0);
    }

    [Fact]
    public void Property_envelope_order_is_the_bytewise_order_of_the_envelopes()
    {
        Gen.Select(Elements, Elements).Sample(
            (x, y) => Math.Sign(ListElement.CompareEnvelopes(x, y)) == Math.Sign(((ReadOnlySpan<byte>)x.ToEnvelope()).SequenceCompareTo(y.ToEnvelope())),
            iter: Iterations);
    }

    [Fact]
    public void States_are_equal_by_content()
    {
        var id = new ReplicatedVersion(1, 2);
        var a = new ListReplicaState([new(id, ListSide.Left, new byte[] { 1 })], new Dictionary<ReplicatedVersion, long> { [id] = 1 }, ReplicatedVersion.Zero);
        var b = new ListReplicaState(new List<ListElement> { new(id, ListSide.Left, new byte[] { 1 }) }, new SortedDictionary<ReplicatedVersion, long> { [id] = 1 }, ReplicatedVersion.Zero);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { DeletedUpTo = id });
        Assert.NotEqual(a, b with { Tombstones = new Dictionary<ReplicatedVersion, long> { [id] = 2 } });
        Assert.NotEqual(a, b with { Elements = [] });
    }

    [Fact]
    public void FromEnvelopes_skips_and_counts_foreign_entries()
    {
        var id = new ReplicatedVersion(4, 4);
        var entries = new ReadOnlyMemory<byte>[] { ListEnvelope.Encode(id, ListSide.Right, [1]), "not an envelope"u8.ToArray(), Array.Empty<byte>() };

        var state = ListReplicaState.FromEnvelopes(entries, new Dictionary<ReplicatedVersion, long>(), ReplicatedVersion.Zero, out var foreign);

        Assert.Equal(2, foreign);
        Assert.Equal([new ListElement(id, ListSide.Right, new byte[] { 1 })], state.Elements);
        Assert.Equal(entries[0].ToArray(), state.ToEnvelopes().Single());
    }
}
