using System;
using System.Collections.Generic;
using System.Diagnostics;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Health;

public sealed class NodeHealthTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";

    private static NodeHealth Ready(int threshold = 3)
    {
        var health = new NodeHealth("node-a", threshold);
        Assert.True(health.OnEpochVerified(Id, ready: true, health.Generation, out _));
        return health;
    }

    private static RedisTimeoutException Timeout() => new(CommandFlags.None, "timed out", CommandStatus.Sent);

    private static RedisConnectionException ConnectionError() => new(ConnectionFailureType.SocketFailure, CommandFlags.None, "socket closed", null, CommandStatus.Sent);

    [Fact]
    public void A_new_record_is_unverified_and_its_reads_do_not_count_until_its_epoch_is_verified()
    {
        var health = new NodeHealth("node-a", 3);

        Assert.Equal(NodeHealthState.Unverified, health.State);
        Assert.False(health.IsOpen);
        Assert.False(health.CountsForReads);
        Assert.Null(health.EpochId);

        Assert.True(health.OnEpochVerified(Id, ready: true, health.Generation, out var previous));

        Assert.Null(previous);
        Assert.Equal(NodeHealthState.Healthy, health.State);
        Assert.True(health.CountsForReads);
        Assert.Equal(Id, health.EpochId);
    }

    [Fact]
    public void The_circuit_opens_at_the_threshold_of_consecutive_failures_and_an_answer_resets_the_count()
    {
        var health = Ready(threshold: 3);
        var opened = new List<bool>();
        health.CircuitChanged += (_, open) => opened.Add(open);

        health.Observe(Timeout(), Stopwatch.GetTimestamp());
        health.Observe(ConnectionError(), Stopwatch.GetTimestamp());
        Assert.False(health.IsOpen);
        Assert.Equal(2, health.ConsecutiveFailures);

        health.OnAnswer(Stopwatch.GetTimestamp());
        Assert.Equal(0, health.ConsecutiveFailures);

        health.Observe(Timeout(), Stopwatch.GetTimestamp());
        health.Observe(Timeout(), Stopwatch.GetTimestamp());
        Assert.False(health.IsOpen);
        health.Observe(Timeout(), Stopwatch.GetTimestamp());

        Assert.True(health.IsOpen);
        Assert.Equal(NodeHealthState.Open, health.State);
        Assert.False(health.CountsForReads);
        health.Observe(Timeout(), Stopwatch.GetTimestamp());
        Assert.Equal([true], opened);
    }

    [Fact]
    public void An_error_reply_from_the_node_is_an_answer_not_a_failure()
    {
        var health = Ready(threshold: 1);

        health.Observe(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "WRONGTYPE Operation against a key holding the wrong kind of value"), Stopwatch.GetTimestamp());
        health.Observe(new InvalidOperationException("a bug elsewhere"), Stopwatch.GetTimestamp());

        Assert.False(health.IsOpen);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(NodeHealthState.Healthy, health.State);
    }

    [Fact]
    public void A_dropped_connection_opens_the_circuit_at_once_and_only_a_verified_epoch_closes_it()
    {
        var health = Ready();
        var transitions = new List<bool>();
        health.CircuitChanged += (_, open) => transitions.Add(open);

        health.OnConnectionLost();
        Assert.Equal(NodeHealthState.Open, health.State);

        // A late answer to a command sent before the drop closes nothing.
        health.OnAnswer(Stopwatch.GetTimestamp());
        Assert.True(health.IsOpen);

        Assert.True(health.OnEpochVerified(Id, ready: true, health.Generation, out _));
        Assert.Equal(NodeHealthState.Healthy, health.State);
        Assert.Equal([true, false], transitions);
    }

    [Fact]
    public void An_epoch_read_before_the_connection_dropped_is_not_applied_after_it()
    {
        var health = Ready();
        var generation = health.Generation;

        health.OnConnectionLost();

        Assert.False(health.OnEpochVerified(Id, ready: true, generation, out _));
        Assert.Equal(NodeHealthState.Open, health.State);
        Assert.False(health.CountsForReads);
        health.OnEpochUnverifiable(generation);
        Assert.True(health.IsOpen);
    }

    [Fact]
    public void A_filling_node_takes_operations_but_its_reads_do_not_count_and_the_reason_names_the_refill()
    {
        var health = new NodeHealth("node-a", 3);
        health.OnConnectionLost();

        Assert.True(health.OnEpochVerified(Id, ready: false, health.Generation, out _));

        Assert.Equal(NodeHealthState.Filling, health.State);
        Assert.False(health.IsOpen);
        Assert.False(health.CountsForReads);
        Assert.Equal(NodeHealthState.Filling, health.NotCountedError.State);
        Assert.Contains("refilling after a restart", health.NotCountedError.Message, StringComparison.Ordinal);
        Assert.Contains(Id, health.NotCountedError.Message, StringComparison.Ordinal);

        Assert.True(health.OnEpochVerified(Id, ready: true, health.Generation, out _));
        Assert.True(health.CountsForReads);
    }

    [Fact]
    public void Another_epoch_id_than_the_one_seen_before_is_reported_as_the_previous_id()
    {
        var health = Ready();
        const string other = "fedcba9876543210fedcba9876543210";

        Assert.True(health.OnEpochVerified(other, ready: false, health.Generation, out var previous));

        Assert.Equal(Id, previous);
        Assert.Equal(other, health.EpochId);
        Assert.Equal(NodeHealthState.Filling, health.State);
    }

    [Fact]
    public void An_unverifiable_epoch_closes_the_circuit_but_reads_still_do_not_count()
    {
        var health = Ready();
        health.OnConnectionLost();

        health.OnEpochUnverifiable(health.Generation);

        Assert.False(health.IsOpen);
        Assert.Equal(NodeHealthState.Unverified, health.State);
        Assert.False(health.CountsForReads);
        Assert.Contains("not had its epoch verified", health.NotCountedError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latency_average_starts_at_the_first_sample_and_moves_toward_new_ones()
    {
        var health = Ready();
        Assert.Equal(TimeSpan.Zero, health.LatencyAverage);

        var tenMsAgo = Stopwatch.GetTimestamp() - (Stopwatch.Frequency / 100);
        health.OnAnswer(tenMsAgo);
        var first = health.LatencyAverage;
        Assert.InRange(first.TotalMilliseconds, 10, 1000);

        health.OnAnswer(Stopwatch.GetTimestamp());
        Assert.True(health.LatencyAverage < first, "a fast answer lowers the average");
        Assert.True(health.LatencyAverage > TimeSpan.Zero, "one sample moves the average only part of the way");
    }

    [Fact]
    public void The_snapshot_reports_name_state_failures_and_epoch()
    {
        var health = Ready();
        health.OnFailure();

        var snapshot = health.Snapshot();

        Assert.Equal(new NodeHealthSnapshot("node-a", NodeHealthState.Healthy, health.LatencyAverage, 1, Id), snapshot);
    }

    [Fact]
    public void A_skip_reuses_one_error_that_names_the_open_circuit()
    {
        var health = Ready();
        health.OnConnectionLost();

        Assert.Same(health.SkipError, health.SkipError);
        Assert.Equal(NodeHealthState.Open, health.SkipError.State);
        Assert.Equal("node-a", health.SkipError.Node);
        Assert.Contains("circuit is open", health.SkipError.Message, StringComparison.Ordinal);
    }
}
