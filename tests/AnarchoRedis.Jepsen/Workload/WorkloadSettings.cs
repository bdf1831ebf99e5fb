using System;

namespace AnarchoRedis.Jepsen.Workload;

/// <summary>What one worker process runs; the orchestrator passes it on the command line.</summary>
public sealed record WorkloadSettings
{
    public required int Process { get; init; }

    public required int Clients { get; init; }

    public required string[] EndPoints { get; init; }

    /// <summary>Registers and lists per generation.</summary>
    public int Keys { get; init; } = 5;

    public int Seed { get; init; } = 1;

    /// <summary>Unix ms all workers count list generations from.</summary>
    public long StartMillis { get; init; }

    /// <summary>
    /// Lists are appended to for this long, then the workload moves to fresh list keys, so a long run does not grow a
    /// few huge lists (every list read and list repair moves the whole list).
    /// </summary>
    public TimeSpan ListGeneration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A client gives up waiting for one operation after this long and records it as indeterminate.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>default</c>: appends, list reads, register writes, deletes and reads; <c>registers</c>: register writes and
    /// reads, half each; <c>queue</c>: the first <see cref="QueuePushers"/> clients push unique elements onto the
    /// <see cref="Keys"/> queues, the others pop them with the exactly-once pops; <c>feed</c>: pushes onto
    /// <see cref="Keys"/> capped feeds, reads of them and occasional keep-newest trims.
    /// </summary>
    public string Mix { get; init; } = "default";

    /// <summary>W and R of every client; Quorum (2 of 3) unless a run asks otherwise (a negative control: One/One loses writes).</summary>
    public Consistency WriteConsistency { get; init; } = Consistency.Quorum;

    public Consistency ReadConsistency { get; init; } = Consistency.Quorum;

    /// <summary>Which nodes reads go to (all, or R hedged).</summary>
    public ReadFanOut ReadFanOut { get; init; } = ReadFanOut.All;

    /// <summary>
    /// MaxClockSkew of every client. The run lowers it (2 s) when the clock-jump nemesis is on, so a jump beyond it
    /// (4 s) blocks the keys it wrote for seconds, not minutes.
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>queue</c> mix: how many of the process' clients push (the others pop).</summary>
    public int QueuePushers { get; init; } = 1;

    /// <summary>PopClaimLease of every client: short in the <c>queue</c> mix, so a stopped popper's claim lapses soon.</summary>
    public TimeSpan PopClaimLease { get; init; } = TimeSpan.FromSeconds(10);

    public required string HistoryPath { get; init; }
}
