namespace AnarchoRedis;

/// <summary>
/// The error of a node's outcome when the node was not asked, or its answer did not count: its circuit is open
/// (<see cref="NodeOutcomeKind.Skipped"/>), or it is refilling after a restart (empty, or from older data) or not yet verified, so its read
/// answer does not count toward R; or, as <see cref="NodeSlotUnavailableException"/>, the node is a Redis Cluster whose
/// shard refused the key's hash slot for as long as the library retried (a slot migration, the cluster down). Carried in
/// <see cref="NodeOutcome.Error"/>, never thrown on its own.
/// </summary>
public class NodeUnavailableException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node.</param>
    /// <param name="state">The node's state when it was skipped.</param>
    /// <param name="message">Why it was skipped.</param>
    public NodeUnavailableException(string node, NodeHealthState state, string message)
        : this(node, state, message, null)
    {
    }

    /// <summary>Creates the exception with the failure that made the node unavailable.</summary>
    /// <param name="node">The node.</param>
    /// <param name="state">The node's state when it was skipped.</param>
    /// <param name="message">Why it was skipped.</param>
    /// <param name="innerException">The node's last failure (a timeout or connection error), if known.</param>
    public NodeUnavailableException(string node, NodeHealthState state, string message, System.Exception? innerException)
        : base(message, null, innerException)
    {
        Node = node;
        State = state;
    }

    /// <summary>The node.</summary>
    public string Node { get; }

    /// <summary>The node's state when it was skipped.</summary>
    public NodeHealthState State { get; }
}
