using System;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

/// <summary>Read answers of nodes that do not count toward R (filling, unverified) stay usable for the winner and repair.</summary>
public sealed class NotCountedReplyTests
{
    private static readonly NodeUnavailableException Reason = new("node-a", NodeHealthState.Filling, "refilling after an empty restart");

    [Fact]
    public void A_value_answer_that_does_not_count_is_still_a_candidate_and_reports_why_it_was_not_counted()
    {
        var live = new ValueReadReply(ValueState.Live, ReplicatedVersion.Parse("0000000000000001000000000000000a"), [1, 2], 0, 0, default, null);

        var notCounted = live.NotCounted(Reason);

        Assert.True(live.Counts);
        Assert.False(notCounted.Counts);
        Assert.True(notCounted.IsCandidate);
        Assert.Equal(ValueState.Live, notCounted.State);
        Assert.Equal(NodeOutcomeKind.Skipped, notCounted.ErrorKind);
        Assert.Same(Reason, notCounted.Error);
    }

    [Fact]
    public void A_list_answer_that_does_not_count_is_still_ok_for_the_merge()
    {
        var reply = new ListReadReply(true, ReplicatedVersion.Zero, 0, 0, default, 0, [], null, default, default, default, default, null);

        var notCounted = reply.NotCounted(Reason);

        Assert.True(reply.Counts);
        Assert.False(notCounted.Counts);
        Assert.True(notCounted.Ok);
        Assert.Equal(NodeOutcomeKind.Skipped, notCounted.ErrorKind);
    }

    [Fact]
    public void A_quorum_call_decides_only_on_counted_answers()
    {
        var call = new QuorumCall<ValueReadReply>(3, 2);
        var absent = new ValueReadReply(ValueState.Absent, default, null, 0, 0, default, null);

        call.OnReply(0, absent.NotCounted(Reason));
        call.OnReply(1, absent);
        Assert.False(call.Decision.IsCompleted);

        call.OnReply(2, ValueReadReply.Failed(NodeOutcomeKind.TimedOut, new TimeoutException()));

        Assert.True(call.Decision.IsCompleted);
        Assert.False(call.Reached);
    }
}
