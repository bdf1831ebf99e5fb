namespace AnarchoRedis;

/// <summary>The result of an acknowledged list write.</summary>
/// <param name="Version">The version of the write (for a push, the id of its last element).</param>
/// <param name="Length">The list's length after the write, as the acknowledging nodes agreed (after repair when they did not).</param>
/// <param name="Acknowledged">How many nodes had acknowledged when the call returned.</param>
/// <param name="Required">The write quorum W that was required.</param>
public readonly record struct ListWriteResult(ReplicatedVersion Version, long Length, int Acknowledged, int Required);
