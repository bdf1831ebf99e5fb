using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class ListConvergenceTests
{
    private const long Iterations = 2_000;

    // ---- Pushes one after another equal plain Redis LPUSH/RPUSH ----

    private static readonly Gen<(bool Left, int Items)[]> SequentialPushes = Gen.Select(Gen.Bool, Gen.Int[1, 4]).Array[1, 12];

    /// <summary>Ascending ids: each step moves the clock on, or keeps it and moves the writer on (as two writers would).</summary>
    private static readonly Gen<ReplicatedVersion[]> AscendingIds =
        Gen.Select(Gen.ULong[0, 1UL << 50], Gen.ULong, Gen.Select(Gen.Int[0, 2], Gen.ULong[0, 7]).Array[48])
            .Select((clock, writer, steps) =>
            {
                var ids = new ReplicatedVersion[steps.Length];
                var current = new ReplicatedVersion(clock, writer);
                for (var i = 0; i < steps.Length; i++)
                {
                    var (step, bump) = steps[i];
                    current = step == 0 && current.WriterId <= ulong.MaxValue - 8
                        ? new ReplicatedVersion(current.Clock, current.WriterId + 1 + bump)
                        : new ReplicatedVersion(current.Clock + (ulong)Math.Max(step, 1), writer ^ bump);
                    ids[i] = current;
                }

                return ids;
            });

    [Fact]
    public void Property_sequential_pushes_in_canonical_order_equal_plain_redis()
    {
        Gen.Select(SequentialPushes, AscendingIds).Sample(
            (pushes, ids) =>
            {
                var redis = new List<int>();
                var state = ListReplicaState.Empty;
                var singletons = new List<ListReplicaState>();
                var next = 0;
                foreach (var (left, items) in pushes)
                {
                    // One LPUSH/RPUSH k v1 v2 ...: ids ascend in argument order.
                    for (var k = 0; k < items; k++, next++)
                    {
                        var element = new ListElement(ids[next], left ? ListSide.Left : ListSide.Right, BitConverter.GetBytes(next));
                        Assert.Equal(left ? 0 : state.Elements.Count, ListMerge.InsertionIndex(state.Elements, element));
                        state = state.ApplyPush(element);
                        singletons.Add(new ListReplicaState([element], new Dictionary<ReplicatedVersion, long>(), ReplicatedVersion.Zero));
                        if (left)
                        {
                            redis.Insert(0, next);
                        }
                        else
                        {
                            redis.Add(next);
                        }
                    }
                }

                Assert.Equal(redis, state.Elements.Select(e => BitConverter.ToInt32(e.Payload.Span)));
                Assert.Equal(state, ListMerge.Merge(singletons));
                Assert.Equal(state, ListMerge.Merge(Enumerable.Reverse(singletons).ToList()));
            },
            iter: Iterations,
            print: t => string.Join(" ", t.Item1.Select(p => $"{(p.Left ? "LPUSH" : "RPUSH")}x{p.Items}")));
    }

    [Fact]
    public void Lpush_a_b_c_then_rpush_d_e_reads_c_b_a_d_e()
    {
        var state = ListReplicaState.Empty;
        var id = 0UL;
        foreach (var (side, value) in new[] { (ListSide.Left, 'a'), (ListSide.Left, 'b'), (ListSide.Left, 'c'), (ListSide.Right, 'd'), (ListSide.Right, 'e') })
        {
            state = state.ApplyPush(new ListElement(new ReplicatedVersion(++id, 1), side, new[] { (byte)value }));
        }

        Assert.Equal("cbade", string.Concat(state.Elements.Select(e => (char)e.Payload.Span[0])));
    }

    // ---- Any delivery of pushes, removes and deletes to 3 replicas, merged, equals applying everything ----

    private readonly record struct OpSpec(int Kind, bool Left, int Items, int Jitter, uint Target, long RemovedAt);

    private readonly record struct Delivery(int Mask, uint P0, uint P1, uint P2);

    private static readonly Gen<OpSpec> OpSpecs =
        Gen.Select(Gen.Int[0, 9], Gen.Bool, Gen.Int[1, 3], Gen.Int[-3, 3], Gen.UInt, Gen.Long[0, 100])
            .Select((kind, left, items, jitter, target, at) => new OpSpec(kind, left, items, jitter, target, at));

    private static readonly Gen<Delivery> Deliveries =
        Gen.Select(Gen.Int[1, 7], Gen.UInt, Gen.UInt, Gen.UInt).Select((mask, p0, p1, p2) => new Delivery(mask, p0, p1, p2));

    private static readonly Gen<(OpSpec Op, Delivery Delivery)[]> Histories = Gen.Select(OpSpecs, Deliveries).Array[1, 24];

    /// <summary>
    /// Turns specs into operations with unique ids. Clocks mostly advance with the history but jitter makes some
    /// writers lag (concurrent pushes, pushes that arrive under a delete's watermark). Removes target pushed ids.
    /// </summary>
    private static ListOp[] Build(OpSpec[] specs)
    {
        var ops = new ListOp[specs.Length];
        var pushed = new List<ReplicatedVersion>();
        var serial = 1UL;
        for (var i = 0; i < specs.Length; i++)
        {
            var spec = specs[i];
            var clock = (ulong)(10 + (4 * i) + spec.Jitter);
            switch (spec.Kind)
            {
                case <= 5:
                    var elements = new ListElement[spec.Items];
                    for (var k = 0; k < spec.Items; k++, serial++)
                    {
                        var id = new ReplicatedVersion(clock + (ulong)k, serial);
                        byte[] payload = serial % 5 == 0 ? [] : [(byte)serial, (byte)i];
                        elements[k] = new ListElement(id, spec.Left ? ListSide.Left : ListSide.Right, payload);
                        pushed.Add(id);
                    }

                    ops[i] = new PushOp(elements);
                    break;
                case <= 8:
                    ops[i] = new RemoveOp(pushed.Count > 0 ? pushed[(int)(spec.Target % (uint)pushed.Count)] : new ReplicatedVersion(clock, serial++), spec.RemovedAt);
                    break;
                default:
                    ops[i] = new DeleteOp(new ReplicatedVersion(clock, serial++));
                    break;
            }
        }

        return ops;
    }

    private static string Print((OpSpec Op, Delivery Delivery)[] history)
    {
        var ops = Build(history.Select(h => h.Op).ToArray());
        return string.Join("\n", ops.Select((op, i) => $"{op} -> replicas {Convert.ToString(history[i].Delivery.Mask, 2).PadLeft(3, '0')}"));
    }

    [Fact]
    public void Property_any_delivery_to_three_replicas_merges_to_the_state_of_all_operations()
    {
        Gen.Select(Histories, Gen.Int[0, 5]).Sample(
            (history, mergeOrder) =>
            {
                var ops = Build(history.Select(h => h.Op).ToArray());
                var truth = ListOps.Apply(ops);

                // The node model does not depend on arrival order.
                Assert.Equal(truth, ListOps.Apply(ops.Reverse()));

                var replicas = new ListReplicaState[3];
                for (var r = 0; r < 3; r++)
                {
                    var received = Enumerable.Range(0, ops.Length)
                        .Where(i => (history[i].Delivery.Mask & (1 << r)) != 0)
                        .OrderBy(i => r switch { 0 => history[i].Delivery.P0, 1 => history[i].Delivery.P1, _ => history[i].Delivery.P2 })
                        .ThenBy(i => i)
                        .Select(i => ops[i]);
                    replicas[r] = ListOps.Apply(received);

                    // A node keeps its list physically canonical, whatever order the pushes came in.
                    Assert.True(ListOps.IsStrictlyCanonical(replicas[r].Elements), $"replica {r} is not canonical: {replicas[r]}");
                }

                int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
                var report = ListMerge.MergeWithReport(orders[mergeOrder].Select(r => replicas[r]).ToList());
                Assert.Equal(truth, report.State);
                Assert.Empty(report.Conflicts);
                Assert.Equal((truth.Count, truth.Digest), (report.State.Count, report.State.Digest));

                // Pairwise repair converges too, and a repaired replica stays put when merged again.
                var pairwise = ListMerge.Merge(ListMerge.Merge(replicas[orders[mergeOrder][0]], replicas[orders[mergeOrder][1]]), replicas[orders[mergeOrder][2]]);
                Assert.Equal(truth, pairwise);
                Assert.All(replicas, replica => Assert.Equal(truth, ListMerge.Merge(replica, truth)));
            },
            iter: Iterations,
            print: t => Print(t.Item1));
    }

    [Fact]
    public void Property_digest_maintained_incrementally_per_operation_equals_the_digest_of_the_state()
    {
        // What a node script does: XOR the element's hash in on a push that inserts, and on a removal that removes.
        Histories.Sample(
            history =>
            {
                var state = ListReplicaState.Empty;
                var digest = 0UL;
                foreach (var op in Build(history.Select(h => h.Op).ToArray()))
                {
                    var before = state.Elements.Select(e => e.Id).ToHashSet();
                    state = op.ApplyTo(state);
                    var after = state.Elements.Select(e => e.Id).ToHashSet();
                    foreach (var id in before.Except(after).Concat(after.Except(before)))
                    {
                        digest = ListDigest.Toggle(digest, id);
                    }

                    Assert.Equal(state.Digest, digest);
                }
            },
            iter: Iterations,
            print: Print);
    }

    [Fact]
    public void A_push_under_the_watermark_or_tombstoned_is_dropped_and_a_later_push_lives()
    {
        ListElement Push(ulong clock) => new(new ReplicatedVersion(clock, 1), ListSide.Right, new[] { (byte)clock });
        var state = ListReplicaState.Empty.ApplyPush(Push(1)).ApplyPush(Push(2));

        state = state.ApplyDelete(new ReplicatedVersion(5, 0)).ApplyRemove(new ReplicatedVersion(7, 1), 1000);
        state = state.ApplyPush(Push(3)).ApplyPush(Push(7)).ApplyPush(Push(8));

        Assert.Equal([Push(8)], state.Elements);
        Assert.Same(state, state.ApplyPush(Push(8)));
    }
}
