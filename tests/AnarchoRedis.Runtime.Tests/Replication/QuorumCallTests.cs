using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

public sealed class QuorumCallTests
{
    private static readonly ValueWriteReply Applied = new(NodeOutcomeKind.Applied, new ReplicatedVersion(1, 1), null);
    private static readonly ValueWriteReply Superseded = new(NodeOutcomeKind.Superseded, new ReplicatedVersion(2, 2), null);
    private static readonly ValueWriteReply Failed = new(NodeOutcomeKind.Failed, default, new InvalidOperationException("boom"));
    private static readonly ValueWriteReply TimedOut = new(NodeOutcomeKind.TimedOut, default, new TimeoutException("slow"));

    [Fact]
    public void Reached_as_soon_as_the_required_counted_replies_arrived()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 5, required: 3);

        call.OnReply(0, Applied);
        call.OnReply(1, Failed);
        call.OnReply(2, Superseded);
        Assert.False(call.Decision.IsCompleted);

        call.OnReply(4, Applied);

        Assert.True(call.Decision.IsCompletedSuccessfully);
        Assert.True(call.Reached);
        Assert.False(call.AllArrived.IsCompleted);
        Assert.Equal(3, call.Required);
    }

    [Fact]
    public void Targeted_call_hands_out_the_unasked_nodes_in_order_until_decided()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 2);
        call.Target([2, 0, 1], launched: 2);

        // Node 2 fails: its replacement is the next in the order, and then nobody is left.
        call.OnReply(2, Failed);
        Assert.False(call.Decision.IsCompleted);
        Assert.True(call.TryTakeNext(out var next));
        Assert.Equal(1, next);
        Assert.False(call.TryTakeNext(out _));

        call.OnReply(0, Applied);
        call.OnReply(1, Applied);
        Assert.True(call.Reached);
    }

    [Fact]
    public void Targeted_call_asks_nobody_more_once_the_quorum_is_reached_and_an_untargeted_call_never_does()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 5, required: 2);
        call.Target([0, 1, 2, 3, 4], launched: 2);
        call.OnReply(0, Applied);
        call.OnReply(1, Applied);
        Assert.True(call.Reached);
        Assert.False(call.TryTakeNext(out _));

        var untargeted = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 2);
        untargeted.OnReply(0, Failed);
        Assert.False(untargeted.TryTakeNext(out _));
    }

    [Fact]
    public void Not_reached_as_soon_as_too_many_failed()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 5, required: 3);

        call.OnReply(0, Failed);
        call.OnReply(1, Applied);
        call.OnReply(2, TimedOut);
        Assert.False(call.Decision.IsCompleted); // 3 nodes left could still make it

        call.OnReply(3, Failed); // only node 4 is left: 1 + 1 < 3

        Assert.True(call.Decision.IsCompletedSuccessfully);
        Assert.False(call.Reached);
        Assert.False(call.AllArrived.IsCompleted);
    }

    [Fact]
    public void Decision_does_not_change_once_taken()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 2);
        call.OnReply(0, Failed);
        call.OnReply(1, Failed);
        Assert.False(call.Reached);

        call.OnReply(2, Applied);

        Assert.False(call.Reached);
        Assert.True(call.AllArrived.IsCompletedSuccessfully);
    }

    [Fact]
    public void Required_all_waits_for_every_node_and_fails_on_the_first_error()
    {
        var all = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 3);
        all.OnReply(0, Applied);
        all.OnReply(1, Applied);
        Assert.False(all.Decision.IsCompleted);
        all.OnReply(2, Applied);
        Assert.True(all.Reached);

        var failing = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 3);
        failing.OnReply(1, TimedOut);
        Assert.True(failing.Decision.IsCompleted);
        Assert.False(failing.Reached);
    }

    [Fact]
    public void Snapshot_holds_the_replies_so_far_and_is_a_copy()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 1);
        call.OnReply(1, Superseded);

        var (replies, arrived) = call.TakeSnapshot();
        call.OnReply(0, Applied);

        Assert.Equal([false, true, false], arrived);
        Assert.Equal(Superseded, replies[1]);
        Assert.Equal(default, replies[0]);
    }

    [Fact]
    public void Late_replies_after_the_snapshot_go_to_the_late_handler_including_those_before_it_was_set()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 4, required: 2);
        call.OnReply(0, Applied);
        call.OnReply(1, Applied);
        var (_, arrived) = call.TakeSnapshot();
        Assert.Equal([true, true, false, false], arrived);

        call.OnReply(2, Failed); // between the snapshot and HandleLate

        var late = new List<(int Index, ValueWriteReply Reply)>();
        call.HandleLate((index, reply) => late.Add((index, reply)));
        Assert.Equal([(2, Failed)], late);

        call.OnReply(3, TimedOut); // after HandleLate

        Assert.Equal([(2, Failed), (3, TimedOut)], late);
        Assert.True(call.AllArrived.IsCompletedSuccessfully);
    }

    [Fact]
    public void Replies_in_the_snapshot_are_not_handed_to_the_late_handler()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 2, required: 1);
        call.OnReply(0, Applied);
        call.OnReply(1, Failed);
        call.TakeSnapshot();

        var late = new List<int>();
        call.HandleLate((index, _) => late.Add(index));

        Assert.Empty(late);
    }

    [Fact]
    public async Task Every_late_reply_reaches_the_handler_exactly_once_under_concurrency()
    {
        for (var round = 0; round < 200; round++)
        {
            const int nodes = 16;
            var call = new QuorumCall<ValueWriteReply>(nodes, required: 1);
            call.OnReply(0, Applied);
            var (_, arrived) = call.TakeSnapshot();
            var late = new ConcurrentBag<int>();
            using var start = new ManualResetEventSlim();

            var replying = Enumerable.Range(1, nodes - 1).Select(i => Task.Run(() =>
            {
                start.Wait();
                call.OnReply(i, i % 2 == 0 ? Applied : Failed);
            })).ToList();
            var handling = Task.Run(() =>
            {
                start.Wait();
                call.HandleLate((index, _) => late.Add(index));
            });
            start.Set();
            await Task.WhenAll(replying.Append(handling));

            Assert.Equal(Enumerable.Range(1, nodes - 1), late.Order());
            Assert.True(arrived[0]);
        }
    }

    [Fact]
    public async Task Concurrent_replies_decide_correctly()
    {
        for (var round = 0; round < 300; round++)
        {
            const int nodes = 7;
            var counted = round % (nodes + 1); // 0..7 counted replies, the rest failed
            var call = new QuorumCall<ValueWriteReply>(nodes, required: 4);
            using var start = new ManualResetEventSlim();

            var replying = Enumerable.Range(0, nodes).Select(i => Task.Run(() =>
            {
                start.Wait();
                call.OnReply(i, i < counted ? Applied : Failed);
            })).ToArray();
            start.Set();
            await Task.WhenAll(replying);
            await call.AllArrived.WaitAsync(TimeSpan.FromSeconds(10));
            await call.Decision.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(counted >= 4, call.Reached);
            var (_, arrived) = call.TakeSnapshot();
            Assert.All(arrived, Assert.True);
        }
    }

    [Fact]
    public async Task SettleAsync_reports_nodes_still_out_after_the_wait_as_not_arrived()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 3);
        call.OnReply(0, Applied);
        call.OnReply(2, Failed);

        var (replies, arrived) = await call.SettleAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.Equal([true, false, true], arrived);
        Assert.Equal(NodeOutcomeKind.Pending, replies[1].Kind);
        Assert.Equal(Failed, replies[2]);
    }

    [Fact]
    public async Task SettleAsync_returns_as_soon_as_everyone_answered()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 3, required: 3);
        call.OnReply(0, Failed);
        var watch = Stopwatch.StartNew();

        var settling = call.SettleAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        call.OnReply(1, Applied);
        Assert.False(settling.IsCompleted);
        call.OnReply(2, TimedOut);
        var (replies, arrived) = await settling;

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.All(arrived, Assert.True);
        Assert.Equal([Failed, Applied, TimedOut], replies);
    }

    [Fact]
    public async Task SettleAsync_honours_cancellation()
    {
        var call = new QuorumCall<ValueWriteReply>(nodeCount: 2, required: 2);
        using var cancel = new CancellationTokenSource();
        var settling = call.SettleAsync(TimeSpan.FromSeconds(30), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => settling);
    }

    [Fact]
    public void Read_replies_count_unless_they_are_errors()
    {
        var call = new QuorumCall<ValueReadReply>(nodeCount: 3, required: 2);
        call.OnReply(0, new ValueReadReply(ValueState.Absent, default, null, 0, 0, default, null));
        call.OnReply(1, ValueReadReply.Failed(NodeOutcomeKind.Failed, new InvalidOperationException()));
        Assert.False(call.Decision.IsCompleted);

        call.OnReply(2, new ValueReadReply(ValueState.Tombstone, new ReplicatedVersion(1, 1), null, 0, 5, default, null));

        Assert.True(call.Reached);
    }
}
