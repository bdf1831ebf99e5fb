using System;
using System.Collections.Generic;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// One shard (primary) of a node that is a Redis Cluster, as an operator sees it (<see cref="NodeStatus.Shards"/>): the
/// slots it owns, the client's view of it, and what the shard itself says now.
/// </summary>
/// <param name="EndPoint">The primary's endpoint (<c>host:port</c>), as the cluster announces it.</param>
/// <param name="Slots">The hash slot ranges it owns, in order.</param>
/// <param name="Health">The client's view of the shard: its circuit, and whether its slots' epochs are verified and ready.</param>
/// <param name="Error">Why the shard could not be asked, or <see langword="null"/> when it answered.</param>
/// <param name="RoundTrip">The time a PING to it took, or <see langword="null"/> when it failed.</param>
/// <param name="EpochState">
/// Its slots' epochs as stored now: <c>ready</c> when every slot's is, <c>filling</c> when some slot is refilling, or
/// <see langword="null"/> when some slot holds none (the shard lost its data, or no client created them yet) or they
/// could not be read.
/// </param>
/// <param name="Keys">Every key the shard holds (DBSIZE), bookkeeping included, or <see langword="null"/> when unknown.</param>
/// <param name="ServerVersion">The server's version, or <see langword="null"/> when it did not say.</param>
public sealed record ShardStatus(
    string EndPoint,
    IReadOnlyList<SlotRange> Slots,
    NodeHealthSnapshot Health,
    string? Error,
    TimeSpan? RoundTrip,
    string? EpochState,
    long? Keys,
    string? ServerVersion)
{
    /// <summary>Whether the shard answered.</summary>
    public bool Reachable => Error is null;

    /// <summary>How many hash slots the shard owns.</summary>
    public int SlotCount
    {
        get
        {
            var count = 0;
            foreach (var range in Slots)
            {
                count += range.To - range.From + 1;
            }

            return count;
        }
    }
}
