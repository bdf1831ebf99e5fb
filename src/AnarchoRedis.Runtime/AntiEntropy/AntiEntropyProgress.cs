namespace AnarchoRedis;

/// <summary>What a running pass is doing.</summary>
public enum AntiEntropyPhase
{
    /// <summary>Reading slot digests (digest pass) or scanning for keys (SCAN pass).</summary>
    Discovering = 0,

    /// <summary>Comparing and repairing keys.</summary>
    Repairing,

    /// <summary>The pass has ended.</summary>
    Done,
}

/// <summary>Progress of a pass, reported to the <see cref="System.IProgress{T}"/> given to <see cref="AntiEntropyRunner.RunPassAsync"/>.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Done">Slots (digest pass) or keys (SCAN pass) handled so far.</param>
/// <param name="Total">Slots or keys to handle (16,384 slots; for a SCAN pass, the keys found so far).</param>
/// <param name="KeysCompared">Keys compared across nodes so far.</param>
/// <param name="KeysRepaired">Keys repaired so far.</param>
public readonly record struct AntiEntropyProgress(AntiEntropyPhase Phase, long Done, long Total, long KeysCompared, long KeysRepaired);
