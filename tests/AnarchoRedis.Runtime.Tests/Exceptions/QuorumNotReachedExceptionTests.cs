using System;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Exceptions;

public sealed class QuorumNotReachedExceptionTests
{
    private static readonly ReplicatedVersion Stored = new(10, 1);

    private static NodeOutcome Outcome(string node, NodeOutcomeKind kind, string? error = null) =>
        new(node, kind, kind is NodeOutcomeKind.Applied or NodeOutcomeKind.Superseded ? Stored : null, error is null ? null : new InvalidOperationException(error));

    private static QuorumNotReachedException Make(params NodeOutcome[] outcomes) => new("set", "user:42", 2, outcomes);

    [Fact]
    public void Indeterminate_when_any_node_applied()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Applied),
            Outcome("b:6379", NodeOutcomeKind.Failed, "ERR"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR"));

        Assert.True(error.IsIndeterminate);
        Assert.Equal(1, error.Acknowledged);
    }

    [Fact]
    public void Indeterminate_when_any_node_timed_out()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Failed, "ERR"),
            Outcome("b:6379", NodeOutcomeKind.TimedOut, "timeout"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR"));

        Assert.True(error.IsIndeterminate);
        Assert.Equal(0, error.Acknowledged);
    }

    [Fact]
    public void Determinate_when_every_node_failed()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Failed, "ERR one"),
            Outcome("b:6379", NodeOutcomeKind.Failed, "ERR two"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR three"));

        Assert.False(error.IsIndeterminate);
        Assert.Equal(0, error.Acknowledged);
    }

    [Fact]
    public void Superseded_counts_as_acknowledged_but_changes_nothing()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Superseded),
            Outcome("b:6379", NodeOutcomeKind.Failed, "ERR"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR"));

        Assert.Equal(1, error.Acknowledged);
        Assert.False(error.IsIndeterminate);
    }

    [Fact]
    public void Indeterminate_when_a_node_is_still_pending()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Failed, "ERR"),
            Outcome("b:6379", NodeOutcomeKind.Pending),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR"));

        Assert.True(error.IsIndeterminate);
    }

    [Fact]
    public void Message_lists_every_node_with_its_outcome_and_error()
    {
        var error = Make(
            Outcome("a:6379", NodeOutcomeKind.Applied),
            Outcome("b:6379", NodeOutcomeKind.TimedOut, "Timeout performing EVALSHA"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "ERR busy"),
            Outcome("d:6379", NodeOutcomeKind.Pending),
            Outcome("e:6379", NodeOutcomeKind.Skipped));

        Assert.Contains("set of key 'user:42'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 of 2 required", error.Message, StringComparison.Ordinal);
        Assert.Contains("a:6379=Applied;", error.Message, StringComparison.Ordinal);
        Assert.Contains("b:6379=TimedOut (Timeout performing EVALSHA);", error.Message, StringComparison.Ordinal);
        Assert.Contains("c:6379=Failed (ERR busy);", error.Message, StringComparison.Ordinal);
        Assert.Contains("d:6379=Pending;", error.Message, StringComparison.Ordinal);
        Assert.Contains("e:6379=Skipped;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Carries_the_operation_key_required_outcomes_and_first_error()
    {
        var outcomes = new[]
        {
            Outcome("a:6379", NodeOutcomeKind.Applied),
            Outcome("b:6379", NodeOutcomeKind.Failed, "first"),
            Outcome("c:6379", NodeOutcomeKind.Failed, "second"),
        };

        var error = Make(outcomes);

        Assert.Equal("set", error.Operation);
        Assert.Equal("user:42", error.Key);
        Assert.Equal(2, error.Required);
        Assert.Equal(outcomes, error.Outcomes);
        Assert.Equal("first", error.InnerException!.Message);
        Assert.IsAssignableFrom<AnarchoRedisException>(error);
    }

    [Fact]
    public void No_inner_exception_when_no_node_gave_an_error()
    {
        var error = Make(Outcome("a:6379", NodeOutcomeKind.Pending), Outcome("b:6379", NodeOutcomeKind.Skipped));

        Assert.Null(error.InnerException);
    }
}
