namespace AnarchoRedis;

/// <summary>Which nodes a quorum read is sent to.</summary>
public enum ReadFanOut
{
    /// <summary>
    /// Every node gets the read; the call returns at R counted replies, and the late ones still feed read repair.
    /// Reads see (and repair) every replica that answers. The default.
    /// </summary>
    All = 0,

    /// <summary>
    /// Only R nodes get the read at first (healthy nodes first, rotating so the load spreads evenly). Another node is
    /// asked at once when one fails or its answer cannot count, and every remaining node is asked when no quorum has
    /// formed after the hedge delay (a hedged read; see <see cref="AnarchoRedisOptions.HedgeDelay"/>). Reads cost R node calls instead of N;
    /// read repair then only sees the replicas read, and anti-entropy heals the others. With R + W &gt; N a read still
    /// sees the latest acknowledged write.
    /// </summary>
    Required = 1,
}
