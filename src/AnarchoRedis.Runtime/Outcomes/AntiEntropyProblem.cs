using System;

namespace AnarchoRedis;

/// <summary>What kind of problem a pass met.</summary>
public enum AntiEntropyProblemKind
{
    /// <summary>A node did not answer; it is not compared, and nothing is purged in this pass.</summary>
    NodeUnreachable = 0,

    /// <summary>
    /// A key's meta names a replicated type this process does not know: the key is left as it is. Counted in
    /// <see cref="AntiEntropyReport.UnknownKeys"/> (and the problems metric), not listed among the problems: it does not
    /// make a pass unclean.
    /// </summary>
    UnknownType,

    /// <summary>A key's meta key is corrupt or has the wrong Redis type on a node: that node's copy is left as it is.</summary>
    CorruptMeta,

    /// <summary>A key is a value on one node and a list on another, or not the kind its registry entry says.</summary>
    KindConflict,

    /// <summary>No intact copy of the newest version exists (for example its payload is not MessagePack on every node).</summary>
    NoIntactCopy,

    /// <summary>A command failed (timeout, connection lost, script error); the key is compared again next pass.</summary>
    Failed,

    /// <summary>A slot digest did not match its own index (written outside the library); it was recomputed.</summary>
    DigestDrift,
}

/// <summary>One problem a pass met. Problems never stop a pass.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Key">The key, when the problem is about one.</param>
/// <param name="Node">The node, when the problem is about one.</param>
/// <param name="Message">A description.</param>
/// <param name="Exception">The exception, if any.</param>
public sealed record AntiEntropyProblem(AntiEntropyProblemKind Kind, string? Key, string? Node, string Message, Exception? Exception = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Kind}{(Key is null ? string.Empty : $" key '{Key}'")}{(Node is null ? string.Empty : $" on {Node}")}: {Message}";
}
