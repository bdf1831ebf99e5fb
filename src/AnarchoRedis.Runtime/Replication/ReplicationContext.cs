using System;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>
/// What the replication parts of one client share (the value and list writers, readers and repairs): the nodes, the
/// key names, the slot keys (null with slot digests off), the clock, the options, the metrics, the log and the time.
/// Built once by the client; nothing here reaches back to it.
/// </summary>
internal sealed class ReplicationContext(
    ReplicaSet nodes,
    KeySpace keys,
    SlotKeys? slots,
    HybridLogicalClock clock,
    AnarchoRedisOptions options,
    AnarchoRedisMetrics metrics,
    ILogger logger,
    TimeProvider time)
{
    public ReplicaSet Nodes { get; } = nodes;

    public KeySpace Keys { get; } = keys;

    /// <summary>The slot digest and slot index key names; <see langword="null"/> when slot digests are off.</summary>
    public SlotKeys? Slots { get; } = slots;

    public HybridLogicalClock Clock { get; } = clock;

    public AnarchoRedisOptions Options { get; } = options;

    public AnarchoRedisMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;

    public TimeProvider Time { get; } = time;

    /// <summary>The tombstone grace period in milliseconds.</summary>
    public long GraceMs { get; } = (long)options.TombstoneGracePeriod.TotalMilliseconds;

    /// <summary>
    /// The meta key's expiry: it outlives expiring data by the grace period, so a stale replica cannot bring the value
    /// back; 0 (no expiry) when the data has none.
    /// </summary>
    public long MetaExpiresAt(long expiresAt) => expiresAt == 0 ? 0 : expiresAt + GraceMs;
}
