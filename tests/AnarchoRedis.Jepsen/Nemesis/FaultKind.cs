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

    public static IReadOnlyList<string> All { get; } = [KillEmpty, KillKeep, Pause, Stall, Reset, Latency, Flush, Busy, Evict, Snapshot, Loading, FreshClient, ClockJump];

    /// <summary>The faults that lose data on one node: the protocol's guarantees need a repair before the next one.</summary>
    public static bool LosesData(string kind) => kind is KillEmpty or Flush or Evict or Snapshot or FreshClient;

    /// <summary>Faults that restart a node keeping its data: the cluster turns append-only persistence on for them.</summary>
    public static bool NeedsPersistence(IEnumerable<string> kinds) => kinds.Any(k => k is KillKeep or Loading);

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
