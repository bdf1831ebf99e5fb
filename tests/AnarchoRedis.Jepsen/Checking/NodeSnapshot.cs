using System.Collections.Generic;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// What a register holds on one node: its meta version, tombstone flag and decoded value (null with a live version:
/// expired, or gone), and the data key's absolute expiry in Unix ms (-1: none; null: no data key, or not read).
/// </summary>
public sealed record RegisterState(ReplicatedVersion Version, bool Tombstone, string? Value, long? DataExpiry = null);

/// <summary>A feed element on one node: its value and its id (the version of its push), read from the envelope.</summary>
public sealed record FeedElement(string Value, ReplicatedVersion Id);

/// <summary>Everything the checker needs from one node, read directly from it after the final anti-entropy pass.</summary>
public sealed class NodeSnapshot
{
    public required string Name { get; init; }

    /// <summary>Register key → state (registers with meta only; absent keys are absent).</summary>
    public Dictionary<string, RegisterState> Registers { get; init; } = new();

    /// <summary>List key → the live elements in the node's order.</summary>
    public Dictionary<string, List<string>> Lists { get; init; } = new();

    /// <summary>Queue key (the <c>queue</c> workload's lists, <c>jepsen:queue:*</c>) → the live elements in the node's order.</summary>
    public Dictionary<string, List<string>> Queues { get; init; } = new();

    /// <summary>Feed key (the <c>feed</c> workload's capped lists, <c>jepsen:feed:*</c>) → the live elements in the node's order, with their ids.</summary>
    public Dictionary<string, List<FeedElement>> Feeds { get; init; } = new();

    /// <summary>Feed key → how many entries its element-tombstone hash (<c>anrcho_tomb:{key}</c>) holds; only feeds that have one.</summary>
    public Dictionary<string, long> FeedTombstones { get; init; } = new();

    /// <summary>Feed key → how many fields its meta hash holds.</summary>
    public Dictionary<string, long> FeedMetaFields { get; init; } = new();

    /// <summary>List key → the data key's absolute expiry, Unix ms (-1: none); only lists whose data key exists.</summary>
    public Dictionary<string, long> ListExpiry { get; init; } = new();

    /// <summary>
    /// When the node was read (Unix ms, real clock): what may have expired by then. The default (the far future) lets
    /// every time to live count as possibly expired.
    /// </summary>
    public long ReadAtMs { get; init; } = long.MaxValue / 2000;

    /// <summary>Every replicated key (data, meta, list tombstones) → comparable text (type, expiry, exact bytes).</summary>
    public SortedDictionary<string, string> Dump { get; init; } = new(System.StringComparer.Ordinal);

    /// <summary>The anti-entropy slot digest and index keys, kept apart: their due times may legitimately differ.</summary>
    public SortedDictionary<string, string> SlotDump { get; init; } = new(System.StringComparer.Ordinal);
}
