using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// Forms one replica's Redis Cluster out of freshly started cluster-mode servers (slots, epochs, MEET, REPLICATE),
/// and tells when a replica is stable: every reachable node says <c>cluster_state:ok</c>, knows every node, and
/// reports the same slot map, which gives every shard's slots to a node of that shard at its announced port.
/// </summary>
internal static class ClusterFormation
{
    /// <summary>Redis Cluster's number of hash slots.</summary>
    public const int SlotCount = 16384;

    /// <summary>Shard <paramref name="shard"/>'s part of an even split of the slots over <paramref name="shards"/> shards.</summary>
    public static SlotRange EvenRange(int shard, int shards) =>
        new(shard * SlotCount / shards, ((shard + 1) * SlotCount / shards) - 1);

    /// <summary>Joins the replica's nodes into one cluster and waits until it is stable.</summary>
    public static async Task FormAsync(LocalReplica replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Distinct config epochs (as redis-cli does) so no epoch collision has to be resolved, then each primary's slots.
        await Task.WhenAll(replica.Shards.Select(async shard =>
        {
            var primary = shard.Primary;
            _ = await primary.AdminAsync(cancellationToken, "CLUSTER", "SET-CONFIG-EPOCH", shard.Index + 1).ConfigureAwait(false);
            foreach (var range in shard.SlotRanges)
            {
                _ = await primary.AdminAsync(cancellationToken, "CLUSTER", "ADDSLOTSRANGE", range.Start, range.End).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        // Every pair meets directly (the lower index asks), rather than only through node 0 and gossip: the whole
        // cluster knows itself after one handshake round instead of several gossip rounds.
        var nodes = replica.Nodes;
        await Task.WhenAll(nodes.Select(async (node, i) =>
        {
            foreach (var other in nodes.Skip(i + 1))
            {
                _ = await node.AdminAsync(cancellationToken, "CLUSTER", "MEET", "127.0.0.1", other.Port, other.BusPort).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(replica.Shards.SelectMany(shard => shard.Nodes.Where(n => n != shard.Primary).Select(async secondary =>
        {
            // REPLICATE needs the primary known (handshake done) first.
            while (true)
            {
                try
                {
                    _ = await secondary.AdminAsync(cancellationToken, "CLUSTER", "REPLICATE", shard.Primary.ClusterNodeId!).ConfigureAwait(false);
                    return;
                }
                catch (RespErrorException ex) when (deadline.Elapsed < timeout)
                {
                    _ = ex;
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
            }
        }))).ConfigureAwait(false);

        await WaitStableAsync(replica, timeout - deadline.Elapsed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a restarted node's replica is stable again (it rejoined, and serves or replicates its slots).</summary>
    public static Task WaitRejoinedAsync(LocalNode node, CancellationToken cancellationToken) =>
        WaitStableAsync(node.Shard!.Replica, node.StartTimeout, cancellationToken);

    /// <summary>Polls until <see cref="UnstableAsync"/> finds nothing.</summary>
    /// <exception cref="TimeoutException">Still unstable after <paramref name="timeout"/>; the message says why.</exception>
    public static async Task WaitStableAsync(LocalReplica replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var reason = await UnstableAsync(replica, cancellationToken).ConfigureAwait(false);
            if (reason is null)
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Replica {replica.Index}'s cluster is not stable after {timeout.TotalSeconds:0.#} s: {reason}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Why the replica is not stable yet, or <see langword="null"/> when it is. Killed and paused nodes are not asked.</summary>
    public static async Task<string?> UnstableAsync(LocalReplica replica, CancellationToken cancellationToken)
    {
        var live = replica.Nodes.Where(n => n.IsRunning && !n.IsPaused).ToArray();
        var liveIds = live.Select(n => n.ClusterNodeId!).ToHashSet(StringComparer.Ordinal);
        var byId = replica.Nodes.ToDictionary(n => n.ClusterNodeId!, StringComparer.Ordinal);
        var views = await Task.WhenAll(live.Select(n => ViewAsync(n, cancellationToken))).ConfigureAwait(false);
        string? map = null;
        foreach (var (node, view) in live.Zip(views))
        {
            if (view.Error is { } error)
            {
                return $"{node}: {error}";
            }

            if (!view.Info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return $"{node}: cluster_state is not ok";
            }

            if (!view.Info.Contains("cluster_known_nodes:" + replica.Nodes.Count.ToString(CultureInfo.InvariantCulture) + "\r", StringComparison.Ordinal))
            {
                return $"{node}: does not know all {replica.Nodes.Count} nodes yet";
            }

            foreach (var line in view.Nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = line.Split(' ');
                if (fields.Length > 2 && liveIds.Contains(fields[0]) &&
                    fields[2].Split(',').Any(f => f is "handshake" or "noaddr" or "fail" or "fail?"))
                {
                    return $"{node}: sees {fields[0]} as {fields[2]}";
                }
            }

            map ??= view.Slots;
            if (view.Slots != map)
            {
                return $"{node}: its slot map differs from another node's";
            }

            if (view.MasterLinkDown)
            {
                return $"{node}: its replication link is not up";
            }
        }

        if (map is null)
        {
            return null;
        }

        // The kit's own slot map: each shard's slots belong to a node of that shard, announced at its client endpoint.
        var covered = 0;
        foreach (var entry in map.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(' ');
            var range = new SlotRange(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            covered += range.Count;
            for (var i = 2; i < parts.Length; i++)
            {
                var (id, port) = (parts[i].Split('@')[0], int.Parse(parts[i].Split('@')[1], CultureInfo.InvariantCulture));
                if (!byId.TryGetValue(id, out var owner))
                {
                    return $"slots {range} name an unknown node {id}";
                }

                if (port != (owner.Proxy?.Port ?? owner.Port))
                {
                    return $"slots {range}: {owner} is announced on port {port}";
                }

                if (i == 2 && !(owner.Shard!.SlotRanges.Any(r => r.Start <= range.Start && range.End <= r.End)))
                {
                    return $"slots {range} are served by {owner}, not by shard {owner.Shard.Index}'s nodes";
                }
            }
        }

        return covered == SlotCount ? null : $"the slot map covers {covered} of {SlotCount} slots";
    }

    private static async Task<View> ViewAsync(LocalNode node, CancellationToken cancellationToken)
    {
        try
        {
            var info = Resp.Text(await node.AdminAsync(cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false));
            var nodes = Resp.Text(await node.AdminAsync(cancellationToken, "CLUSTER", "NODES").ConfigureAwait(false));
            var slots = Normalize(await node.AdminAsync(cancellationToken, "CLUSTER", "SLOTS").ConfigureAwait(false));
            var myself = nodes.Split('\n').FirstOrDefault(l => l.Contains("myself", StringComparison.Ordinal)) ?? string.Empty;
            var linkDown = false;
            if (myself.Contains("slave", StringComparison.Ordinal))
            {
                var primaryId = myself.Split(' ')[3];
                var primary = node.Shard!.Nodes.FirstOrDefault(n => n.ClusterNodeId == primaryId);
                if (primary is { IsRunning: true, IsPaused: false })
                {
                    var replication = Resp.Text(await node.AdminAsync(cancellationToken, "INFO", "replication").ConfigureAwait(false));
                    linkDown = !replication.Contains("master_link_status:up", StringComparison.Ordinal);
                }
            }

            return new View(info, nodes, slots, linkDown, null);
        }
        catch (Exception ex) when (ex is RespErrorException or IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new View(string.Empty, string.Empty, string.Empty, false, ex.Message);
        }
    }

    /// <summary>
    /// CLUSTER SLOTS as lines <c>start end primaryId@port</c>, by start. Replicas are left out: a replica is listed only
    /// once its replication offset is known to be non-zero (after its primary's first write or replication ping), so
    /// views differ for a while after a start; replicas are checked through CLUSTER NODES and their link instead.
    /// </summary>
    private static string Normalize(object? reply)
    {
        var lines = new List<(long Start, string Line)>();
        foreach (var entry in (object?[])reply!)
        {
            var fields = (object?[])entry!;
            var start = (long)fields[0]!;
            var end = (long)fields[1]!;
            var primary = Member(fields[2]);
            lines.Add((start, string.Join(' ', start.ToString(CultureInfo.InvariantCulture), end.ToString(CultureInfo.InvariantCulture), primary)));
        }

        return string.Join('\n', lines.OrderBy(l => l.Start).Select(l => l.Line));

        static string Member(object? node)
        {
            var fields = (object?[])node!;
            return Resp.Text(fields[2]) + "@" + ((long)fields[1]!).ToString(CultureInfo.InvariantCulture);
        }
    }

    private sealed record View(string Info, string Nodes, string Slots, bool MasterLinkDown, string? Error);
}
