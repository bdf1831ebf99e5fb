using System.Collections.Generic;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>What a register holds on one node: its meta version, tombstone flag and decoded value.</summary>
public sealed record RegisterState(ReplicatedVersion Version, bool Tombstone, string? Value);

/// <summary>Everything the checker needs from one node, read directly from it after the final anti-entropy pass.</summary>
public sealed class NodeSnapshot
{
    public required string Name { get; init; }

    /// <summary>Register key → state (registers with meta only; absent keys are absent).</summary>
    public Dictionary<string, RegisterState> Registers { get; init; } = new();

    /// <summary>List key → the live elements in the node's order.</summary>
    public Dictionary<string, List<string>> Lists { get; init; } = new();

    /// <summary>Every replicated key (data, meta, list tombstones) → comparable text (type, expiry, exact bytes).</summary>
    public SortedDictionary<string, string> Dump { get; init; } = new(System.StringComparer.Ordinal);

    /// <summary>The anti-entropy slot digest and index keys, kept apart: their due times may legitimately differ.</summary>
    public SortedDictionary<string, string> SlotDump { get; init; } = new(System.StringComparer.Ordinal);
}
