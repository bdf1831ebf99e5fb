using System;
using System.Collections.Generic;
using System.Linq;

namespace AnarchoRedis.Jepsen.Nemesis;

/// <summary>The faults the nemesis injects, one node at a time (N − W = 1 with N = 3, W = 2).</summary>
public static class FaultKind
{
    /// <summary>SIGKILL, then a restart that lost everything; an anti-entropy pass follows before the next fault.</summary>
    public const string KillEmpty = "kill-empty";

    /// <summary>SIGKILL, then a restart from the append-only file (persistence on, fsync always).</summary>
    public const string KillKeep = "kill-keep";

    /// <summary>SIGSTOP then SIGCONT: a hung node whose connections stay open.</summary>
    public const string Pause = "pause";

    /// <summary>The proxy stops forwarding both ways; bytes wait and are delivered at the heal.</summary>
    public const string Stall = "stall";

    /// <summary>The proxy resets every connection and refuses new ones until the heal.</summary>
    public const string Reset = "reset";

    /// <summary>50-200 ms added each way through the proxy.</summary>
    public const string Latency = "latency";

    /// <summary>FLUSHALL on a running node: it loses everything, epoch included, but keeps its connections; a pass follows.</summary>
    public const string Flush = "flush";

    /// <summary>A script that keeps the node busy for the window: every other command gets a BUSY error reply (not a timeout).</summary>
    public const string Busy = "busy";

    /// <summary>maxmemory cut below what the node holds, allkeys-random: random keys evicted (data, meta, bookkeeping, epoch); a pass follows.</summary>
    public const string Evict = "evict";

    /// <summary>
    /// A snapshot (SAVE) at the fault's start; at its end a kill and a restart from that snapshot, its append-only file
    /// dropped: a node restored from an older backup, which lost what it acknowledged in the window; a pass follows.
    /// </summary>
    public const string Snapshot = "snapshot";

    /// <summary>
    /// The append-only file rewritten, a kill, and a restart with a key load delay: the node answers <c>LOADING</c> to
    /// every command while it loads (the hold), then comes back with its data.
    /// </summary>
    public const string Loading = "loading";

    /// <summary>
    /// Fresh clients mid-fault: the node is killed and every worker replaces its clients while it is down, then it comes
    /// back empty and the workers replace their clients again while it is wiped (before the pass that refills it).
    /// </summary>
    public const string FreshClient = "fresh-client";

    /// <summary>
    /// One worker process' clock jumps forward, within MaxClockSkew (half of it) or beyond it (twice it), for the hold,
    /// then back (its clients' versions and expiries come from that clock; the run sets MaxClockSkew to 2 s).
    /// </summary>
    public const string ClockJump = "clock-jump";

    /// <summary>Cluster mode: one shard's primary killed and restarted empty (the shard's slots wiped on that replica).</summary>
    public const string ShardWipe = "shard-wipe";

    /// <summary>Cluster mode: one shard's primary paused (SIGSTOP) for the hold, then resumed; with shard replicas it may be failed over meanwhile.</summary>
    public const string ShardPause = "shard-pause";

    /// <summary>
    /// Cluster mode: a snapshot of one shard's primary at the fault's start, a restart from it at the end: that shard's
    /// slots lose what they acknowledged in the window on that replica.
    /// </summary>
    public const string ShardSnapshot = "shard-snapshot";

    /// <summary>
    /// Cluster mode: a slot that holds a workload key moves to another shard of the same replica, its keys one at a time
    /// over the hold (the slot is split between the two shards meanwhile: ASK, TRYAGAIN), then the move completes.
    /// </summary>
    public const string ShardMigrate = "shard-migrate";

    /// <summary>
    /// Cluster mode with shard replicas: the shard's replica takes over, half the time cooperatively (CLUSTER FAILOVER),
    /// half after its primary is killed (FORCE: the promoted replica may lack acknowledged writes); the old primary
    /// comes back empty as the new replica.
    /// </summary>
    public const string ShardFailover = "shard-failover";

    public static IReadOnlyList<string> All { get; } = [KillEmpty, KillKeep, Pause, Stall, Reset, Latency, Flush, Busy, Evict, Snapshot, Loading, FreshClient, ClockJump];

    /// <summary>Every shard fault (cluster mode); <see cref="ShardFailover"/> only with shard replicas.</summary>
    public static IReadOnlyList<string> ShardAll(int shardReplicas) =>
        shardReplicas > 0 ? [ShardWipe, ShardPause, ShardSnapshot, ShardMigrate, ShardFailover] : [ShardWipe, ShardPause, ShardSnapshot, ShardMigrate];

    /// <summary>
    /// The shard faults that may lose a shard's data on its replica (its slots): a wipe, an old snapshot, a failover (the
    /// promoted server may lack acknowledged writes), and with shard replicas a pause (held past the cluster node
    /// timeout, the shard's replica takes over on its own).
    /// </summary>
    public static bool ShardLosesData(string kind, int shardReplicas) =>
        kind is ShardWipe or ShardSnapshot or ShardFailover || (kind == ShardPause && shardReplicas > 0);

    /// <summary>The faults that lose data on one node: the protocol's guarantees need a repair before the next one.</summary>
    public static bool LosesData(string kind) => kind is KillEmpty or Flush or Evict or Snapshot or FreshClient;

    /// <summary>Faults that restart a node keeping its data: the cluster turns append-only persistence on for them.</summary>
    public static bool NeedsPersistence(IEnumerable<string> kinds) => kinds.Any(k => k is KillKeep or Loading);

    /// <summary>Cluster mode's fault list: <c>all</c>, <c>none</c> or shard kinds only (a failover needs shard replicas).</summary>
    public static IReadOnlyList<string> ParseShard(string list, int shardReplicas)
    {
        var kinds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant()).ToList();
        if (kinds is ["all"])
        {
            return ShardAll(shardReplicas);
        }

        if (kinds is ["none"])
        {
            return [];
        }

        foreach (var kind in kinds.Where(k => !ShardAll(1).Contains(k)))
        {
            throw new ArgumentException($"unknown fault '{kind}' in cluster mode; known: {string.Join(", ", ShardAll(1))}, all, none");
        }

        if (shardReplicas == 0 && kinds.Contains(ShardFailover))
        {
            throw new ArgumentException($"{ShardFailover} needs --shard-replicas 1");
        }

        return kinds;
    }

    public static IReadOnlyList<string> Parse(string list)
    {
        var kinds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => k.ToLowerInvariant()).ToList();
        if (kinds.Count == 1 && kinds[0] == "all")
        {
            return All;
        }

        if (kinds.Count == 1 && kinds[0] == "none")
        {
            return [];
        }

        foreach (var kind in kinds.Where(k => !All.Contains(k)))
        {
            throw new ArgumentException($"unknown fault '{kind}'; known: {string.Join(", ", All)}, all, none");
        }

        return kinds;
    }
}
