using System;

namespace AnarchoRedis;

/// <summary>
/// One node as an operator sees it (<see cref="AnarchoRedisClient.DescribeNodesAsync"/>): the client's view of it, plus
/// what the node itself says now (round trip, epoch, key count, server version).
/// </summary>
/// <param name="Node">The node's name (its configured endpoint).</param>
/// <param name="Health">The client's view: circuit, epoch verification, refill.</param>
/// <param name="Error">Why the node could not be asked, or <see langword="null"/> when it answered.</param>
/// <param name="RoundTrip">The time a PING took, or <see langword="null"/> when it failed.</param>
/// <param name="EpochId">The node's epoch id (32 hex digits) as stored now, or <see langword="null"/> when it holds none.</param>
/// <param name="EpochState">The node's epoch state as stored now: <c>ready</c> or <c>filling</c>, or <see langword="null"/>.</param>
/// <param name="Keys">Every key the node holds (DBSIZE), bookkeeping included, or <see langword="null"/> when unknown.</param>
/// <param name="ServerVersion">The server's version (INFO server), or <see langword="null"/> when it did not say.</param>
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
    /// <summary>Whether the node answered.</summary>
    public bool Reachable => Error is null;

    /// <summary>Whether the node answered, its stored epoch is ready and the client counts its reads.</summary>
    public bool IsReady => Reachable && EpochState == "ready" && Health.State == NodeHealthState.Healthy;
}
