namespace AnarchoRedis;

/// <summary>The result of an acknowledged write or delete.</summary>
/// <param name="Version">The version of the write.</param>
/// <param name="Acknowledged">How many nodes had acknowledged when the call returned (at least the required number).</param>
/// <param name="Required">The write quorum W that was required.</param>
public readonly record struct WriteResult(ReplicatedVersion Version, int Acknowledged, int Required);
