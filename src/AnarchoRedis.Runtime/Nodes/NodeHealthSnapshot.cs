using System;
using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>One node's health as the client sees it at one moment (<see cref="AnarchoRedisClient.Health"/>).</summary>
/// <param name="Name">The node's name (its configured endpoint).</param>
/// <param name="State">Whether the node gets operations and whether its read answers count.</param>
/// <param name="LatencyAverage">The exponentially weighted average of its reply latency (zero before the first reply).</param>
/// <param name="ConsecutiveFailures">Timeouts and connection errors since its last answer.</param>
/// <param name="EpochId">The id of the node's epoch (32 hex digits) as last verified, or <see langword="null"/> when never verified.</param>
public sealed record NodeHealthSnapshot(string Name, NodeHealthState State, TimeSpan LatencyAverage, int ConsecutiveFailures, string? EpochId)
{
    /// <summary>
    /// A node that is a Redis Cluster: each shard's health, named <c>node/host:port</c> (its circuit, and whether its
    /// slots' epochs were verified and are ready or filling); empty for a standalone node. The node's
    /// <see cref="State"/> is <see cref="NodeHealthState.Open"/> only when no shard can be reached: a shard that fails or
    /// refills affects the keys of its own slots.
    /// </summary>
    public IReadOnlyList<NodeHealthSnapshot> Shards { get; init; } = [];
}
