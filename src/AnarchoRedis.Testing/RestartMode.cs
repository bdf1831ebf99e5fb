namespace AnarchoRedis.Testing;

/// <summary>What a node keeps across <see cref="LocalNode.RestartAsync"/>.</summary>
public enum RestartMode
{
    /// <summary>
    /// The node comes back with its data: the append-only file with <see cref="LocalClusterOptions.Persistence"/>,
    /// else the last <see cref="LocalNode.SnapshotAsync"/>.
    /// </summary>
    KeepData,

    /// <summary>The node's files are deleted first: a node that lost everything.</summary>
    LoseData,

    /// <summary>
    /// The node comes back with its last <see cref="LocalNode.SnapshotAsync"/> only: its append-only file is deleted
    /// first, so what it acknowledged since the snapshot is gone (a node restored from an older backup). With
    /// <see cref="LocalClusterOptions.Persistence"/> the append-only file is turned back on once the snapshot is loaded.
    /// </summary>
    FromSnapshot,
}
