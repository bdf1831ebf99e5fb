namespace AnarchoRedis;

/// <summary>How a pass finds the keys that differ.</summary>
public enum AntiEntropyPassMode
{
    /// <summary>
    /// <see cref="Digests"/> when <see cref="AnarchoRedisOptions.SlotDigests"/> is on, else <see cref="Scan"/>.
    /// </summary>
    Auto = 0,

    /// <summary>Compare the nodes' slot digests, then only the keys of slots that differ or have work due.</summary>
    Digests,

    /// <summary>SCAN every node for meta keys and compare every key: costs what the keyspace costs.</summary>
    Scan,
}
