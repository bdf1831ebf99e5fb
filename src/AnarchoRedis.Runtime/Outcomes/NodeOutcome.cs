using System;

namespace AnarchoRedis;

/// <summary>What one node did with one operation.</summary>
public enum NodeOutcomeKind
{
    /// <summary>The node had not answered when the outcome was taken (indeterminate).</summary>
    Pending = 0,

    /// <summary>The node applied the write, or answered the read.</summary>
    Applied = 1,

    /// <summary>The node already held this version or a newer one: acknowledged, nothing changed.</summary>
    Superseded = 2,

    /// <summary>The node answered with an error; the write did not run there.</summary>
    Failed = 3,

    /// <summary>The node did not answer in time. Indeterminate: the command may still run later.</summary>
    TimedOut = 4,

    /// <summary>The node was not asked (its circuit is open, or it is not counted after an empty restart).</summary>
    Skipped = 5,
}

/// <summary>One node's outcome of one operation.</summary>
/// <param name="Node">The node's name (its endpoint).</param>
/// <param name="Kind">What happened.</param>
/// <param name="StoredVersion">The version the node holds afterwards, when it said.</param>
/// <param name="Error">The error, for <see cref="NodeOutcomeKind.Failed"/> and <see cref="NodeOutcomeKind.TimedOut"/>.</param>
public readonly record struct NodeOutcome(string Node, NodeOutcomeKind Kind, ReplicatedVersion? StoredVersion = null, Exception? Error = null)
{
    /// <summary>Whether the outcome counts toward the quorum.</summary>
    public bool IsAcknowledged => Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.Superseded;
}
