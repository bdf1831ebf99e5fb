namespace AnarchoRedis;

/// <summary>What a node is to the client right now (<see cref="AnarchoRedisClient.Health"/>).</summary>
public enum NodeHealthState
{
    /// <summary>Circuit closed, epoch verified and ready: the node gets every operation and its answers count.</summary>
    Healthy = 0,

    /// <summary>
    /// The circuit is open (consecutive failures, or the connection dropped): operations skip the node
    /// (<see cref="NodeOutcomeKind.Skipped"/>) until a probe gets an answer and verifies its epoch.
    /// </summary>
    Open = 1,

    /// <summary>
    /// The node answers but its epoch has not been verified (since connecting or since its connection was restored): it
    /// takes writes, but its read answers do not count toward R, because it may have restarted empty.
    /// </summary>
    Unverified = 2,

    /// <summary>
    /// The node lost its data (its epoch vanished) and is being refilled: it takes writes (they count toward W), its read
    /// answers are used for read repair but do not count toward R until an anti-entropy pass has refilled it.
    /// </summary>
    Filling = 3,
}
