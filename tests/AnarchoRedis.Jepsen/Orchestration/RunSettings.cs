using System;
using System.Collections.Generic;
using AnarchoRedis.Jepsen.Nemesis;

namespace AnarchoRedis.Jepsen.Orchestration;

/// <summary>The options of <c>run</c> and <c>availability</c>.</summary>
public sealed record RunSettings
{
    public int Seed { get; init; } = 1;

    /// <summary>
    /// <c>default</c>: appends, list reads, removes, trims, list deletes, register writes, deletes and reads.
    /// <c>queue</c>: pushes of unique elements onto <see cref="Keys"/> queues and exactly-once pops of them, judged by
    /// the queue rules (Checking/QueueCheck.cs); the other checks see nothing of it. <c>feed</c>: pushes onto
    /// <see cref="Keys"/> capped feeds (MaxLength 20), reads and keep-newest trims of them, judged by the feed rules
    /// (Checking/FeedCheck.cs) with the feeds' bookkeeping sampled during the run.
    /// </summary>
    public string Workload { get; init; } = "default";

    /// <summary>The queue workload: how many clients of each worker process push (the others pop).</summary>
    public int QueuePushers { get; init; } = 1;

    /// <summary>
    /// The queue workload: every client's PopClaimLease (short, so the claims of a popper stopped between claim and take
    /// lapse soon; the final phase waits until every claims hash has expired before it reads the nodes).
    /// </summary>
    public TimeSpan PopClaimLease { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public int Workers { get; init; } = 2;

    public int Clients { get; init; } = 4;

    public int Keys { get; init; } = 5;

    public IReadOnlyList<string> Faults { get; init; } = FaultKind.All;

    /// <summary>
    /// Cluster mode when above 0: each of the 3 replicas is a Redis Cluster of this many shards, and the faults are
    /// shard faults (<see cref="FaultKind.ShardAll"/>).
    /// </summary>
    public int ClusterShards { get; init; }

    /// <summary>Cluster mode: replicas per shard, 0 or 1 (1 allows <see cref="FaultKind.ShardFailover"/>).</summary>
    public int ShardReplicas { get; init; }

    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Where the JSON report goes (the summary goes next to it, as .txt); null: a temporary folder.</summary>
    public string? ReportPath { get; init; }

    /// <summary>W of every client (default Quorum).</summary>
    public Consistency WriteConsistency { get; init; } = Consistency.Quorum;

    /// <summary>R of every client (default Quorum).</summary>
    public Consistency ReadConsistency { get; init; } = Consistency.Quorum;

    /// <summary>Which nodes the clients' reads go to (default all; Required: R nodes, hedged).</summary>
    public ReadFanOut ReadFanOut { get; init; } = ReadFanOut.All;

    /// <summary>
    /// Whether the nemesis runs an anti-entropy pass after each empty restart (default). Off, two empty restarts
    /// can fall between repairs, which is outside the guarantee: a negative control, not a test of it.
    /// </summary>
    public bool RepairAfterEmptyRestart { get; init; } = true;

    /// <summary>Stale reads make the run invalid (the default; <c>--lenient-reads</c> reports them only).</summary>
    public bool StrictReads { get; init; } = true;

    /// <summary>For <c>availability</c>: <c>pause</c> or <c>partition</c>.</summary>
    public string AvailabilityFault { get; init; } = "pause";

    /// <summary>For <c>availability</c>: <c>default</c> (the run's mix: appends, list reads, writes, deletes, reads) or <c>registers</c> (register writes and reads, half each).</summary>
    public string AvailabilityMix { get; init; } = "default";

    public Action<string> Log { get; init; } = Console.WriteLine;
}
