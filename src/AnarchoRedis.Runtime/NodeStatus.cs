using System;
using System.Collections.Generic;
using System.Linq;

namespace AnarchoRedis;

/// <summary>
/// One node as an operator sees it (<see cref="AnarchoRedisClient.DescribeNodesAsync"/>): the client's view of it, plus
/// what the node itself says now (round trip, epoch, key count, server version). For a node that is a Redis Cluster, the
/// node's fields sum up its <see cref="Shards"/>: keys summed, the slowest round trip, the first shard's error, the
/// epoch state of all slots; it has no single <see cref="EpochId"/> (an epoch per slot).
/// </summary>
/// <param name="Node">The node's name (its configured endpoint).</param>
/// <param name="Health">The client's view: circuit, epoch verification, refill.</param>
/// <param name="Error">Why the node could not be asked, or <see langword="null"/> when it answered.</param>
/// <param name="RoundTrip">The time a PING took, or <see langword="null"/> when it failed.</param>
/// <param name="EpochId">The node's epoch id (32 hex digits) as stored now, or <see langword="null"/> when it holds none (always on a cluster node).</param>
/// <param name="EpochState">The node's epoch state as stored now: <c>ready</c> or <c>filling</c>, or <see langword="null"/> (on a cluster node: every slot's, as in <see cref="ShardStatus.EpochState"/>).</param>
/// <param name="Keys">Every key the node holds (DBSIZE, summed over a cluster's shards), bookkeeping included, or <see langword="null"/> when unknown (on any shard).</param>
/// <param name="ServerVersion">The server's version (INFO server), or <see langword="null"/> when it did not say; a cluster's shards' versions, comma-joined when they differ.</param>
public sealed record NodeStatus(
    string Node,
    NodeHealthSnapshot Health,
    string? Error,
    TimeSpan? RoundTrip,
    string? EpochId,
    string? EpochState,
    long? Keys,
    string? ServerVersion)
{
    /// <summary>
    /// A node that is a Redis Cluster: each shard (primary) with the slots it owns, its key count, epoch state and the
    /// client's view of it, in slot order; empty for a standalone node.
    /// </summary>
    public IReadOnlyList<ShardStatus> Shards { get; init; } = [];

    /// <summary>Whether the node answered (on a cluster node, every shard did).</summary>
    public bool Reachable => Error is null;

    /// <summary>
    /// Whether the node answered, its stored epoch is ready and the client counts its reads (on a cluster node, those of
    /// every shard).
    /// </summary>
    public bool IsReady => Reachable && EpochState == "ready" && Health.State == NodeHealthState.Healthy
        && Shards.All(s => s.Health.State == NodeHealthState.Healthy);
}
