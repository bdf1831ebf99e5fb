using System;

namespace AnarchoRedis;

/// <summary>
/// Hints: how writes a node missed are remembered and replayed to it when it answers again
/// (<see cref="AnarchoRedisOptions.Hints"/>; bind it from the <c>AnarchoRedis:Hints</c> configuration section).
/// </summary>
/// <remarks>
/// A hint names a key and its registered type, never a value: a replay compares the key across the answering nodes
/// and copies the newest state (values) or the merge (lists), exactly as anti-entropy does for one key.
/// </remarks>
public sealed class HintOptions
{
    /// <summary>The default prefix of the durable hint streams.</summary>
    public const string DefaultStreamPrefix = "anrcho_hints:";

    /// <summary>Whether missed writes are remembered and replayed. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The most hints kept in memory per node (distinct keys), and the approximate length bound of each durable
    /// stream. Hints beyond it are dropped and counted (<c>anarchoredis.hint.dropped</c>); anti-entropy heals what
    /// hints miss. Default 100,000.
    /// </summary>
    public int MaxPerNode { get; set; } = 100_000;

    /// <summary>How often the replayer tries the nodes that have pending hints. Default 1 second.</summary>
    public TimeSpan ReplayInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many hints a replay takes at a time (memory entries, or stream entries read with one XRANGE). Default 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// Whether hints are also kept on the nodes themselves: after a write, each missed node gets an entry (fields
    /// <c>k</c> key, <c>t</c> type name) in the stream <c>{StreamPrefix}{node name}</c> on the other nodes, and this
    /// client's replayer reads and deletes such entries, so any client instance (also one started later) replays them.
    /// Clients must configure the same node endpoints (the node name is its endpoint). Default <see langword="false"/>.
    /// </summary>
    public bool Durable { get; set; }

    /// <summary>
    /// The prefix of the durable hint streams. Default <c>anrcho_hints:</c>. Reserved like the meta prefix: user keys
    /// must not start with it. It must not contain <c>{</c> or <c>}</c>.
    /// </summary>
    public string StreamPrefix { get; set; } = DefaultStreamPrefix;
}
