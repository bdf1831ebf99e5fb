namespace AnarchoRedis;

/// <summary>One node's slot index entry for a key: the entry hash of its state and when it is due for maintenance (0: never).</summary>
internal readonly record struct IndexEntry(long Hash, long Due)
{
    public bool IsDue(long nowMs) => Due != 0 && Due <= nowMs;
}
