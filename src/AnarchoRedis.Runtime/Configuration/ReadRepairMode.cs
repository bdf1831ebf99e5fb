namespace AnarchoRedis;

/// <summary>How a read repairs the stale replicas it saw.</summary>
public enum ReadRepairMode
{
    /// <summary>
    /// Replicas counted toward R are repaired before the read returns (so quorum reads are monotonic);
    /// the others in the background. The default.
    /// </summary>
    Blocking = 0,

    /// <summary>Every stale replica is repaired in the background; the read returns at once.</summary>
    Background = 1,

    /// <summary>No read repair; only anti-entropy heals.</summary>
    Off = 2,
}
