using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;
using Xunit;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The queue workload's rules (QueueCheck) on hand-made histories: an element returned twice, an acknowledged push gone
/// without a pop (and when an indeterminate pop explains it), a pop of something never pushed, a popped element back.
/// </summary>
public sealed class QueueCheckTests
{
    private const string Q = "jepsen:queue:0";
    private const string Other = "jepsen:queue:1";

    /// <summary>Three nodes whose queue <paramref name="key"/> holds <paramref name="elements"/> (the same on each).</summary>
    private static List<NodeSnapshot> Nodes(string key, params string[] elements) =>
        Enumerable.Range(0, 3).Select(i => new NodeSnapshot { Name = "n" + i, Queues = { [key] = elements.ToList() } }).ToList();

    [Fact]
    public void Every_acknowledged_push_popped_once_or_still_held_is_valid()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1");
        h.QueuePush(Q, "p0c0#2");
        h.QueuePush(Q, "p0c0#3");
        h.QueuePop(Q, "p0c0#1", client: 1);
        h.QueuePop(Q, "p0c0#2", client: 2);
        h.QueuePop(Q, null, client: 3);

        var result = Checker.Check(h.Operations, Nodes(Q, "p0c0#3"), strictReads: true);

        Assert.True(result.Valid);
        Assert.Equal(3, result.QueuePushesAcknowledged);
        Assert.Equal(2, result.QueuePops);
        Assert.Equal(1, result.QueueEmptyPops);
        Assert.Equal(1, result.QueueElementsLeft);
        Assert.Equal(0, result.QueueLost.Count + result.QueueDuplicates.Count + result.QueuePossiblyConsumed.Count);
    }

    [Fact]
    public void An_element_returned_by_two_pops_is_a_duplicate()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1");
        h.QueuePop(Q, "p0c0#1", client: 1);
        h.QueuePop(Q, "p0c0#1", client: 2);

        var result = Checker.Check(h.Operations, Nodes(Q));

        Assert.False(result.Valid);
        Assert.Equal(1, result.QueueDuplicates.Count);
        Assert.Contains("returned by 2 pops", result.QueueDuplicates.Examples[0].Detail);
        Assert.Contains("p0c1", result.QueueDuplicates.Examples[0].Detail);
        Assert.Contains("p0c2", result.QueueDuplicates.Examples[0].Detail);
        Assert.Equal(0, result.QueueLost.Count);
    }

    [Fact]
    public void An_acknowledged_push_neither_popped_nor_held_is_lost_and_one_missing_on_a_single_node_too()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1");
        h.QueuePush(Q, "p0c0#2");
        var nodes = Nodes(Q, "p0c0#2");
        nodes[1].Queues[Q].Clear();

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(2, result.QueueLost.Count);
        Assert.Contains(result.QueueLost.Examples, a => a.Detail.StartsWith("p0c0#1", System.StringComparison.Ordinal) && a.Detail.Contains("missing on n0, n1, n2"));
        Assert.Contains(result.QueueLost.Examples, a => a.Detail.StartsWith("p0c0#2", System.StringComparison.Ordinal) && a.Detail.Contains("missing on n1,"));
    }

    [Fact]
    public void An_indeterminate_pop_of_the_same_queue_explains_one_missing_element_and_no_more()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1");
        h.QueuePush(Q, "p0c0#2");
        h.QueuePop(Q, null, client: 1, outcome: OpType.Info);
        // An indeterminate pop of another queue explains nothing here.
        h.QueuePop(Other, null, client: 2, outcome: OpType.Info);

        var result = Checker.Check(h.Operations, Nodes(Q));

        Assert.Equal(2, result.QueueIndeterminatePops);
        Assert.Equal(1, result.QueuePossiblyConsumed.Count);
        Assert.Contains("possibly consumed by the indeterminate pop p0c1", result.QueuePossiblyConsumed.Examples[0].Detail);
        Assert.Equal(1, result.QueueLost.Count);
        Assert.False(result.Valid);

        // A second indeterminate pop of the queue explains the second element: possibly consumed is not a violation.
        h.QueuePop(Q, null, client: 3, outcome: OpType.Info);
        result = Checker.Check(h.Operations, Nodes(Q));
        Assert.Equal(2, result.QueuePossiblyConsumed.Count);
        Assert.Equal(0, result.QueueLost.Count);
        Assert.True(result.Valid);
    }

    [Fact]
    public void An_indeterminate_pop_that_completed_before_the_push_began_cannot_have_consumed_it()
    {
        var h = new HistoryBuilder();
        h.QueuePop(Q, null, client: 1, outcome: OpType.Info);
        h.QueuePush(Q, "p0c0#1");

        var result = Checker.Check(h.Operations, Nodes(Q));

        Assert.Equal(0, result.QueuePossiblyConsumed.Count);
        Assert.Equal(1, result.QueueLost.Count);
    }

    [Fact]
    public void A_missing_element_whose_push_was_indeterminate_or_failed_is_not_lost()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1", OpType.Info);
        h.QueuePush(Q, "p0c0#2", OpType.Fail);

        var result = Checker.Check(h.Operations, Nodes(Q));

        Assert.True(result.Valid);
        Assert.Equal(0, result.QueueLost.Count);
    }

    [Fact]
    public void A_pop_of_an_element_never_pushed_onto_its_queue_or_whose_push_failed_or_began_after_it_is_reported()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Other, "p0c0#1");
        h.QueuePush(Q, "p0c0#2", OpType.Fail);
        h.QueuePop(Q, "p0c0#1");
        h.QueuePop(Q, "p0c0#2");
        h.QueuePop(Q, "p9c9#9");
        h.QueuePop(Q, "p0c0#3");
        h.QueuePush(Q, "p0c0#3");

        var result = Checker.Check(h.Operations, Nodes(Q));

        Assert.False(result.Valid);
        Assert.Equal(4, result.QueuePoppedNeverPushed.Count);
        Assert.Contains(result.QueuePoppedNeverPushed.Examples, a => a.Detail.Contains("definitely failed"));
        Assert.Contains(result.QueuePoppedNeverPushed.Examples, a => a.Detail.Contains("before its push began"));
        // p0c0#1 was pushed onto the other queue and popped from this one, p0c0#3 popped before it was pushed: no pop
        // that can have returned them did, and no node holds them.
        Assert.Equal(2, result.QueueLost.Count);
    }

    [Fact]
    public void A_popped_element_still_held_at_the_end_and_one_held_twice_or_never_pushed_are_reported()
    {
        var h = new HistoryBuilder();
        h.QueuePush(Q, "p0c0#1");
        h.QueuePush(Q, "p0c0#2");
        h.QueuePop(Q, "p0c0#1");
        var nodes = Nodes(Q, "p0c0#2");
        nodes[2].Queues[Q].Add("p0c0#1");
        nodes[0].Queues[Q].Add("p0c0#2");
        nodes[1].Queues[Q].Add("p7c7#7");

        var result = Checker.Check(h.Operations, nodes);

        Assert.False(result.Valid);
        Assert.Equal(1, result.QueuePoppedStillHeld.Count);
        Assert.Equal("n2", result.QueuePoppedStillHeld.Examples[0].Node);
        Assert.Equal(2, result.QueueUnexpectedElements.Count);
        Assert.Contains(result.QueueUnexpectedElements.Examples, a => a.Node == "n0" && a.Detail.Contains("more than once"));
        Assert.Contains(result.QueueUnexpectedElements.Examples, a => a.Node == "n1" && a.Detail.Contains("never pushed"));
    }

    [Fact]
    public void A_pop_completion_carries_the_element_through_the_history_file()
    {
        var events = new[]
        {
            new OpEvent { Id = 1, Process = 2, Client = 3, Type = OpType.Invoke, F = OpFunction.QueuePop, Key = Q, Side = "L", Time = 10 },
            new OpEvent { Id = 1, Process = 2, Client = 3, Type = OpType.Ok, F = OpFunction.QueuePop, Key = Q, Value = "p0c0#1", Time = 20 },
        };

        var op = Assert.Single(HistoryFile.Pair(events));

        Assert.Equal("p0c0#1", op.ReadValue);
        Assert.Equal("L", op.Side);
        Assert.Equal((2, 3), (op.Process, op.Client));
    }
}
